// ContainerCommand: the command lines MLDesk gives the container engine, built as plain data so they are tested
// without one - `run` for a job (mounts, read-only datasets, user, network, GPUs, limits), and the Containerfile of
// an environment's derived image (its Dockerfile and/or the conda environment inside it, one per content hash).
#pragma once

#include "core/containers/ContainerEngine.h"

#include <QList>
#include <QMap>
#include <QString>
#include <QStringList>

namespace mldesk::core {

struct EnvironmentVersion;

struct ContainerMount {
    QString host;
    QString container;
    bool readOnly = false;
};

struct ContainerRunSpec {
    QString name; // --name; also what cancel stops
    QString image;
    QString workdir;
    QStringList command; // program and arguments inside the container
    QList<ContainerMount> mounts;
    QMap<QString, QString> environment;        // -e NAME=VALUE
    bool network = false;                      // false: --network=none
    uint uid = 0, gid = 0;                     // --user uid:gid: outputs belong to the user who ran MLDesk
    QStringList gpus;                          // device indices given to the run ("0", "1"); empty: none
    qint64 openFiles = 1024, processes = 1024; // --ulimit soft=hard; at or below the caller's own limits
};

struct ContainerGpuFlags {
    QStringList arguments;
    QString note; // said in the run's system log: what the container gets, or why no GPU
};

class ContainerCommand final {
public:
    // `run` arguments (after the engine's global arguments): attached, removed when it ends.
    static QStringList runArguments(const ContainerEngine &engine, const ContainerRunSpec &spec);
    // podman: CDI `--device nvidia.com/gpu=N` per GPU (needs a CDI spec; cdiAvailable false says so);
    // docker: `--gpus device=N` (several: `--gpus "device=0,1"`).
    static ContainerGpuFlags gpuFlags(ContainerEngine::Kind kind, const QStringList &gpus, bool cdiAvailable);
    // Whether a CDI specification for NVIDIA GPUs is installed (/etc/cdi, /var/run/cdi).
    static bool nvidiaCdiAvailable();
    // The caller's soft limits, for --ulimit (podman refuses values above them).
    static void currentLimits(qint64 *openFiles, qint64 *processes);

    // Whether the environment needs an image of its own (a Dockerfile, or conda dependencies to install).
    static bool needsDerivedImage(const EnvironmentVersion &environment);
    // localhost/mldesk-env:<24 hex of the content hash>.
    static QString derivedImageName(const EnvironmentVersion &environment);
    // The Containerfile of the derived image; the conda file, when used, is COPYed from the build folder as
    // environment.yml. *python gets the interpreter inside the image.
    static QString containerfile(const EnvironmentVersion &environment, QString *python = nullptr);
    // The images a Containerfile starts FROM (stage names excluded).
    static QStringList baseImages(const QString &containerfile);
    // The interpreter inside the run's image: the conda env's python, or python3 of the image.
    static QString pythonIn(const EnvironmentVersion &environment);
};

} // namespace mldesk::core
