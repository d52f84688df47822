// ScriptChildRuns: the child runs a script makes through its run context (run.child_run(), create_children() in
// resources/python/mldesk) - followed from the files the script writes in its run folder, so local, container and
// Slurm runs work alike: children.jsonl is the event log ({"event": "start"|"end", "index": N, "name", "status",
// "error", "time"}) and children/<N>/metrics.jsonl a child's metrics. Each child is a run of kind "script" with
// parent_run_id, trial_index N and uid "<parent uid>_<N>", Running until the script ends it (or its parent ends).
// Stateless between calls: every step is a guarded insert or transition in the store, so any MLDesk process that
// follows the parent may call it, and again after a restart.
#pragma once

#include "core/runs/RunTypes.h"

#include <QList>

namespace mldesk::core {

class Workspace;

class ScriptChildRuns final {
public:
    ScriptChildRuns(Workspace &workspace, RunRecord parent);

    static QString kind() { return QStringLiteral("script"); }
    static QString eventsFileName() { return QStringLiteral("children.jsonl"); }

    // One pass while the parent runs: new children appear Running, their metrics are stored, the ones the script
    // ended end as it said. Returns the children whose state changed (to emit). Never throws: a problem is written
    // to the parent's logs/mldesk_system.txt and the pass goes on next time.
    QList<RunRecord> follow();
    // The parent ended `parentEnd` (its finalize): a last pass, then every child the script left open ends with the
    // parent's outcome, saying so in its note. Returns the children whose state changed. Never throws.
    QList<RunRecord> finish(RunState parentEnd, const QString &parentReason);

private:
    struct Event {
        QString name;
        double startedAt = 0;
        bool ended = false;
        RunState end = RunState::Completed;
        QString error;
        double endedAt = 0;
    };
    QMap<int, Event> readEvents() const;
    RunRecord ensureChild(int index, const Event &event);
    void ingest(const RunRecord &child, bool final);
    bool endChild(const RunRecord &child, RunState state, const QString &reason, const QString &note, qint64 atMs);
    QList<RunRecord> pass();

    Workspace &m_workspace;
    RunRecord m_parent;
};

} // namespace mldesk::core
