// SlurmContainer: pyxis command line and the refusal at submit; see the header.
#include "core/containers/SlurmContainer.h"

#include "core/compute/ComputeTargetRegistry.h"
#include "core/containers/ContainerCommand.h"
#include "core/environments/EnvironmentRegistry.h"

using namespace Qt::StringLiterals;

namespace mldesk::core {

QString SlurmContainer::refusal(const EnvironmentVersion &environment, const ComputeTarget &target)
{
    if (!environment.isContainer() || target.kind != ComputeTarget::Kind::Slurm)
        return {};
    if (!target.slurm.containers)
        return u"environment '%1' runs in a container, and compute target '%2' does not say its nodes run "
               u"containers; if the cluster has pyxis/enroot, recreate the target with --containers, or submit to "
               u"'local' or with an environment without a docker image"_s.arg(environment.name, target.name);
    if (ContainerCommand::needsDerivedImage(environment))
        return u"environment '%1' has its image built on this machine (from its Dockerfile or conda file), which the "
               u"nodes of '%2' cannot pull; build it, push it to a registry the cluster reaches and use that image "
               u"with --docker-image"_s.arg(environment.name, target.name);
    if (environment.dockerImage.startsWith(u"localhost/"_s))
        return u"environment '%1' uses the image '%2', which exists only on this machine; the nodes of '%3' cannot "
               u"pull it - push it to a registry the cluster reaches and use that name"_s.arg(
                   environment.name, environment.dockerImage, target.name);
    return {};
}

QString SlurmContainer::pyxisImage(const QString &dockerImage)
{
    const qsizetype slash = dockerImage.indexOf(u'/');
    if (slash <= 0)
        return dockerImage;
    const QString first = dockerImage.left(slash);
    // A registry host has a dot or a port (or is localhost); otherwise it is a Docker Hub user/repo.
    if (first.contains(u'.') || first.contains(u':') || first == u"localhost"_s)
        return first + u'#' + dockerImage.mid(slash + 1);
    return dockerImage;
}

QStringList SlurmContainer::srunArguments(const EnvironmentVersion &environment, const QString &clusterRunDir)
{
    return {u"--container-image="_s + pyxisImage(environment.dockerImage),
            u"--container-mounts="_s + clusterRunDir + u':' + clusterRunDir, u"--container-workdir="_s + clusterRunDir,
            u"--no-container-mount-home"_s, ContainerCommand::pythonIn(environment)};
}

} // namespace mldesk::core
