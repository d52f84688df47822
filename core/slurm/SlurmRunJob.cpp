// SlurmRunJob: batch script and job description of a run on a Slurm target.
#include "core/slurm/SlurmRunJob.h"

#include <QDir>

namespace mldesk::core {

namespace {

QString clean(const QString &path)
{
    return QDir::cleanPath(path);
}

// "rest" when path is root or below it ("" for root itself); null QString when outside.
QString below(const QString &root, const QString &path)
{
    const QString r = clean(root), p = clean(path);
    if (p == r)
        return QStringLiteral("");
    const QString prefix = r.endsWith(QLatin1Char('/')) ? r : r + QLatin1Char('/');
    return p.startsWith(prefix) ? p.mid(prefix.size()) : QString();
}

QString join(const QString &root, const QString &rest)
{
    return rest.isEmpty() ? clean(root) : clean(root + QLatin1Char('/') + rest);
}

} // namespace

QString SlurmRunJob::clusterPath(const SlurmTargetConfig &target, const QString &localPath, QString *error)
{
    if (target.sharedDirLocal.isEmpty()) {
        if (error)
            *error = QStringLiteral("the Slurm target has no shared folder; set one (--shared-dir) that this machine "
                                    "and the cluster's nodes both see");
        return {};
    }
    const QString rest = below(target.sharedDirLocal, localPath);
    if (rest.isNull()) {
        if (error)
            *error = QStringLiteral("'%1' is not inside the target's shared folder '%2', so the cluster's nodes "
                                    "cannot see it")
                         .arg(localPath, target.sharedDirLocal);
        return {};
    }
    return join(target.clusterPath(), rest);
}

QString SlurmRunJob::localPath(const SlurmTargetConfig &target, const QString &clusterPath)
{
    const QString rest = below(target.clusterPath(), clusterPath);
    return rest.isNull() ? QString() : join(target.sharedDirLocal, rest);
}

QString SlurmRunJob::shellQuote(const QString &word)
{
    QString quoted = word;
    quoted.replace(QLatin1Char('\''), QStringLiteral("'\\''"));
    return QLatin1Char('\'') + quoted + QLatin1Char('\'');
}

QString SlurmRunJob::script(const QString &clusterRunDir, const QString &supervisor, const QString &program,
                            const QStringList &arguments, const QString &runUid)
{
    QStringList command = {shellQuote(supervisor), QStringLiteral("--run-dir"), shellQuote(clusterRunDir),
                           QStringLiteral("--"), shellQuote(program)};
    for (const QString &a : arguments)
        command.append(shellQuote(a));
    // The supervisor writes logs/std_log.txt, process.json and exit.json like for a local run; exec keeps the
    // batch step's process tree flat, so Slurm's SIGTERM (cancel, time limit) reaches it directly.
    return QStringLiteral("#!/bin/bash\n"
                          "# MLDesk run %1 (generated). Runs the job under mldesk-supervisor, as local runs do.\n"
                          "cd %2 || { echo \"mldesk: cannot enter the run folder %2 on $(hostname)\" >&2; exit 97; }\n"
                          "exec %3\n")
        .arg(runUid, shellQuote(clusterRunDir), command.join(QLatin1Char(' ')));
}

QString SlurmRunJob::commentFor(const QString &runUid)
{
    return QStringLiteral("mldesk run ") + runUid;
}

bool SlurmRunJob::isJobOfRun(const SlurmJob &job, const QString &runUid)
{
    return job.name == runUid && (job.comment.isEmpty() || job.comment == commentFor(runUid));
}

SlurmJobSpec SlurmRunJob::build(const SlurmTargetConfig &target, const SlurmRunJobInput &input, QString *error)
{
    QString why;
    const QString runDir = clusterPath(target, input.runDir, &why);
    const int minutes = target.timeLimitMinutes();
    if (runDir.isEmpty()) {
        // why says it
    } else if (minutes == -2) {
        why = QStringLiteral("the target's time limit '%1' is not Slurm syntax (MM, HH:MM:SS, D-HH, D-HH:MM:SS)")
                  .arg(target.timeLimit);
    } else if (input.supervisor.isEmpty() || input.program.isEmpty()) {
        why = QStringLiteral("the supervisor and the program the nodes should run are not known");
    }
    if (!why.isEmpty()) {
        if (error)
            *error = QStringLiteral("run %1 cannot go to Slurm: %2").arg(input.runUid, why);
        return {};
    }

    SlurmJobSpec spec;
    spec.name = input.runUid;                // finds the run again from squeue/sacct, and guards against reused job ids
    spec.comment = commentFor(input.runUid); // a job whose id was never stored is found by both (findJobOfRun)
    spec.script = script(runDir, input.supervisor, input.program, input.arguments, input.runUid);
    spec.partition = target.partition;
    spec.nodesMin = std::max(1, target.nodesMin);
    spec.nodesMax = std::max(spec.nodesMin, target.nodesMax);
    spec.gpusPerNode = std::max(0, target.gpusPerNode);
    spec.timeLimitMinutes = minutes; // -1: the partition's default
    spec.workingDirectory = runDir;
    spec.standardOutput = runDir + QLatin1Char('/') + slurmLogName();
    spec.requeue = false;

    // v0.0.38 jobs get exactly this environment (nothing from the submitting side leaks in).
    spec.environment.insert(QStringLiteral("PATH"), QStringLiteral("/usr/local/bin:/usr/bin:/bin"));
    spec.environment.insert(QStringLiteral("LANG"), QStringLiteral("C.UTF-8"));
    for (auto it = input.environment.cbegin(); it != input.environment.cend(); ++it)
        spec.environment.insert(it.key(), it.value());
    // The GPUs are Slurm's to give: with GPUs per node, slurmstepd sets CUDA_VISIBLE_DEVICES to the ones it
    // allocated (mldesk-train uses the first visible one); without, the job must not touch the node's GPUs.
    if (spec.gpusPerNode > 0)
        spec.environment.remove(QStringLiteral("CUDA_VISIBLE_DEVICES"));
    else
        spec.environment.insert(QStringLiteral("CUDA_VISIBLE_DEVICES"), QString());
    spec.environment.insert(QStringLiteral("MLDESK_RUN_ID"), input.runUid);
    spec.environment.insert(QStringLiteral("MLDESK_RUN_DIR"), runDir);
    spec.environment.insert(QStringLiteral("MLDESK_EXPERIMENT"), input.experiment);
    spec.environment.insert(QStringLiteral("MLDESK_METRICS_FILE"), runDir + QStringLiteral("/metrics.jsonl"));
    spec.environment.insert(QStringLiteral("MLDESK_OUTPUTS"), runDir + QStringLiteral("/outputs"));
    spec.environment.insert(QStringLiteral("MLDESK_COMPUTE"), QStringLiteral("slurm"));
    spec.environment.insert(QStringLiteral("PYTHONUNBUFFERED"), QStringLiteral("1"));
    return spec;
}

} // namespace mldesk::core
