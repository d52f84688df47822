// LocalRunLauncher: takes a local run that holds a slot (Preparing) to Running - materialises its dataset inputs
// under inputs/, prepares its environment, writes the Python run context into the run folder, and starts the job
// detached through mldesk-supervisor with MLDESK_* and CUDA_VISIBLE_DEVICES set. Blocking (a conda environment may
// take minutes): RunService calls it on a worker thread with that thread's own Database connection.
#pragma once

#include "core/runs/RunTypes.h"

#include <QJsonObject>

namespace mldesk::core {

class BlobStore;
class Database;

class LocalRunLauncher final {
public:
    struct Options {
        QString trainerPath;    // empty: LocalProcess::findTrainer()
        QString supervisorPath; // empty: LocalProcess::findSupervisor()
    };
    // Throws (WorkspaceError with what to do) when the run cannot start; the caller marks it Failed.
    static void start(Database &db, BlobStore &blobs, const QString &workspacePath, const RunRecord &run,
                      const Options &options);

    // Where a dataset input ({"name","version","mode"}) of the run lives: inputs/<name>_v<version>[_download].
    static QString inputFolder(const QString &runDir, const QJsonObject &dataset);
};

} // namespace mldesk::core
