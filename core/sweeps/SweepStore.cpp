// SweepStore: parent runs, definitions and controller leases; see the header.
#include "core/sweeps/SweepStore.h"

#include "core/compute/ComputeTargetRegistry.h"
#include "core/experiments/ExperimentStore.h"
#include "core/runs/RunSubmitter.h"
#include "core/store/Database.h"
#include "core/sweeps/OptunaSampler.h"
#include "core/workspace/Workspace.h"
#include "core/workspace/WorkspaceError.h"

#include <QDateTime>
#include <QDir>
#include <QFile>

using namespace Qt::StringLiterals;

namespace mldesk::core {

SweepStore::SweepStore(Workspace &workspace) : m_workspace(workspace), m_runs(workspace.database()) {}

QStringList SweepStore::validate(const SweepSpec &spec) const
{
    const QJsonObject first =
        spec.sampling == SweepSpec::Sampling::Grid ? spec.space.gridPoint(0) : spec.space.randomPoint(spec.seed, 0);
    QStringList problems;
    for (const QString &problem : RunSubmitter(m_workspace).validate(spec.requestFor(first)))
        problems.append(u"trial: "_s + problem);
    if (spec.sampling == SweepSpec::Sampling::Bayesian)
        if (const QString missing = OptunaSampler::unavailableReason(); !missing.isEmpty())
            problems.append(missing);
    return problems;
}

RunRecord SweepStore::create(const SweepSpec &spec, const QString &yamlText)
{
    const QStringList problems = validate(spec);
    if (!problems.isEmpty())
        throw WorkspaceError(u"cannot submit the sweep: "_s + problems.join(u"; "_s));
    Database &db = m_workspace.database();
    ExperimentStore experiments(db);
    std::optional<Experiment> experiment = experiments.find(spec.trial.experiment);
    if (!experiment) {
        try {
            experiment = experiments.create(spec.trial.experiment);
        } catch (const WorkspaceError &) { // created by another process meanwhile
            experiment = experiments.find(spec.trial.experiment);
            if (!experiment)
                throw;
        }
    }
    const QString uid = u"sweep_"_s + RunSubmitter::newRunId(spec.trial.experiment);
    const QString runDir = m_workspace.runsPath() + u'/' + uid;
    if (!QDir().mkpath(runDir + u"/logs"_s))
        throw WorkspaceError(u"cannot create the sweep's folder '%1'; check permissions"_s.arg(runDir));
    QFile yaml(runDir + u"/sweep.yml"_s);
    if (!yaml.open(QIODevice::WriteOnly) || yaml.write(yamlText.toUtf8()) < 0)
        throw WorkspaceError(u"cannot write %1; check permissions"_s.arg(yaml.fileName()));
    yaml.close();

    RunStore::NewRun row;
    row.uid = uid;
    row.kind = u"sweep"_s;
    row.experimentId = experiment->id;
    row.displayName = spec.displayName.isEmpty() ? uid : spec.displayName;
    row.configuration = QJsonObject{{u"run_id"_s, uid},
                                    {u"kind"_s, u"sweep"_s},
                                    {u"experiment"_s, spec.trial.experiment},
                                    {u"sweep"_s, spec.toJson()}};
    row.computeTargetId = ComputeTargetRegistry(db).get(spec.trial.compute).id;
    row.runDir = runDir;
    row.priority = spec.trial.priority; // its trials take the parent's priority (run set-priority may change it)
    const qint64 id = m_runs.insert(row);
    m_runs.transition(id, {RunState::Queued}, RunState::Running, u"sweep controller started"_s,
                      {{u"started_at"_s, QVariant(QDateTime::currentMSecsSinceEpoch())}});
    const RunRecord parent = *m_runs.findById(id);
    appendLog(parent,
              u"sweep %1: %2 sampling, %3 trials at most, %4 at a time, %5 %6"_s
                  .arg(uid, SweepSpec::samplingName(spec.sampling))
                  .arg(spec.maxTotalTrials)
                  .arg(spec.maxConcurrentTrials)
                  .arg(spec.goal == SweepSpec::Goal::Maximize ? u"maximize"_s : u"minimize"_s, spec.primaryMetric));
    return parent;
}

QList<RunRecord> SweepStore::activeSweeps() const
{
    return m_runs.activeSweeps();
}

RunRecord SweepStore::get(const QString &uid) const
{
    const RunRecord r = m_runs.get(uid);
    if (!r.isSweep())
        throw WorkspaceError(u"run '%1' is not a sweep%2; 'mldesk-cli run list' shows sweeps as kind 'sweep'"_s.arg(
            uid, r.parentUid.isEmpty() ? QString() : u" (it is a trial of sweep %1)"_s.arg(r.parentUid)));
    return r;
}

SweepSpec SweepStore::specOf(const RunRecord &parent)
{
    return SweepSpec::fromJson(parent.configuration.value(u"sweep"_s).toObject());
}

bool SweepStore::takeLease(qint64 id, const QString &controller, qint64 untilMs)
{
    Database &db = m_workspace.database();
    bool held = false;
    db.writeTransaction([&] {
        QSqlQuery q = db.exec(u"SELECT controller, lease_until FROM sweep_leases WHERE run_id = ?"_s, {id});
        if (!q.next()) {
            db.exec(u"INSERT INTO sweep_leases (run_id, controller, lease_until) VALUES (?, ?, ?)"_s,
                    {id, controller, untilMs});
            held = true;
        } else if (q.value(0).toString() == controller ||
                   q.value(1).toLongLong() < QDateTime::currentMSecsSinceEpoch()) {
            db.exec(u"UPDATE sweep_leases SET controller = ?, lease_until = ? WHERE run_id = ?"_s,
                    {controller, untilMs, id});
            held = true;
        }
    });
    return held;
}

void SweepStore::releaseLease(qint64 id, const QString &controller)
{
    m_workspace.database().exec(u"UPDATE sweep_leases SET lease_until = 0 WHERE run_id = ? AND controller = ?"_s,
                                {id, controller});
}

void SweepStore::requestCancel(const RunRecord &parent)
{
    if (!parent.isActive())
        throw WorkspaceError(
            u"sweep '%1' has already ended (%2); nothing to cancel"_s.arg(parent.uid, runStateName(parent.state)));
    m_runs.setColumns(parent.id, {{u"cancel_requested"_s, QVariant(1)}});
    appendLog(parent, u"cancel requested"_s);
}

void SweepStore::appendLog(const RunRecord &parent, const QString &line)
{
    QFile log(parent.runDir + u"/logs/std_log.txt"_s);
    if (log.open(QIODevice::WriteOnly | QIODevice::Append))
        log.write((QDateTime::currentDateTimeUtc().toString(Qt::ISODate) + u' ' + line + u'\n').toUtf8());
}

} // namespace mldesk::core
