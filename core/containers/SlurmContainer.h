// SlurmContainer: a container environment on a Slurm target. When the target says its nodes run containers
// (pyxis/enroot), the supervisor on the node runs `srun --container-image=IMAGE --container-mounts=RUN:RUN ...
// python3 script` - the run folder at its own path, as for local container runs. Otherwise, or when the image exists
// only on this machine (localhost/..., a Dockerfile or conda file built here), the run is refused at submit with why.
#pragma once

#include <QString>
#include <QStringList>

namespace mldesk::core {

struct ComputeTarget;
struct EnvironmentVersion;

class SlurmContainer final {
public:
    // Empty when the environment can run on the target; else what is wrong and what to do.
    static QString refusal(const EnvironmentVersion &environment, const ComputeTarget &target);
    // pyxis names a registry image "registry#path:tag" (e.g. nvcr.io#nvidia/pytorch:24.01-py3); Docker Hub images
    // stay as they are.
    static QString pyxisImage(const QString &dockerImage);
    // srun's options and the interpreter inside the image; the script and its arguments follow.
    static QStringList srunArguments(const EnvironmentVersion &environment, const QString &clusterRunDir);
    static QString srunProgram() { return QStringLiteral("srun"); }
};

} // namespace mldesk::core
