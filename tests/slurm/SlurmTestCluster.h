// The real Slurm test cluster the `slurm`-labelled tests talk to, as scripts/test describes it in the environment:
// SLURMRESTD_URL, SLURM_JWT, SLURM_USER_NAME, and MLDESK_SLURM_CLUSTER ("22.05" or "24.11"). The same tests run
// against both clusters, one after the other; what differs between them is asked here.
#pragma once

#include <QString>
#include <QStringList>
#include <QUrl>

namespace mldesk::test {

struct SlurmTestCluster {
    // The QSKIP text when there is no cluster: CTest's SKIP_REGULAR_EXPRESSION matches its start.
    static QString skipMessage()
    {
        const QString why = qEnvironmentVariable("MLDESK_SLURM_UNAVAILABLE");
        return QStringLiteral("no test cluster: SLURMRESTD_URL is not set. ") +
               (why.isEmpty() ? QStringLiteral("Run as root: eval \"$(tests/slurm/start-slurm.sh)\" (Slurm 22.05) or "
                                               "start-slurm-24.sh (24.11); scripts/test does both when run as root")
                              : why);
    }
    static bool available() { return !qEnvironmentVariable("SLURMRESTD_URL").isEmpty(); }
    static QUrl url() { return QUrl(qEnvironmentVariable("SLURMRESTD_URL")); }
    static QString user() { return qEnvironmentVariable("SLURM_USER_NAME", QStringLiteral("root")); }
    static QString token() { return qEnvironmentVariable("SLURM_JWT"); }
    // "24.11" for the Debian 13 cluster, else "22.05" (also for a cluster given by hand without the variable).
    static QString release() { return qEnvironmentVariable("MLDESK_SLURM_CLUSTER", QStringLiteral("22.05")); }
    static bool modern() { return release() != QStringLiteral("22.05"); }
    // The REST API versions it serves, newest first; auto-detection must pick the first.
    static QStringList apiVersions()
    {
        return modern() ? QStringList{QStringLiteral("v0.0.42"), QStringLiteral("v0.0.41"), QStringLiteral("v0.0.40")}
                        : QStringList{QStringLiteral("v0.0.38")};
    }
    // tests/slurm/<name>.sh for this cluster: "start-slurm" -> start-slurm-24.sh on 24.11.
    static QString script(const QString &name)
    {
        return name + (modern() ? QStringLiteral("-24.sh") : QStringLiteral(".sh"));
    }
};

} // namespace mldesk::test
