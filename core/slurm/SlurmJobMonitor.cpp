// SlurmJobMonitor: one poll in flight at a time, results re-posted to the owner's thread (CONVENTIONS 7).
#include "core/slurm/SlurmJobMonitor.h"

#include "core/slurm/SlurmRunJob.h"

#include <QPointer>
#include <QThreadPool>

namespace mldesk::core {

SlurmJobMonitor::SlurmJobMonitor(std::shared_ptr<HttpClient> http, std::function<SlurmClient::Connection()> connection,
                                 Options options, QObject *parent)
    : QObject(parent), m_http(std::move(http)), m_connection(std::move(connection)), m_options(options),
      m_interval(options.activeIntervalMs)
{
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &SlurmJobMonitor::poll);
}

SlurmJobMonitor::~SlurmJobMonitor()
{
    *m_alive = false;
}

void SlurmJobMonitor::runAsync(std::function<void(SlurmClient &)> work)
{
    // The pool thread owns copies of everything it touches; the HTTP client lives as long as the longest user.
    std::shared_ptr<HttpClient> http = m_http;
    const SlurmClient::Connection connection = m_connection();
    QThreadPool::globalInstance()->start([http, connection, work = std::move(work)] {
        SlurmClient client(*http, connection);
        work(client);
    });
}

void SlurmJobMonitor::track(qint64 jobId, const QString &runUid)
{
    Tracked t;
    t.runUid = runUid;
    t.trackedAt = QDateTime::currentDateTimeUtc();
    m_jobs.insert(jobId, t);
    m_interval = m_options.activeIntervalMs;
    m_lastChangeMs = QDateTime::currentMSecsSinceEpoch();
    m_lastFullMs = 0; // the first sighting comes from a full list
    pollNow();
}

void SlurmJobMonitor::untrack(qint64 jobId)
{
    m_jobs.remove(jobId);
    if (m_jobs.isEmpty())
        m_timer.stop();
}

void SlurmJobMonitor::pollNow()
{
    if (m_inFlight) {
        m_pollAgain = true;
        return;
    }
    scheduleNext(0);
}

void SlurmJobMonitor::scheduleNext(int ms)
{
    if (m_jobs.isEmpty()) {
        m_timer.stop();
        return;
    }
    m_timer.start(std::max(0, ms));
}

void SlurmJobMonitor::poll()
{
    if (m_inFlight || m_jobs.isEmpty())
        return;
    const qint64 nowMs = QDateTime::currentMSecsSinceEpoch();
    const qint64 startedSecs = nowMs / 1000;
    // update_time=0 gives the full list (a job missing from it is gone); otherwise Slurm answers 304 when nothing
    // changed, which costs it and us almost nothing.
    const bool full = m_lastPollSecs == 0 || nowMs - m_lastFullMs >= m_options.fullRefreshMs;
    const qint64 updateTime = full ? 0 : m_lastPollSecs - m_options.clockSlackSecs;
    m_inFlight = true;
    QPointer<SlurmJobMonitor> self(this);
    std::shared_ptr<bool> alive = m_alive;
    runAsync([self, alive, updateTime, startedSecs, nowMs](SlurmClient &client) {
        const SlurmResult<SlurmJobList> result = client.jobsChangedSince(updateTime);
        if (!*alive)
            return;
        QMetaObject::invokeMethod(
            self.data(),
            [self, result, startedSecs, updateTime, nowMs] {
                if (self)
                    self->onPolled(result, startedSecs, updateTime, nowMs);
            },
            Qt::QueuedConnection);
    });
}

void SlurmJobMonitor::onPolled(const SlurmResult<SlurmJobList> &result, qint64 startedSecs, qint64 updateTime,
                               qint64 startedMs)
{
    m_inFlight = false;
    if (!result.ok()) {
        ++m_failures;
        const int retry = int(std::min<qint64>(qint64(m_options.activeIntervalMs) << std::min(m_failures, 10),
                                               m_options.maxRetryIntervalMs));
        m_problem = result.error.transient() ? QStringLiteral("cluster unreachable, retrying in %1 s: %2")
                                                   .arg(retry / 1000)
                                                   .arg(result.error.message)
                                             : result.error.message;
        m_interval = retry;
        emit connectionProblem(m_problem, result.error, retry);
        scheduleNext(m_pollAgain ? 0 : retry);
        m_pollAgain = false;
        return;
    }
    if (m_failures > 0) {
        m_failures = 0;
        m_problem.clear();
        emit connectionRestored();
    }
    m_lastPollSecs = startedSecs;
    if (updateTime == 0)
        m_lastFullMs = startedMs;

    bool changed = false;
    if (result.value.complete) {
        QHash<qint64, const SlurmJob *> byId;
        for (const SlurmJob &j : result.value.jobs)
            byId.insert(j.id, &j);
        const QList<qint64> ids = m_jobs.keys();
        for (qint64 id : ids) {
            auto it = m_jobs.find(id);
            if (it == m_jobs.end())
                continue;
            const SlurmJob *job = byId.value(id);
            // A list fetched before track() may not hold the job yet: only a later list proves it gone.
            const bool listedAfterTrack = startedMs >= it->trackedAt.toMSecsSinceEpoch();
            if (!job || job->name != it->runUid) {
                if (listedAfterTrack) {
                    const QString uid = it->runUid;
                    m_jobs.erase(it);
                    changed = true;
                    emit jobVanished(uid, id);
                }
                continue;
            }
            if (!it->seen || it->state != job->state || it->reason != job->stateReason ||
                it->rawExitCode != job->rawExitCode) {
                it->seen = true;
                it->state = job->state;
                it->reason = job->stateReason;
                it->rawExitCode = job->rawExitCode;
                changed = true;
                const QString uid = it->runUid;
                const SlurmJob copy = *job;
                if (copy.isFinished())
                    m_jobs.erase(it);
                emit jobUpdated(uid, copy);
            }
        }
    }
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    if (changed) {
        m_lastChangeMs = now;
        m_interval = m_options.activeIntervalMs;
    } else if (now - m_lastChangeMs > 4 * qint64(m_options.activeIntervalMs)) {
        m_interval = std::min(m_interval * 2, m_options.idleIntervalMs); // quiet: back off
    }
    scheduleNext(m_pollAgain ? 0 : m_interval);
    m_pollAgain = false;
}

void SlurmJobMonitor::submit(const SlurmJobSpec &spec, std::function<void(qint64, const SlurmError &)> done)
{
    QPointer<SlurmJobMonitor> self(this);
    std::shared_ptr<bool> alive = m_alive;
    runAsync([self, alive, spec, done = std::move(done)](SlurmClient &client) {
        const SlurmResult<qint64> r = client.submit(spec);
        if (!*alive)
            return;
        QMetaObject::invokeMethod(
            self.data(),
            [self, r, name = spec.name, done] {
                if (!self)
                    return;
                if (r.ok())
                    self->track(r.value, name);
                done(r.value, r.error);
            },
            Qt::QueuedConnection);
    });
}

void SlurmJobMonitor::findJobOfRun(const QString &runUid,
                                   std::function<void(qint64 jobId, const SlurmError &error)> done)
{
    QPointer<SlurmJobMonitor> self(this);
    std::shared_ptr<bool> alive = m_alive;
    runAsync([self, alive, runUid, done = std::move(done)](SlurmClient &client) {
        const SlurmResult<SlurmJobList> r = client.jobsChangedSince(0);
        qint64 found = 0;
        for (const SlurmJob &job : r.value.jobs)
            if (SlurmRunJob::isJobOfRun(job, runUid))
                found = std::max(found, job.id); // the newest, should a reset cluster hold an older namesake
        SlurmError error = r.error;
        if (error.ok() && !r.value.complete)
            error = {SlurmError::Kind::Server, 0, 0, QStringLiteral("Slurm answered an incomplete job list"), {}};
        if (!*alive)
            return;
        QMetaObject::invokeMethod(
            self.data(),
            [self, found, error, runUid, done] {
                if (!self)
                    return;
                if (error.ok() && found > 0)
                    self->track(found, runUid);
                done(error.ok() ? found : 0, error);
            },
            Qt::QueuedConnection);
    });
}

void SlurmJobMonitor::cancel(qint64 jobId)
{
    QPointer<SlurmJobMonitor> self(this);
    std::shared_ptr<bool> alive = m_alive;
    auto report = [self, alive, jobId](const SlurmError &e) {
        if (!*alive || e.ok() || e.kind == SlurmError::Kind::NotFound)
            return;
        QMetaObject::invokeMethod(
            self.data(),
            [self, jobId, m = e.message] {
                if (self)
                    emit self->cancelFailed(jobId, m);
            },
            Qt::QueuedConnection);
    };
    runAsync([report, jobId](SlurmClient &client) { report(client.signal(jobId, QStringLiteral("TERM"))); });
    QTimer::singleShot(m_options.cancelGraceMs, this, [this, jobId, report] {
        if (!m_jobs.contains(jobId))
            return; // ended within the grace period
        runAsync([report, jobId](SlurmClient &client) { report(client.signal(jobId, QStringLiteral("KILL"))); });
        pollNow();
    });
    pollNow();
}

} // namespace mldesk::core
