// ContainerBackend: local runs whose environment is a container image; see the class comment.
#pragma once

#include "core/runs/LocalProcessBackend.h"

namespace mldesk::core {

// A local run whose environment is a container image: the job is `podman|docker run --name mldesk-<run id>` of it
// (ContainerLaunch, through mldesk-supervisor --container NAME --engine PROGRAM, which stops the container on a
// cancel). When the supervisor itself is gone, this backend stops the container the run folder names.
class ContainerBackend final : public LocalProcessBackend {
public:
    using LocalProcessBackend::LocalProcessBackend;
    QString name() const override { return QStringLiteral("container"); }
    // Whether the run's environment version is a container environment.
    static bool isContainerRun(Workspace &workspace, const RunRecord &run);

protected:
    void stopLeftovers(const RunWatch &w) override;
};

} // namespace mldesk::core
