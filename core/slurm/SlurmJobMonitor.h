// SlurmJobMonitor: watches the Slurm jobs of one target's runs politely - one jobs?update_time= call for all of them,
// every activeIntervalMs while things change, backing off to idleIntervalMs when quiet and exponentially while the
// cluster is unreachable (runs keep their state; connectionProblem says "cluster unreachable, retrying"). Reports
// each job's changes, and jobs Slurm no longer knows (purged after MinJobAge, or a job id reused by a reset
// cluster: the job name must be the run id). Requests run on the global thread pool; signals on the owner's thread.
#pragma once

#include "core/http/HttpClient.h"
#include "core/slurm/SlurmClient.h"

#include <QDateTime>
#include <QHash>
#include <QObject>
#include <QTimer>

#include <functional>
#include <memory>

namespace mldesk::core {

class SlurmJobMonitor final : public QObject {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SlurmJobMonitor)

public:
    struct Options {
        int activeIntervalMs = 2000;    // while jobs change
        int idleIntervalMs = 15000;     // the interval grows to this when nothing changes
        int maxRetryIntervalMs = 60000; // back-off ceiling while the cluster cannot be reached
        int fullRefreshMs = 60000;      // update_time=0 at least this often (clock skew, missed changes)
        int clockSlackSecs = 5;         // update_time = last poll - this, for clock skew between here and slurmctld
        int cancelGraceMs = 10000;      // SIGTERM, then KILL (a real cancel) after this
    };

    // connection() is called on the owner's thread before each request (a renewed token is picked up).
    SlurmJobMonitor(std::shared_ptr<HttpClient> http, std::function<SlurmClient::Connection()> connection,
                    Options options, QObject *parent = nullptr);
    ~SlurmJobMonitor() override;

    // Watches job jobId of run runUid (its Slurm job name) until it ends or vanishes; polls soon.
    void track(qint64 jobId, const QString &runUid);
    void untrack(qint64 jobId);
    QList<qint64> trackedJobs() const { return m_jobs.keys(); }
    bool isTracking(qint64 jobId) const { return m_jobs.contains(jobId); }

    // Submits on the thread pool; done(jobId, error) on the owner's thread. A submitted job is tracked.
    void submit(const SlurmJobSpec &spec, std::function<void(qint64 jobId, const SlurmError &error)> done);
    // Looks for the job of run runUid among all jobs Slurm holds (a job submitted, but whose id was never stored:
    // the process died in between). done(jobId, error) on the owner's thread: jobId 0 when Slurm has none; an
    // error when it cannot tell now (then nothing may be concluded). A found job is tracked.
    void findJobOfRun(const QString &runUid, std::function<void(qint64 jobId, const SlurmError &error)> done);
    // SIGTERM now (the supervisor records the end), a real cancel (KILL) after cancelGraceMs if still running.
    void cancel(qint64 jobId);

    void pollNow();
    bool reachable() const { return m_failures == 0; }
    QString problem() const { return m_problem; }
    int currentIntervalMs() const { return m_interval; }

signals:
    // A tracked job's state, reason or exit changed (and its first sighting). Ended jobs are untracked after this.
    void jobUpdated(const QString &runUid, const mldesk::core::SlurmJob &job);
    // Slurm no longer knows the job: its end must come from the run folder's exit record. Untracked after this.
    void jobVanished(const QString &runUid, qint64 jobId);
    // A poll failed; retrying in retryInMs. message: "cluster unreachable, retrying: ..." or the token problem.
    void connectionProblem(const QString &message, const mldesk::core::SlurmError &error, int retryInMs);
    void connectionRestored();
    void cancelFailed(qint64 jobId, const QString &message);

private:
    struct Tracked {
        QString runUid;
        QDateTime trackedAt;
        bool seen = false;
        QString state, reason;
        int rawExitCode = 0;
    };
    void poll();
    void onPolled(const SlurmResult<SlurmJobList> &result, qint64 startedSecs, qint64 updateTime, qint64 startedMs);
    void scheduleNext(int ms);
    void runAsync(std::function<void(SlurmClient &)> work);

    std::shared_ptr<HttpClient> m_http;
    std::function<SlurmClient::Connection()> m_connection;
    Options m_options;
    QHash<qint64, Tracked> m_jobs;
    QTimer m_timer;
    bool m_inFlight = false;
    bool m_pollAgain = false;
    int m_interval = 0;
    int m_failures = 0;
    QString m_problem;
    qint64 m_lastPollSecs = 0; // start of the last successful poll (seconds, local clock)
    qint64 m_lastFullMs = 0;   // last update_time=0 poll
    qint64 m_lastChangeMs = 0;
    std::shared_ptr<bool> m_alive = std::make_shared<bool>(true);
};

} // namespace mldesk::core
