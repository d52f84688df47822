// RunSubmitter: turns a RunRequest into a Queued run - validation that names every problem, dataset versions
// pinned, the experiment created on first use, the source snapshot, and the run folder laid out
// (snapshot/, logs/std_log.txt, outputs/, metrics.jsonl, run.json).
#pragma once

#include "core/runs/RunTypes.h"

namespace mldesk::core {

class Workspace;

class RunSubmitter final {
public:
    explicit RunSubmitter(Workspace &workspace) : m_workspace(workspace) {}

    // Each problem as one sentence saying what is wrong; empty when the request can be submitted.
    QStringList validate(const RunRequest &request) const;
    // Validates (WorkspaceError listing the problems), snapshots and records the run. Returns it (Queued).
    RunRecord submit(const RunRequest &request, qint64 snapshotLimitBytes);

    static QString newRunId(const QString &experiment);

private:
    Workspace &m_workspace;
};

} // namespace mldesk::core
