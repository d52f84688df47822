// SlurmTargetConfig: what MLDesk stores about a Slurm compute target (slurmrestd URL, API version, user, partition,
// nodes, GPUs, time limit, shared folder as seen here and on the nodes, where the token comes from) and its
// validation, each problem naming its field. The token itself is never part of it.
#pragma once

#include <QJsonObject>
#include <QString>
#include <QStringList>

namespace mldesk::core {

struct SlurmTargetConfig {
    // "auto": the newest REST API version both the cluster's slurmrestd and MLDesk know, asked at the first call.
    static constexpr const char *kDefaultApiVersion = "auto";

    QString url; // slurmrestd, http(s)://host:port
    QString apiVersion = QString::fromLatin1(kDefaultApiVersion);
    QString user;
    QString partition; // empty: the cluster's default partition
    int nodesMin = 1;
    int nodesMax = 1;
    int gpusPerNode = 0;
    QString timeLimit;            // Slurm syntax: MM, HH:MM:SS, D-HH, D-HH:MM:SS; empty: the partition's default
    QString sharedDirLocal;       // the shared folder as this machine sees it
    QString sharedDirCluster;     // the same folder as the nodes see it; empty: the same path
    QString tokenEnv;             // name of an environment variable holding the JWT
    bool tokenInKeychain = false; // the JWT is in the system keychain (QtKeychain)
    bool containers = false;      // the nodes run container images (pyxis/enroot: srun --container-image)

    // Each problem as "field: what is wrong and what to do"; empty when valid.
    QStringList validate() const;
    // Why this URL exposes the token (plain http to a host that is not this machine); empty when it does not.
    // Accepted, but the Compute pane and the CLI show this warning.
    QString plainHttpWarning() const;
    // The time limit in minutes (rounded up); -1 when empty, -2 when malformed.
    int timeLimitMinutes() const;
    QString clusterPath() const { return sharedDirCluster.isEmpty() ? sharedDirLocal : sharedDirCluster; }

    QJsonObject toJson() const;
    static SlurmTargetConfig fromJson(const QJsonObject &object);
    static bool isValidEnvironmentName(const QString &name);
};

} // namespace mldesk::core
