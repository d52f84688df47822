// RunServiceHost: a workspace's RunService (the run engine: scheduler, backends, watcher) on a thread of its own,
// with its own Workspace handle (database connection, blob store) - the thin facade the GUI talks to. Submitting
// (the snapshot of up to 300 MB), tailing, ingesting, finalizing (hashing and copying outputs), launching and probing
// devices all run on that thread; the GUI reads the store through its own connection, commands are posted, and the
// results and the service's signals come back queued. The CLI, which has no window to keep responsive, uses
// RunService directly.
#pragma once

#include "core/runs/RunService.h"
#include "core/runs/RunStore.h"

#include <QMutex>
#include <QObject>
#include <QSet>
#include <QThread>

#include <atomic>
#include <memory>

namespace mldesk::core {

class Workspace;

class RunServiceHost final : public QObject {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RunServiceHost)

public:
    // Opens the workspace again on the service's thread (throws WorkspaceError when it cannot).
    explicit RunServiceHost(Workspace &workspace, RunServiceOptions options = {}, QObject *parent = nullptr);
    // Stops the service on its thread (a preparation in progress is stopped and its run queued again, see
    // ~RunService) and joins the thread.
    ~RunServiceHost() override;

    RunStore &store() { return m_store; } // the caller's own connection
    const RunServiceOptions &options() const { return m_options; }

    QStringList validate(const RunRequest &request) const;
    // Records the run (Queued) and snapshots its source on the service's thread, which then schedules it. Returns
    // at once with a ticket; submitFinished(ticket, run) or submitFailed(ticket, message) follows, queued.
    quint64 submit(const RunRequest &request);
    // Cancels on the service's thread (RunService::cancel: a queued run at once, an active one through its backend,
    // a sweep through its controller); no read of the store on the caller's thread. An unknown or ended run comes
    // back as warning().
    void cancel(const QString &uid);
    // Throws WorkspaceError for a priority out of range; the rest happens on the service's thread (RunStore::
    // setPriority): then runPriorityChanged, or warning() for an unknown run or one that has started.
    void setPriority(const QString &uid, int priority);
    void start();
    bool isWatching(const QString &uid) const;

signals:
    void submitFinished(quint64 ticket, const mldesk::core::RunRecord &run);
    void submitFailed(quint64 ticket, const QString &message); // what was wrong and what to do
    void runSubmitted(const mldesk::core::RunRecord &run);
    void runStateChanged(const mldesk::core::RunRecord &run);
    void logAppended(const QString &uid, const QString &text);
    void metricsAppended(const QString &uid, const QList<mldesk::core::MetricPoint> &points);
    void runNoteChanged(const mldesk::core::RunRecord &run);
    void runPriorityChanged(const mldesk::core::RunRecord &run);
    void warning(const QString &message);

private:
    template <typename F> void post(F &&work);

    Workspace &m_workspace;
    RunServiceOptions m_options;
    RunStore m_store;
    QThread m_thread;
    QObject *m_context = nullptr;                  // lives on m_thread
    std::unique_ptr<Workspace> m_serviceWorkspace; // opened, used and closed on m_thread
    RunService *m_service = nullptr;               // lives on m_thread
    mutable QMutex m_lock;
    QSet<QString> m_watching; // mirrored from the service's thread
    std::atomic<quint64> m_tickets{0};
};

} // namespace mldesk::core
