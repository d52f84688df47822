// SweepStore: a sweep's parent run in the store - recording it (validated first: nothing is recorded when the
// definition or the trial it describes has a problem), finding sweeps, their definition, cancel requests, and the
// lease that lets exactly one MLDesk process drive a sweep at a time (another takes over when it runs out).
#pragma once

#include "core/runs/RunStore.h"
#include "core/sweeps/SweepSpec.h"

namespace mldesk::core {

class Workspace;

class SweepStore final {
public:
    explicit SweepStore(Workspace &workspace);

    // Each problem as one sentence; empty when the sweep can be submitted. Checks the trial as `run submit` would,
    // with the values of the first trial in place of the placeholders, and that Optuna is installed for bayesian.
    QStringList validate(const SweepSpec &spec) const;
    // Validates (WorkspaceError listing the problems) and records the parent run, Running, with the definition in
    // its configuration and a run folder holding sweep.yml and the sweep's own log (logs/std_log.txt).
    RunRecord create(const SweepSpec &spec, const QString &yamlText);

    QList<RunRecord> activeSweeps() const; // parents not yet ended, oldest first
    // Throws WorkspaceError for an unknown run or one that is not a sweep.
    RunRecord get(const QString &uid) const;
    static SweepSpec specOf(const RunRecord &parent);

    // Takes or renews the lease of sweep `id` for controller until untilMs; false while another controller holds
    // an unexpired one.
    bool takeLease(qint64 id, const QString &controller, qint64 untilMs);
    void releaseLease(qint64 id, const QString &controller);
    // Marks the sweep for cancel (its controller cancels the children and ends it Canceled).
    void requestCancel(const RunRecord &parent);
    // Appends a line to the sweep's log (what the controller decided: trials submitted, stopped, ended).
    static void appendLog(const RunRecord &parent, const QString &line);

    RunStore &runs() { return m_runs; }

private:
    Workspace &m_workspace;
    RunStore m_runs;
};

} // namespace mldesk::core
