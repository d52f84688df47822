// SlurmRunBackend: the Slurm compute backend beside the local one - puts a prepared run on a Slurm target (its run
// folder in the target's shared folder, MLDesk's programs staged where the nodes see them), follows it with one
// polite SlurmJobMonitor per target, cancels it (TERM, then KILL), and re-attaches to runs an earlier MLDesk process
// submitted. It reports run states as SlurmRunOutcomes; the run service records them, ingests the run folder like
// a local run's and finalizes on a terminal outcome.
#pragma once

#include "core/compute/ComputeTargetRegistry.h"
#include "core/http/HttpClient.h"
#include "core/slurm/SlurmJobMonitor.h"
#include "core/slurm/SlurmRunState.h"

#include <QHash>
#include <QMap>
#include <QObject>

#include <functional>
#include <memory>

namespace mldesk::core {

struct SlurmRunLaunch {
    QString uid;
    QString experiment;
    QString runDir;           // local path, inside the target's shared folder (runDirFor)
    QString program;          // local path of the job's program
    bool stageProgram = true; // copy program to the shared folder (MLDesk's own trainer); false: the nodes have it
    QStringList arguments;    // as the nodes see them
    QMap<QString, QString> environment;
    QString supervisor; // local mldesk-supervisor (always staged)
};

class SlurmRunBackend final : public QObject {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SlurmRunBackend)

public:
    // workspacePath names the keychain entries of targets whose token is in the keychain.
    SlurmRunBackend(std::shared_ptr<HttpClient> http, QString workspacePath, SlurmJobMonitor::Options options = {},
                    QObject *parent = nullptr);
    ~SlurmRunBackend() override;

    // Where the run folder of run uid on this target lives, as this machine sees it.
    static QString runDirFor(const SlurmTargetConfig &target, const QString &uid);
    // Copies localProgram to <shared>/.mldesk/bin/<name>-<sha256 prefix> unless already there; returns the copy's
    // path as the nodes see it, or empty with *error.
    static QString stage(const SlurmTargetConfig &target, const QString &localProgram, QString *error);

    // Submits the run's batch job. done(jobId, error) on this thread; afterwards runUpdated reports its states.
    void start(const ComputeTarget &target, const SlurmRunLaunch &launch,
               std::function<void(qint64 jobId, const QString &error)> done);
    // Follows a run submitted earlier (e.g. by a process that has exited): its state comes from Slurm, or from the
    // run folder's exit.json once Slurm has purged the job.
    void attach(const ComputeTarget &target, const QString &uid, const QString &runDir, qint64 jobId,
                bool cancelRequested = false);
    // A run whose job id was never stored (the MLDesk process that submitted it died in between): looks for its job
    // by name and comment among Slurm's jobs and follows it when found, so it is never submitted twice nor left
    // orphaned. done(jobId, error) on this thread: jobId 0 when Slurm has no such job; error when it cannot tell now
    // (then the run must stay as it is and be asked about again later).
    void recover(const ComputeTarget &target, const QString &uid, const QString &runDir, bool cancelRequested,
                 std::function<void(qint64 jobId, const QString &error)> done);
    // SIGTERM to the job (the supervisor records the end), a real cancel after the grace period. The run ends
    // Canceled whatever Slurm calls the end. False when the run is not followed here.
    bool cancel(const QString &uid);
    bool isFollowing(const QString &uid) const { return m_runs.contains(uid); }
    // The target's current problem ("cluster unreachable, retrying ...", a token to renew); empty when none.
    QString problem(const QString &targetName) const { return m_problems.value(targetName); }

signals:
    // A state for the run (terminal ones last; the run is no longer followed after them).
    void runUpdated(const QString &uid, const mldesk::core::SlurmRunOutcome &outcome);
    // The target cannot be asked now; runs keep their state. message says what is wrong and that it retries.
    void targetProblem(const QString &targetName, const QString &message);
    void targetRestored(const QString &targetName);

private:
    struct Run {
        QString target;
        QString runDir;
        qint64 jobId = 0;
        bool cancelRequested = false;
    };
    SlurmJobMonitor *monitorFor(const ComputeTarget &target);
    void onJob(const QString &uid, const SlurmJob &job);
    void onVanished(const QString &uid, qint64 jobId);

    std::shared_ptr<HttpClient> m_http;
    QString m_workspacePath;
    SlurmJobMonitor::Options m_options;
    QHash<QString, std::shared_ptr<QString>> m_keychainTokens; // by target name, read once per backend
    QHash<QString, SlurmJobMonitor *> m_monitors;              // by target name
    QHash<QString, SlurmTargetConfig> m_targets;
    QHash<QString, QString> m_problems;
    QHash<QString, Run> m_runs; // by run uid
};

} // namespace mldesk::core

Q_DECLARE_METATYPE(mldesk::core::SlurmRunOutcome)
