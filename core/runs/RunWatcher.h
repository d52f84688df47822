// RunWatcher: the runs a RunService follows, live - tails their folders (a file watcher, and a poll as the safety
// net), ingests metrics through MetricsIngestor and emits what the store holds past its watermark (whoever
// ingested), emits log text, asks each run's RunBackend about its job, and finalizes ended jobs (last metrics,
// outputs into blobs, the end state with its reason - never stuck in Finalizing). It runs on the engine's thread
// with that thread's database connection (RunServiceHost's thread in the GUI). Finalizing is RunWatcherFinalize.cpp.
#pragma once

#include "core/runs/LocalProcess.h"
#include "core/runs/RunStore.h"
#include "core/runs/RunTypes.h"

#include <QFileSystemWatcher>
#include <QHash>
#include <QObject>
#include <QSet>

#include <functional>
#include <memory>
#include <optional>

namespace mldesk::core {

class Workspace;
class RunBackend;
struct RunServiceOptions;
struct RunWatch;
struct RunEnding;

class RunWatcher final : public QObject {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RunWatcher)

public:
    RunWatcher(Workspace &workspace, RunStore &store, const RunServiceOptions &options, QObject *parent = nullptr);
    ~RunWatcher() override;

    // Which backend runs a run (set once by RunService).
    void setBackends(std::function<RunBackend &(const RunRecord &)> backendFor)
    {
        m_backendFor = std::move(backendFor);
    }
    void setStarted(bool started) { m_started = started; }
    bool isStarted() const { return m_started; } // only a started engine contacts clusters
    void setWatchingObserver(std::function<void(const QString &uid, bool watching)> observer)
    {
        m_watchingObserver = std::move(observer);
    }

    // Follows every active run of the workspace not followed yet (whichever process started it).
    void attachActive();
    // One look at every followed run (the safety-net poll).
    void pollAll();
    void pollRun(const QString &uid);
    // Looks at the run again in ms (a job that has just ended whose process group is still going away).
    void pollSoon(const QString &uid, int ms);
    bool isWatching(const QString &uid) const { return m_watched.contains(uid); }
    std::shared_ptr<RunWatch> find(const QString &uid) const { return m_watched.value(uid); }
    QList<std::shared_ptr<RunWatch>> watches() const { return m_watched.values(); }

    // Reads the run again; emits runStateChanged when its state changed (and runEnded when it ended).
    void refreshState(RunWatch &w);
    void refresh(const QString &uid); // the same, for a followed run; a run not followed is emitted as it is stored
    // The job has ended: settle it (last metrics and log, outputs into blobs) and end the run. Any backend.
    void finalize(RunWatch &w, const RunEnding &ending);
    void finalize(RunWatch &w, const std::optional<LocalProcess::ExitRecord> &exit, const QString &vanished);
    // A backend ended a run itself (could not start, canceled before it started): views and the scheduler hear it.
    void ended(const QString &uid);
    // A backend put a run back in the queue (its preparer died before the job started): the schedulers hear it.
    void requeued(const QString &uid) { emit runRequeued(uid); }

    void warn(const QString &message) { emit warning(message); }
    void noteChanged(const RunRecord &run) { emit runNoteChanged(run); }

signals:
    void runStateChanged(const mldesk::core::RunRecord &run);
    void logAppended(const QString &uid, const QString &text);
    void metricsAppended(const QString &uid, const QList<mldesk::core::MetricPoint> &points);
    void runNoteChanged(const mldesk::core::RunRecord &run);
    void warning(const QString &message);
    // A followed run ended (here or in another process): its slot is free. The scheduler wakes on it.
    void runEnded(const QString &uid);
    // This process ended the run (finalized it, or its backend ended it): other processes are told (RunEvents).
    void endedHere(const QString &uid);
    void runRequeued(const QString &uid);

private:
    void pollRun(RunWatch &w);
    void watchFiles(RunWatch &w); // the run's files the job has created since
    void queuePoll(const QString &uid, int ms);
    void pollPending();
    void emitLog(RunWatch &w, bool final);
    void followMetrics(RunWatch &w);
    void endRun(RunWatch &w, const RunEnding &ending);
    QString lastLogLines(const QString &runDir, int lines) const;
    void onFileChanged(const QString &path);
    void stopWatching(const QString &uid);
    // Hooks (issue 16, script-made child runs): per poll of a followed run (after its metrics), and once at its
    // end (end state and reason decided, before the run's end transition). Empty today.
    void scriptChildren(RunWatch &w);
    void scriptChildrenAtEnd(RunWatch &w, RunState end, const QString &reason);

    Workspace &m_workspace;
    RunStore &m_store;
    const RunServiceOptions &m_options;
    std::function<RunBackend &(const RunRecord &)> m_backendFor;
    QHash<QString, std::shared_ptr<RunWatch>> m_watched;
    QFileSystemWatcher m_files;
    QSet<QString> m_pendingPolls;
    std::function<void(const QString &, bool)> m_watchingObserver;
    bool m_started = false;
};

} // namespace mldesk::core
