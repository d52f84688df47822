// SlurmRunState: what a Slurm job's state means for its MLDesk run - PENDING/CONFIGURING -> Queued/Preparing (with
// Slurm's reason), RUNNING -> Running, COMPLETING -> Finalizing, COMPLETED -> Completed, FAILED/TIMEOUT/
// OUT_OF_MEMORY/NODE_FAIL/... -> Failed with that reason, CANCELLED (or any end after a cancel) -> Canceled - and the
// end of a job Slurm has already purged (after MinJobAge), decided from the exit record the job left itself.
#pragma once

#include "core/runs/RunTypes.h"
#include "core/slurm/SlurmTypes.h"

#include <optional>

namespace mldesk::core {

struct SlurmRunOutcome {
    RunState state = RunState::Queued;
    QString detail;        // for the run's history / status line: "waiting for resources (Resources)"
    QString failureReason; // terminal Failed/Canceled only
    std::optional<int> exitCode;
    std::optional<int> exitSignal;
    QDateTime started, ended; // Slurm's start and end of the job (UTC); invalid when not known (yet)
    bool terminal() const { return isTerminal(state); }
};

// What mldesk-supervisor wrote to exit.json (the fields this mapping needs).
struct SlurmExitRecord {
    std::optional<int> exitCode;
    std::optional<int> signal;
    QString signalName;
    bool terminateRequested = false;
    // Reads <runDir>/exit.json; nullopt when it is missing or unreadable.
    static std::optional<SlurmExitRecord> read(const QString &runDir);
};

class SlurmRunState final {
public:
    // The run state for a job Slurm still reports. exit: the run's exit.json when present (more exact than Slurm's
    // wait status: it is the job's own, not the supervisor's); cancelRequested: the user asked to cancel.
    static SlurmRunOutcome fromJob(const SlurmJob &job, const std::optional<SlurmExitRecord> &exit,
                                   bool cancelRequested);
    // The end of a job Slurm no longer knows (purged after MinJobAge, or lost with the controller's state).
    static SlurmRunOutcome fromVanished(qint64 jobId, const std::optional<SlurmExitRecord> &exit, bool cancelRequested);
};

} // namespace mldesk::core
