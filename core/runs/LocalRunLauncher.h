// LocalRunLauncher: takes a local run that holds a slot (Preparing) to Running - materialises its dataset inputs
// under inputs/, prepares its environment, writes the Python run context into the run folder, and starts the job
// detached through mldesk-supervisor with MLDESK_* and CUDA_VISIBLE_DEVICES set. Blocking (a conda environment may
// take minutes): RunService calls it on a worker thread with that thread's own Database connection.
#pragma once

#include "core/runs/RunTypes.h"

#include <QJsonObject>

#include <atomic>
#include <functional>

namespace mldesk::core {

class BlobStore;
class Database;
struct EnvironmentVersion;
struct PreparedEnvironment;

class LocalRunLauncher final {
public:
    struct Options {
        QString trainerPath;    // empty: LocalProcess::findTrainer()
        QString supervisorPath; // empty: LocalProcess::findSupervisor()
        // Set (from any thread) to stop a preparation: a conda build in progress is killed, start() throws.
        const std::atomic_bool *cancel = nullptr;
        // A CPU run's share of the cores (RunScheduler::cpuThreadsPerRun): OMP_NUM_THREADS, OPENBLAS_NUM_THREADS,
        // MKL_NUM_THREADS, NUMEXPR_NUM_THREADS and MLDESK_THREADS (unless the environment sets them) and the built-in
        // trainer's --threads (unless the arguments give it). 0: none of these is set.
        int cpuThreads = 0;
    };
    // The variables a CPU run's thread share goes in.
    static QStringList threadVariables();
    // Throws (WorkspaceError with what to do) when the run cannot start; the caller marks it Failed.
    static void start(Database &db, BlobStore &blobs, const QString &workspacePath, const RunRecord &run,
                      const Options &options);

    // Where a dataset input ({"name","version","mode"}) of the run lives: inputs/<name>_v<version>[_download].
    static QString inputFolder(const QString &runDir, const QJsonObject &dataset);
    // The run's arguments with each dataset reference replaced by its input folder, as visiblePath maps it.
    static QStringList resolvedArguments(const RunRecord &run,
                                         const std::function<QString(const QString &)> &visiblePath);
    // Writes the Python run-context module (mldesk) and the azureml.core shim into folder.
    static void writeRunContextModule(const QString &folder);
    // Whether the job's PYTHONPATH gets the azureml.core shim: the environment asks for it, or a script of the
    // snapshot imports azureml (unless MLDESK_AZUREML_COMPAT=0).
    static bool wantsAzureMlShim(const EnvironmentVersion &environment, const PreparedEnvironment &prepared,
                                 const QString &snapshotDir = {});
};

} // namespace mldesk::core
