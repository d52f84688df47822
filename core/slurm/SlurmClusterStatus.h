// SlurmClusterStatus: what `compute status` and the Compute pane show for a Slurm target - the controller's ping,
// the nodes (state, CPUs, memory, GPUs/gres) and the partitions - gathered in one blocking call.
#pragma once

#include "core/slurm/SlurmClient.h"

namespace mldesk::core {

struct SlurmClusterStatus {
    SlurmResult<SlurmPing> ping;
    SlurmResult<QList<SlurmNode>> nodes;
    SlurmResult<QList<SlurmPartition>> partitions;
    QString apiVersion;        // the REST API version used ("v0.0.42"); empty when it could not be resolved
    bool autoDetected = false; // the target says "auto": apiVersion is what the cluster and MLDesk both know

    // Blocking (call from a worker thread). After a failed ping that is not worth retrying now (unreachable,
    // token), nodes and partitions carry the same error instead of repeating the request.
    static SlurmClusterStatus query(SlurmClient &client);
    // The first error, or None.
    SlurmError firstError() const;
};

} // namespace mldesk::core
