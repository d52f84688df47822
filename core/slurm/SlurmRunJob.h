// SlurmRunJob: the Slurm batch job of one MLDesk run - job name = run id, the target's partition, nodes, GPUs and
// time limit, working directory the run folder as the nodes see it, Slurm's own output into logs/, an environment
// dictionary with the MLDESK_* variables, and a script that runs the same mldesk-supervisor as local runs (so
// logs/std_log.txt, metrics.jsonl, outputs/ and exit.json appear in the shared folder exactly as for a local run).
#pragma once

#include "core/compute/SlurmTargetConfig.h"
#include "core/slurm/SlurmTypes.h"

#include <QMap>
#include <QString>
#include <QStringList>

namespace mldesk::core {

struct SlurmRunJobInput {
    QString runUid;
    QString experiment;
    QString runDir;     // the run folder as this machine sees it: inside the target's shared folder
    QString supervisor; // mldesk-supervisor as the nodes see it
    QString program;    // the job's program as the nodes see it (mldesk-train or python)
    QStringList arguments;
    QMap<QString, QString> environment; // the environment's variables (conda env, user settings); MLDESK_* are added
};

class SlurmRunJob final {
public:
    // Slurm's own stdout/stderr (slurmstepd messages such as "CANCELLED ... DUE TO TIME LIMIT"), per job id.
    static QString slurmLogName() { return QStringLiteral("logs/slurm-%j.out"); }

    // The job's comment: "mldesk run UID".
    static QString commentFor(const QString &runUid);
    // Whether a job Slurm reports is the one MLDesk submitted for runUid (its name, and its comment when Slurm
    // reports one).
    static bool isJobOfRun(const SlurmJob &job, const QString &runUid);

    // localPath (inside the target's shared folder) as the nodes see it; empty with *error when it is outside.
    static QString clusterPath(const SlurmTargetConfig &target, const QString &localPath, QString *error);
    // The other way round (a path a job reports); empty when outside the cluster's shared folder.
    static QString localPath(const SlurmTargetConfig &target, const QString &clusterPath);

    // The job to submit; on a problem (run folder outside the shared folder, bad time limit) returns a spec with an
    // empty name and sets *error to what to do.
    static SlurmJobSpec build(const SlurmTargetConfig &target, const SlurmRunJobInput &input, QString *error);

    // The batch script: cd into the run folder, exec the supervisor. Arguments are single-quoted for bash.
    static QString script(const QString &clusterRunDir, const QString &supervisor, const QString &program,
                          const QStringList &arguments, const QString &runUid);
    static QString shellQuote(const QString &word);
};

} // namespace mldesk::core
