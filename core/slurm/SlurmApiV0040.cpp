// SlurmApiV0040: JSON of slurmrestd data parsers v0.0.40-v0.0.42, checked against answers recorded from a real
// Slurm 24.11 (tests/slurm/data/v0.0.4x).
#include "core/slurm/SlurmApiV0040.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace mldesk::core {

namespace {

QJsonObject setNumberObject(qint64 n)
{
    return QJsonObject{
        {QStringLiteral("set"), true}, {QStringLiteral("infinite"), false}, {QStringLiteral("number"), double(n)}};
}

// A value nested as a/b/c; undefined when a level is missing.
QJsonValue at(const QJsonObject &o, std::initializer_list<const char *> path)
{
    QJsonValue v = o;
    for (const char *key : path) {
        if (!v.isObject())
            return QJsonValue(QJsonValue::Undefined);
        v = v.toObject().value(QLatin1String(key));
    }
    return v;
}

} // namespace

qint64 SlurmApiV0040::setNumber(const QJsonValue &value, qint64 fallback)
{
    if (value.isDouble())
        return qint64(value.toDouble());
    if (!value.isObject())
        return fallback;
    const QJsonObject o = value.toObject();
    if (!o.value(QStringLiteral("set")).toBool() || o.value(QStringLiteral("infinite")).toBool())
        return fallback;
    const QJsonValue n = o.value(QStringLiteral("number"));
    return n.isDouble() ? qint64(n.toDouble()) : fallback;
}

qint64 SlurmApiV0040::number(const QJsonObject &object, const QString &key, qint64 fallback) const
{
    return setNumber(object.value(key), fallback);
}

QString SlurmApiV0040::jobState(const QJsonValue &value)
{
    const QStringList states = stringList(value);
    for (const char *flag : {"COMPLETING", "CONFIGURING"})
        if (states.contains(QLatin1String(flag)))
            return QLatin1String(flag);
    return states.isEmpty() ? QString() : states.first();
}

int SlurmApiV0040::rawExitCode(const QJsonValue &value)
{
    if (value.isDouble())
        return value.toInt();
    const QJsonObject o = value.toObject();
    const qint64 signal = setNumber(at(o, {"signal", "id"}), 0);
    if (stringList(o.value(QStringLiteral("status"))).contains(QStringLiteral("SIGNALED")) && signal > 0)
        return int(signal & 0x7f);
    const qint64 code = setNumber(o.value(QStringLiteral("return_code")), 0);
    return int(((code & 0xff) << 8) | (signal & 0x7f));
}

QJsonObject SlurmApiV0040::jobProperties(const SlurmJobSpec &spec) const
{
    QJsonObject job = SlurmApiV0038::jobProperties(spec); // the same keys, but for these:
    job.insert(QStringLiteral("script"), spec.script);    // inside job from v0.0.40 on
    job.remove(QStringLiteral("nodes"));                  // [min, max] in v0.0.38
    job.insert(QStringLiteral("minimum_nodes"), spec.nodesMin);
    job.insert(QStringLiteral("maximum_nodes"), std::max(spec.nodesMin, spec.nodesMax));
    job.remove(QStringLiteral("gpus_per_node")); // unknown here: 24.11 would ignore it with only a warning
    if (spec.gpusPerNode > 0)
        job.insert(QStringLiteral("tres_per_node"), QStringLiteral("gres/gpu:%1").arg(spec.gpusPerNode));
    if (spec.timeLimitMinutes > 0)
        job.insert(QStringLiteral("time_limit"), setNumberObject(spec.timeLimitMinutes));
    QJsonArray environment; // required, a list of "K=V" strings from v0.0.39 on
    for (auto it = spec.environment.cbegin(); it != spec.environment.cend(); ++it)
        environment.append(QString(it.key() + QLatin1Char('=') + it.value()));
    job.insert(QStringLiteral("environment"), environment);
    return job;
}

QString SlurmApiV0040::jobsQuery(qint64 updateTime, qint64 nowSecs) const
{
    if (updateTime <= 0)
        return {}; // every job
    // Slurm 24.11's v0.0.40 and v0.0.41 refuse seconds since the epoch here ("Parsing of 1796166557 for timestamp
    // failed", HTTP 422) but take Slurm's relative time syntax, on slurmctld's own clock.
    if (SlurmApi::versionNumber(version()) < 42) {
        const qint64 ago = nowSecs - updateTime;
        return ago >= 0 ? QStringLiteral("update_time=now-%1").arg(ago)
                        : QStringLiteral("update_time=now%2B%1").arg(-ago); // "now+N", '+' encoded
    }
    return SlurmApi::jobsQuery(updateTime, nowSecs);
}

QByteArray SlurmApiV0040::submitBody(const SlurmJobSpec &spec) const
{
    return QJsonDocument(QJsonObject{{QStringLiteral("job"), jobProperties(spec)}}).toJson(QJsonDocument::Compact);
}

QString SlurmApiV0040::jobStateOf(const QJsonObject &job) const
{
    return jobState(job.value(QStringLiteral("job_state")));
}

int SlurmApiV0040::rawExitCodeOf(const QJsonObject &job) const
{
    return rawExitCode(job.value(QStringLiteral("exit_code")));
}

void SlurmApiV0040::readPing(const QJsonObject &p, const QJsonObject &meta, SlurmPing *out) const
{
    SlurmApiV0038::readPing(p, meta, out);                         // hostname, mode
    out->state = p.value(QStringLiteral("pinged")).toString();     // "ping" in v0.0.38
    out->slurmRelease = at(meta, {"slurm", "release"}).toString(); // "Slurm" in v0.0.38
    out->pluginType = at(meta, {"plugin", "data_parser"}).toString();
    if (out->pluginType.isEmpty())
        out->pluginType = at(meta, {"plugin", "type"}).toString();
}

void SlurmApiV0040::readNode(const QJsonObject &n, SlurmNode *node) const
{
    SlurmApiV0038::readNode(n, node); // the same keys, but for these:
    // ["IDLE", "DRAIN"]: the base state first, then flags (v0.0.38: "idle" plus state_flags).
    QStringList states = stringList(n.value(QStringLiteral("state")));
    node->state = states.isEmpty() ? QString() : states.takeFirst().toLower();
    node->stateFlags = states;
    node->idleCpus = int(number(n, QStringLiteral("alloc_idle_cpus"), node->cpus - node->allocatedCpus));
    node->freeMemoryMb = number(n, QStringLiteral("free_mem"), -1);
}

void SlurmApiV0040::readPartition(const QJsonObject &p, SlurmPartition *partition) const
{
    const QStringList states = stringList(at(p, {"partition", "state"}));
    partition->state = states.isEmpty() ? QString() : states.first();
    partition->nodes = at(p, {"nodes", "configured"}).toString();
    partition->totalNodes = int(setNumber(at(p, {"nodes", "total"}), 0));
    partition->totalCpus = int(setNumber(at(p, {"cpus", "total"}), 0));
    // 24.11 reports no partition flags; a DEFAULT flag is taken should a version add it back.
    partition->isDefault = stringList(at(p, {"flags"})).contains(QStringLiteral("DEFAULT"));
    partition->maxTimeMinutes = int(std::max<qint64>(-1, setNumber(at(p, {"maximums", "time"}), -1)));
    partition->defaultTimeMinutes = int(std::max<qint64>(-1, setNumber(at(p, {"defaults", "time"}), -1)));
    partition->maxNodesPerJob = int(std::max<qint64>(-1, setNumber(at(p, {"maximums", "nodes"}), -1)));
}

} // namespace mldesk::core
