// SweepController: one pass over the active sweeps; see the header.
#include "core/sweeps/SweepController.h"

#include "core/runs/RunFiles.h"
#include "core/runs/RunService.h"
#include "core/runs/RunSubmitter.h"
#include "core/sweeps/EarlyTermination.h"
#include "core/sweeps/OptunaSampler.h"
#include "core/sweeps/SweepStore.h"
#include "core/workspace/Workspace.h"
#include "core/workspace/WorkspaceError.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QElapsedTimer>
#include <QRandomGenerator>
#include <QSysInfo>

#include <cmath>

using namespace Qt::StringLiterals;

namespace mldesk::core {

namespace {

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

QString describe(const QJsonObject &values)
{
    QStringList parts;
    for (auto it = values.begin(); it != values.end(); ++it)
        parts.append(it.key() + u'=' + formatParameterValue(it.value()));
    return parts.join(u' ');
}

} // namespace

SweepController::SweepController(Workspace &workspace, SweepControllerOptions options)
    : m_workspace(workspace), m_options(std::move(options)), m_sweeps(std::make_unique<SweepStore>(workspace))
{
    m_id = m_options.controllerId.isEmpty() ? u"%1:%2:%3"_s.arg(QSysInfo::machineHostName())
                                                  .arg(QCoreApplication::applicationPid())
                                                  .arg(QRandomGenerator::global()->generate(), 8, 16, QChar(u'0'))
                                            : m_options.controllerId;
    RunServiceOptions passive;
    passive.schedule = false;
    m_runs = std::make_unique<RunService>(workspace, passive);
    if (m_options.snapshotLimitBytes <= 0)
        m_options.snapshotLimitBytes = RunFiles::kDefaultSnapshotLimitBytes;
}

SweepController::~SweepController() = default;

std::optional<double> SweepController::primaryValue(const SweepSpec &spec, const QList<double> &series)
{
    std::optional<double> best;
    for (double v : series)
        if (!std::isnan(v) && (!best || spec.better(v, *best)))
            best = v;
    return best;
}

int SweepController::step()
{
    int active = 0;
    m_submitNs = 0;
    for (const RunRecord &parent : m_sweeps->activeSweeps()) {
        ++active;
        if (!m_sweeps->takeLease(parent.id, m_id, nowMs() + m_options.leaseMs)) {
            m_held.remove(parent.id);
            m_bayes.remove(parent.id); // another controller drives it; start afresh if it comes back
            continue;
        }
        m_held.insert(parent.id);
        try {
            stepSweep(parent);
        } catch (const std::exception &e) {
            const QString reason = u"the sweep controller failed: "_s + QString::fromUtf8(e.what());
            endSweep(parent, RunState::Failed, reason, loadChildren(SweepStore::specOf(parent), parent));
        }
    }
    return active;
}

void SweepController::releaseLeases()
{
    for (qint64 id : std::as_const(m_held))
        m_sweeps->releaseLease(id, m_id);
    m_held.clear();
}

QList<SweepController::Child> SweepController::loadChildren(const SweepSpec &spec, const RunRecord &parent)
{
    QList<Child> children;
    RunStore &store = m_sweeps->runs();
    for (const RunRecord &run : store.children(parent.id)) {
        Child c{run, {}};
        if (auto it = m_finalSeries.constFind(run.id); it != m_finalSeries.cend()) {
            c.series = *it;
        } else {
            for (const MetricPoint &p : store.metrics(run.id, spec.primaryMetric))
                c.series.append(p.value);
            if (isTerminal(run.state))
                m_finalSeries.insert(run.id, c.series);
        }
        children.append(c);
    }
    return children;
}

void SweepController::stopChild(const RunRecord &parent, const RunRecord &child, const QString &note)
{
    RunStore &store = m_sweeps->runs();
    store.setTag(child.id, stoppedTag(), note); // first, so a restart finds the reason
    SweepStore::appendLog(parent, u"trial %1 (%2): %3"_s.arg(child.trialIndex.value_or(-1)).arg(child.uid, note));
    try {
        m_runs->cancel(child.uid);
    } catch (const WorkspaceError &) { // it ended meanwhile
    }
}

void SweepController::endSweep(const RunRecord &parent, RunState state, const QString &reason,
                               const QList<Child> &children)
{
    bool anyActive = false;
    for (const Child &c : children) {
        if (!c.run.isActive())
            continue;
        anyActive = true;
        if (!c.run.cancelRequested)
            stopChild(parent, c.run, u"canceled with its sweep: "_s + reason);
    }
    if (anyActive)
        return; // ends on a later pass, once its children have
    RunStore &store = m_sweeps->runs();
    if (store.transition(parent.id, {RunState::Running, RunState::Queued}, state, reason,
                         {{u"ended_at"_s, QVariant(nowMs())},
                          {u"failure_reason"_s, state == RunState::Completed ? QVariant() : QVariant(reason)},
                          {u"backend_note"_s, reason}}))
        SweepStore::appendLog(parent, u"sweep ended %1: %2"_s.arg(runStateName(state), reason));
    m_sweeps->releaseLease(parent.id, m_id);
    m_held.remove(parent.id);
    m_bayes.remove(parent.id);
}

void SweepController::stepSweep(const RunRecord &parent)
{
    const SweepSpec spec = SweepStore::specOf(parent);
    QList<Child> children = loadChildren(spec, parent);
    RunStore &store = m_sweeps->runs();
    const qint64 now = nowMs();

    // Ended children: the note of a stopped one (its watcher cleared the note when it finalized), the outcome line.
    int completed = 0, active = 0;
    QList<TrialSeries> all;
    for (Child &c : children) {
        all.append({c.run.trialIndex.value_or(0), c.series});
        if (c.run.isActive()) {
            ++active;
            continue;
        }
        completed += c.run.state == RunState::Completed;
        if (c.run.state == RunState::Canceled && c.run.note.isEmpty()) { // list reads carry no tags: load them
            const QString stopped = store.findById(c.run.id).value_or(c.run).tags.value(stoppedTag());
            if (!stopped.isEmpty())
                store.setColumns(c.run.id, {{u"backend_note"_s, stopped}});
        }
        if (m_evaluated.value(c.run.id) != -1) {
            m_evaluated.insert(c.run.id, -1);
            const auto value = primaryValue(spec, c.series);
            SweepStore::appendLog(parent, u"trial %1 (%2) ended %3; %4 = %5"_s.arg(c.run.trialIndex.value_or(-1))
                                              .arg(c.run.uid, runStateName(c.run.state), spec.primaryMetric,
                                                   value ? QString::number(*value, 'g', 6) : u"none"_s));
        }
        // A child that completed without the primary metric: the objective names a metric the script never logs.
        if (c.run.state == RunState::Completed && c.series.isEmpty()) {
            QStringList logged = store.metricNames(c.run.id);
            endSweep(parent, RunState::Failed,
                     u"trial %1 (%2) completed without logging the primary metric '%3' (it logged: %4); fix "
                     u"objective.primary_metric or make the script log it"_s.arg(c.run.trialIndex.value_or(-1))
                         .arg(c.run.uid, spec.primaryMetric, logged.isEmpty() ? u"nothing"_s : logged.join(u", "_s)),
                     children);
            return;
        }
    }

    if (parent.cancelRequested) {
        endSweep(parent, RunState::Canceled, u"canceled by the user"_s, children);
        return;
    }
    if (spec.timeoutSeconds > 0 && parent.started.isValid() &&
        now - parent.started.toMSecsSinceEpoch() > spec.timeoutSeconds * 1000) {
        endSweep(parent, RunState::Canceled, u"the sweep reached its timeout of %1 s"_s.arg(spec.timeoutSeconds),
                 children);
        return;
    }

    // Running children: trial timeout, then the early termination policy at each new evaluation interval.
    for (const Child &c : std::as_const(children)) {
        if (c.run.state != RunState::Running || c.run.cancelRequested)
            continue;
        if (spec.trialTimeoutSeconds > 0 && c.run.started.isValid() &&
            now - c.run.started.toMSecsSinceEpoch() > spec.trialTimeoutSeconds * 1000) {
            stopChild(parent, c.run,
                      u"stopped: the trial reached its trial_timeout of %1 s"_s.arg(spec.trialTimeoutSeconds));
            continue;
        }
        const int seen = m_evaluated.value(c.run.id, 0);
        for (int k = seen + 1; k <= c.series.size(); ++k) {
            m_evaluated.insert(c.run.id, k);
            if (auto note = EarlyTermination::evaluate(spec, {c.run.trialIndex.value_or(0), c.series}, k, all)) {
                stopChild(parent, c.run, *note);
                break;
            }
        }
    }

    // New trials, while the limits allow.
    if (spec.sampling == SweepSpec::Sampling::Bayesian)
        feedBayesian(parent, spec, children);
    int next = int(children.size());
    while (active < spec.maxConcurrentTrials && next < spec.maxTotalTrials) {
        const std::optional<QJsonObject> values = nextValues(parent, spec, next, children);
        if (!values)
            break;
        RunRequest request = spec.requestFor(*values);
        request.parentRunId = parent.id;
        request.trialIndex = next;
        request.hyperparameters = *values;
        request.priority = parent.priority; // the sweep's, as it is now (run set-priority may have changed it)
        request.displayName = u"%1 trial %2"_s.arg(parent.displayName).arg(next);
        RunRecord child;
        QElapsedTimer submitting;
        submitting.start();
        try {
            child = RunSubmitter(m_workspace).submit(request, m_options.snapshotLimitBytes);
            m_submitNs += submitting.nsecsElapsed();
        } catch (const WorkspaceError &e) {
            endSweep(parent, RunState::Failed, u"trial %1 could not be submitted: %2"_s.arg(next).arg(e.message()),
                     loadChildren(spec, parent));
            return;
        }
        SweepStore::appendLog(parent, u"trial %1 (%2) submitted: %3"_s.arg(next).arg(child.uid, describe(*values)));
        children.append({child, {}});
        ++active;
        ++next;
    }

    if (active == 0 && next >= spec.maxTotalTrials) {
        if (completed > 0)
            endSweep(parent, RunState::Completed, u"%1 of %2 trials completed"_s.arg(completed).arg(children.size()),
                     children);
        else
            endSweep(parent, RunState::Failed, u"no trial completed (%1 trials)"_s.arg(children.size()), children);
    }
}

std::optional<QJsonObject> SweepController::nextValues(const RunRecord &parent, const SweepSpec &spec, int trial,
                                                       const QList<Child> &)
{
    switch (spec.sampling) {
    case SweepSpec::Sampling::Grid:
        return trial < spec.space.gridSize() ? std::optional(spec.space.gridPoint(trial)) : std::nullopt;
    case SweepSpec::Sampling::Random:
        return spec.space.randomPoint(spec.seed, trial);
    case SweepSpec::Sampling::Bayesian: {
        auto &bayes = m_bayes[parent.id];
        const OptunaSampler::Asked asked = bayes->sampler->ask();
        bayes->numberOfTrial.insert(trial, asked.number);
        return asked.values;
    }
    }
    return std::nullopt;
}

void SweepController::feedBayesian(const RunRecord &parent, const SweepSpec &spec, const QList<Child> &children)
{
    std::shared_ptr<Bayes> &bayes = m_bayes[parent.id];
    if (!bayes) {
        if (const QString missing = OptunaSampler::unavailableReason(); !missing.isEmpty())
            throw std::runtime_error(missing.toStdString());
        bayes = std::make_shared<Bayes>();
        bayes->sampler = std::make_unique<OptunaSampler>(spec);
    }
    for (const Child &c : children) {
        const int trial = c.run.trialIndex.value_or(-1);
        if (c.run.isActive() || bayes->told.contains(trial))
            continue;
        bayes->told.insert(trial);
        const std::optional<double> value = primaryValue(spec, c.series);
        if (auto it = bayes->numberOfTrial.constFind(trial); it != bayes->numberOfTrial.cend())
            bayes->sampler->tell(*it, value);
        else if (value) // asked before a restart: tell the new helper what came of it
            bayes->sampler->add(c.run.hyperparameters, *value);
    }
}

} // namespace mldesk::core
