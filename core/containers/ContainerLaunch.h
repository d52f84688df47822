// ContainerLaunch: turns a local run's job (program, arguments, environment) into `podman|docker run` of the
// environment's image, which mldesk-supervisor then runs as the job - so logs, the exit record, cancel and re-attach
// stay those of every local run. The run folder is bind-mounted at its own path (snapshot, outputs, logs, metrics
// file), dataset inputs and the blob store read-only, the run context on PYTHONPATH, the user's uid:gid, no network
// unless the environment asks, the run's GPUs passed through. container.json in the run folder names the container.
#pragma once

#include <QProcessEnvironment>
#include <QString>
#include <QStringList>

#include <functional>

namespace mldesk::core {

struct EnvironmentVersion;
class ContainerEngine;

class ContainerLaunch final {
public:
    struct Job {
        QString runDir;
        QString runUid;
        QString blobsDir; // read-only: dataset inputs mounted as links point into it
        QString device;   // "cpu", "gpu:0"
        QString image;
        QString program;                 // inside the container (python3, /opt/mldesk-env/bin/python)
        QStringList arguments;           // with the run folder's own paths
        QProcessEnvironment environment; // the host job environment; MLDesk's and the environment's names pass in
        QStringList passNames;           // further variable names to pass (the environment version's own)
    };
    struct Wrapped {
        QString program;               // the engine
        QStringList arguments;         // global arguments + run ...
        QStringList supervisorOptions; // --container NAME --engine PROGRAM: cancel stops the container
        QString containerName;
        QString gpuNote;
    };

    static Wrapped wrap(const ContainerEngine &engine, const EnvironmentVersion &environment, const Job &job);
    static QString containerName(const QString &runUid); // mldesk-<run uid>
    // The container record a run folder holds (empty when the run is not a container run).
    static QString containerOf(const QString &runDir);
};

} // namespace mldesk::core
