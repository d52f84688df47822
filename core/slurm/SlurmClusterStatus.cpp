// SlurmClusterStatus: ping, then nodes and partitions unless the ping showed the cluster cannot answer them.
#include "core/slurm/SlurmClusterStatus.h"

namespace mldesk::core {

SlurmClusterStatus SlurmClusterStatus::query(SlurmClient &client)
{
    SlurmClusterStatus s;
    s.ping = client.ping();
    s.apiVersion = client.apiVersion();
    s.autoDetected = client.autoDetected();
    const SlurmError::Kind k = s.ping.error.kind;
    if (k == SlurmError::Kind::Unreachable || k == SlurmError::Kind::Auth) {
        s.nodes.error = s.ping.error;
        s.partitions.error = s.ping.error;
        return s;
    }
    s.nodes = client.nodes();
    s.partitions = client.partitions();
    return s;
}

SlurmError SlurmClusterStatus::firstError() const
{
    for (const SlurmError *e : {&ping.error, &nodes.error, &partitions.error})
        if (!e->ok())
            return *e;
    return {};
}

} // namespace mldesk::core
