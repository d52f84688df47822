// SlurmApiV0038: JSON of slurmrestd openapi/v0.0.38, checked against answers recorded from a real Slurm 22.05
// (tests/slurm/data/v0.0.38).
#include "core/slurm/SlurmApiV0038.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace mldesk::core {

namespace {

bool requireArray(const QJsonObject &root, const QString &key, QJsonArray *out, QString *error)
{
    const QJsonValue v = root.value(key);
    if (!v.isArray()) {
        *error = QStringLiteral("the answer has no '%1' list").arg(key);
        return false;
    }
    *out = v.toArray();
    return true;
}

} // namespace

QStringList SlurmApiV0038::stringList(const QJsonValue &value)
{
    if (value.isString())
        return {value.toString()};
    QStringList out;
    for (const QJsonValue &v : value.toArray())
        out.append(v.toString());
    return out;
}

qint64 SlurmApiV0038::number(const QJsonObject &object, const QString &key, qint64 fallback) const
{
    const QJsonValue v = object.value(key);
    return v.isDouble() ? qint64(v.toDouble()) : fallback;
}

QDateTime SlurmApiV0038::time(const QJsonObject &object, const QString &key) const
{
    const qint64 seconds = number(object, key, 0);
    return seconds > 0 ? QDateTime::fromSecsSinceEpoch(seconds, Qt::UTC) : QDateTime();
}

QJsonObject SlurmApiV0038::jobProperties(const SlurmJobSpec &spec) const
{
    QJsonObject job;
    job.insert(QStringLiteral("name"), spec.name);
    if (!spec.comment.isEmpty())
        job.insert(QStringLiteral("comment"), spec.comment);
    if (!spec.partition.isEmpty())
        job.insert(QStringLiteral("partition"), spec.partition);
    // [min, max]: Slurm picks a count in the range.
    job.insert(QStringLiteral("nodes"), QJsonArray{spec.nodesMin, std::max(spec.nodesMin, spec.nodesMax)});
    if (spec.gpusPerNode > 0)
        job.insert(QStringLiteral("gpus_per_node"), QString::number(spec.gpusPerNode)); // a string in this version
    if (spec.cpusPerTask > 0)
        job.insert(QStringLiteral("cpus_per_task"), spec.cpusPerTask);
    if (spec.timeLimitMinutes > 0)
        job.insert(QStringLiteral("time_limit"), spec.timeLimitMinutes);
    if (!spec.workingDirectory.isEmpty())
        job.insert(QStringLiteral("current_working_directory"), spec.workingDirectory);
    if (!spec.standardOutput.isEmpty())
        job.insert(QStringLiteral("standard_output"), spec.standardOutput);
    if (!spec.standardError.isEmpty())
        job.insert(QStringLiteral("standard_error"), spec.standardError);
    job.insert(QStringLiteral("requeue"), spec.requeue);
    // Required, and an object (a dictionary) in v0.0.38; v0.0.39 wants a list of "K=V" strings.
    QJsonObject environment;
    for (auto it = spec.environment.cbegin(); it != spec.environment.cend(); ++it)
        environment.insert(it.key(), it.value());
    job.insert(QStringLiteral("environment"), environment);
    return job;
}

QByteArray SlurmApiV0038::submitBody(const SlurmJobSpec &spec) const
{
    QJsonObject root;
    root.insert(QStringLiteral("script"), spec.script);
    root.insert(QStringLiteral("job"), jobProperties(spec));
    return QJsonDocument(root).toJson(QJsonDocument::Compact);
}

bool SlurmApiV0038::parsePing(const QJsonObject &root, SlurmPing *out, QString *error) const
{
    QJsonArray pings;
    if (!requireArray(root, QStringLiteral("pings"), &pings, error))
        return false;
    if (pings.isEmpty()) {
        *error = QStringLiteral("the ping answer lists no controller");
        return false;
    }
    readPing(pings.first().toObject(), root.value(QStringLiteral("meta")).toObject(), out);
    return true;
}

void SlurmApiV0038::readPing(const QJsonObject &p, const QJsonObject &meta, SlurmPing *out) const
{
    out->hostname = p.value(QStringLiteral("hostname")).toString();
    out->state = p.value(QStringLiteral("ping")).toString();
    out->mode = p.value(QStringLiteral("mode")).toString();
    out->slurmRelease = meta.value(QStringLiteral("Slurm")).toObject().value(QStringLiteral("release")).toString();
    out->pluginType = meta.value(QStringLiteral("plugin")).toObject().value(QStringLiteral("type")).toString();
}

bool SlurmApiV0038::parseNodes(const QJsonObject &root, QList<SlurmNode> *out, QString *error) const
{
    QJsonArray nodes;
    if (!requireArray(root, QStringLiteral("nodes"), &nodes, error))
        return false;
    out->clear();
    for (int i = 0; i < nodes.size(); ++i) {
        const QJsonObject n = nodes.at(i).toObject();
        SlurmNode node;
        node.name = n.value(QStringLiteral("name")).toString();
        if (node.name.isEmpty()) {
            *error = QStringLiteral("nodes[%1] has no name").arg(i);
            return false;
        }
        readNode(n, &node);
        out->append(node);
    }
    return true;
}

void SlurmApiV0038::readNode(const QJsonObject &n, SlurmNode *node) const
{
    node->state = n.value(QStringLiteral("state")).toString();
    node->stateFlags = stringList(n.value(QStringLiteral("state_flags")));
    node->reason = n.value(QStringLiteral("reason")).toString();
    node->cpus = int(number(n, QStringLiteral("cpus"), 0));
    node->allocatedCpus = int(number(n, QStringLiteral("alloc_cpus"), 0));
    node->idleCpus = int(number(n, QStringLiteral("idle_cpus"), node->cpus - node->allocatedCpus));
    node->realMemoryMb = number(n, QStringLiteral("real_memory"), 0);
    node->freeMemoryMb = number(n, QStringLiteral("free_memory"), -1);
    node->allocatedMemoryMb = number(n, QStringLiteral("alloc_memory"), 0);
    node->gres = n.value(QStringLiteral("gres")).toString();
    node->gresUsed = n.value(QStringLiteral("gres_used")).toString();
    node->partitions = stringList(n.value(QStringLiteral("partitions")));
}

bool SlurmApiV0038::parsePartitions(const QJsonObject &root, QList<SlurmPartition> *out, QString *error) const
{
    QJsonArray partitions;
    if (!requireArray(root, QStringLiteral("partitions"), &partitions, error))
        return false;
    out->clear();
    for (int i = 0; i < partitions.size(); ++i) {
        const QJsonObject p = partitions.at(i).toObject();
        SlurmPartition partition;
        partition.name = p.value(QStringLiteral("name")).toString();
        if (partition.name.isEmpty()) {
            *error = QStringLiteral("partitions[%1] has no name").arg(i);
            return false;
        }
        readPartition(p, &partition);
        out->append(partition);
    }
    return true;
}

void SlurmApiV0038::readPartition(const QJsonObject &p, SlurmPartition *partition) const
{
    partition->state = p.value(QStringLiteral("state")).toString();
    partition->nodes = p.value(QStringLiteral("nodes")).toString();
    partition->totalNodes = int(number(p, QStringLiteral("total_nodes"), 0));
    partition->totalCpus = int(number(p, QStringLiteral("total_cpus"), 0));
    partition->isDefault = stringList(p.value(QStringLiteral("flags"))).contains(QStringLiteral("default"));
    // -1 (or null) is unlimited / unset.
    partition->maxTimeMinutes = int(std::max<qint64>(-1, number(p, QStringLiteral("max_time_limit"), -1)));
    partition->defaultTimeMinutes = int(std::max<qint64>(-1, number(p, QStringLiteral("default_time_limit"), -1)));
    partition->maxNodesPerJob = int(std::max<qint64>(-1, number(p, QStringLiteral("maximum_nodes_per_job"), -1)));
}

bool SlurmApiV0038::parseSubmit(const QJsonObject &root, qint64 *jobId, QString *error) const
{
    const qint64 id = number(root, QStringLiteral("job_id"), 0);
    if (id <= 0) {
        *error = QStringLiteral("the submit answer has no job_id");
        return false;
    }
    *jobId = id;
    return true;
}

bool SlurmApiV0038::parseJob(const QJsonObject &j, SlurmJob *out, QString *error) const
{
    out->id = number(j, QStringLiteral("job_id"), 0);
    out->state = jobStateOf(j);
    if (out->id <= 0 || out->state.isEmpty()) {
        *error = QStringLiteral("a job without job_id or job_state");
        return false;
    }
    out->name = j.value(QStringLiteral("name")).toString();
    out->comment = j.value(QStringLiteral("comment")).toString();
    out->stateReason = j.value(QStringLiteral("state_reason")).toString();
    out->partition = j.value(QStringLiteral("partition")).toString();
    out->nodes = j.value(QStringLiteral("nodes")).toString();
    out->user = j.value(QStringLiteral("user_name")).toString();
    out->workingDirectory = j.value(QStringLiteral("current_working_directory")).toString();
    out->standardOutput = j.value(QStringLiteral("standard_output")).toString();
    const qint64 limit = number(j, QStringLiteral("time_limit"), -1);
    out->timeLimitMinutes = limit >= 0 && limit < 0xFFFFFFFE ? int(limit) : -1; // INFINITE / NO_VAL: none
    out->submitTime = time(j, QStringLiteral("submit_time"));
    out->startTime = time(j, QStringLiteral("start_time"));
    out->endTime = time(j, QStringLiteral("end_time"));
    out->rawExitCode = rawExitCodeOf(j);
    return true;
}

QString SlurmApiV0038::jobStateOf(const QJsonObject &job) const
{
    return job.value(QStringLiteral("job_state")).toString();
}

int SlurmApiV0038::rawExitCodeOf(const QJsonObject &job) const
{
    return int(number(job, QStringLiteral("exit_code"), 0));
}

bool SlurmApiV0038::parseJobs(const QJsonObject &root, QList<SlurmJob> *out, QString *error) const
{
    QJsonArray jobs;
    if (!requireArray(root, QStringLiteral("jobs"), &jobs, error))
        return false;
    out->clear();
    for (int i = 0; i < jobs.size(); ++i) {
        SlurmJob job;
        QString why;
        if (!parseJob(jobs.at(i).toObject(), &job, &why)) {
            *error = QStringLiteral("jobs[%1]: %2").arg(i).arg(why);
            return false;
        }
        out->append(job);
    }
    return true;
}

} // namespace mldesk::core
