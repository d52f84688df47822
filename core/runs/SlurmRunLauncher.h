// SlurmRunLauncher: takes a Slurm run that an MLDesk process has claimed (Preparing) to the point where it can be
// submitted - copies its dataset inputs into the run folder (the nodes cannot see this machine's blob store), writes
// the Python run context there, prepares its environment, and describes the job with paths as the nodes see them.
// Blocking: SlurmBackend calls it on a worker thread with that thread's own Database connection, then submits on its
// own thread through SlurmRunBackend.
#pragma once

#include "core/compute/ComputeTargetRegistry.h"
#include "core/runs/RunTypes.h"
#include "core/slurm/SlurmRunBackend.h"

#include <atomic>
#include <optional>

namespace mldesk::core {

class BlobStore;
class Database;

class SlurmRunLauncher final {
public:
    struct Options {
        QString trainerPath;    // empty: LocalProcess::findTrainer()
        QString supervisorPath; // empty: LocalProcess::findSupervisor()
        // Set (from any thread) to stop a preparation: a conda build in progress is killed, prepare() throws.
        const std::atomic_bool *cancel = nullptr;
    };
    // Moves the run Preparing -> Starting and returns what to submit; nullopt when it was canceled meanwhile (then
    // it is Canceled) or another process moved it. Throws (WorkspaceError with what to do) when it cannot start.
    static std::optional<SlurmRunLaunch> prepare(Database &db, BlobStore &blobs, const QString &workspacePath,
                                                 const RunRecord &run, const ComputeTarget &target,
                                                 const Options &options);
};

} // namespace mldesk::core
