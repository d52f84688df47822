// RunWatcher: following runs - file changes and polls, ingestion, log text, each run's backend asked about its job;
// finalizing is in RunWatcherFinalize.cpp. See the header.
#include "core/runs/RunWatcher.h"

#include "core/runs/MetricsIngestor.h"
#include "core/runs/RunBackend.h"
#include "core/runs/RunEngineParts.h"
#include "core/runs/RunService.h"
#include "core/runs/ScriptChildRuns.h"
#include "core/workspace/Workspace.h"

#include <QFile>
#include <QFileInfo>
#include <QTimer>

using namespace Qt::StringLiterals;

namespace mldesk::core {

using namespace runengine;

RunWatcher::RunWatcher(Workspace &workspace, RunStore &store, const RunServiceOptions &options, QObject *parent)
    : QObject(parent), m_workspace(workspace), m_store(store), m_options(options)
{
    connect(&m_files, &QFileSystemWatcher::fileChanged, this, &RunWatcher::onFileChanged);
    connect(&m_files, &QFileSystemWatcher::directoryChanged, this, &RunWatcher::onFileChanged);
}

RunWatcher::~RunWatcher() = default;

void RunWatcher::attachActive()
{
    for (const RunRecord &run : m_store.active()) {
        if (m_watched.contains(run.uid))
            continue;
        auto w = std::make_shared<RunWatch>();
        w->run = run;
        w->slurm = !isLocal(run);
        w->ingestor = std::make_unique<MetricsIngestor>(m_workspace.database(), run.id, run.runDir);
        w->metricSeq = m_store.metricSeq(run.id); // views load what is stored; from here on the signal carries it
        m_watched.insert(run.uid, w);
        if (m_watchingObserver)
            m_watchingObserver(run.uid, true);
        // A new file there (metrics.jsonl, exit.json, logs/std_log.txt) is a change too.
        m_files.addPaths({run.runDir, run.runDir + u"/logs"_s});
        watchFiles(*w);
        if (m_backendFor)
            m_backendFor(run).attach(*w);
    }
}

void RunWatcher::watchFiles(RunWatch &w)
{
    // A file that does not exist yet cannot be watched: added once the job has made it, so every append is seen at
    // once (not at the next poll).
    const QString metrics = w.run.runDir + u"/metrics.jsonl"_s;
    const QString log = w.run.runDir + u"/logs/std_log.txt"_s;
    if (!w.metricsWatched && QFileInfo::exists(metrics))
        w.metricsWatched = m_files.addPath(metrics);
    if (!w.logWatched && QFileInfo::exists(log))
        w.logWatched = m_files.addPath(log);
}

void RunWatcher::pollAll()
{
    const QStringList uids = m_watched.keys();
    for (const QString &uid : uids)
        pollRun(uid);
}

void RunWatcher::stopWatching(const QString &uid)
{
    auto w = m_watched.take(uid);
    if (w && m_watchingObserver)
        m_watchingObserver(uid, false);
    if (w)
        m_files.removePaths({w->run.runDir, w->run.runDir + u"/logs"_s, w->run.runDir + u"/metrics.jsonl"_s,
                             w->run.runDir + u"/logs/std_log.txt"_s});
}

void RunWatcher::onFileChanged(const QString &path)
{
    const QString runs = m_workspace.runsPath() + u'/';
    QString uid;
    if (path.startsWith(runs)) {
        uid = path.mid(runs.size()).section(u'/', 0, 0);
    } else { // a Slurm run's folder, in its target's shared folder
        for (auto it = m_watched.cbegin(); it != m_watched.cend() && uid.isEmpty(); ++it)
            if (path == it.value()->run.runDir || path.startsWith(it.value()->run.runDir + u'/'))
                uid = it.key();
        if (uid.isEmpty())
            return;
    }
    // A file's appends are batched; a new file in the run folder (exit.json: the job ended) is looked at now.
    queuePoll(uid, QFileInfo(path).isDir() ? 0 : m_options.coalesceMs);
}

void RunWatcher::queuePoll(const QString &uid, int ms)
{
    const bool first = m_pendingPolls.isEmpty();
    m_pendingPolls.insert(uid);
    if (first)
        QTimer::singleShot(ms, this, &RunWatcher::pollPending);
}

void RunWatcher::pollSoon(const QString &uid, int ms)
{
    queuePoll(uid, ms);
}

void RunWatcher::pollPending()
{
    const QSet<QString> pending = std::exchange(m_pendingPolls, {});
    for (const QString &uid : pending)
        pollRun(uid);
}

void RunWatcher::pollRun(const QString &uid)
{
    auto it = m_watched.find(uid);
    if (it == m_watched.end())
        return;
    std::shared_ptr<RunWatch> keep = it.value();
    try {
        pollRun(*keep);
    } catch (const std::exception &e) {
        emit warning(u"run %1: %2"_s.arg(uid, QString::fromUtf8(e.what())));
    }
}

void RunWatcher::refreshState(RunWatch &w)
{
    std::optional<RunRecord> fresh = m_store.findById(w.run.id);
    if (!fresh)
        return;
    const bool changed = fresh->state != w.run.state;
    w.run = *fresh;
    if (changed) {
        emit runStateChanged(w.run);
        if (isTerminal(w.run.state))
            emit runEnded(w.run.uid);
    }
}

void RunWatcher::refresh(const QString &uid)
{
    if (auto it = m_watched.find(uid); it != m_watched.end())
        refreshState(**it);
    else if (const std::optional<RunRecord> run = m_store.find(uid))
        emit runStateChanged(*run);
}

void RunWatcher::ended(const QString &uid)
{
    refresh(uid);
    emit runEnded(uid);
    emit endedHere(uid);
}

void RunWatcher::pollRun(RunWatch &w)
{
    if (w.finalizing)
        return;
    watchFiles(w);
    refreshState(w);
    MetricsIngestor::Batch batch;
    try {
        batch = w.ingestor->ingest(isTerminal(w.run.state), 512 * 1024); // short slices
    } catch (const std::exception &e) {
        emit warning(u"run %1: storing metrics failed: %2"_s.arg(w.run.uid, QString::fromUtf8(e.what())));
    }
    followMetrics(w); // what the store has, whoever ingested it
    if (batch.more)
        queuePoll(w.run.uid, 0);
    scriptChildren(w);
    emitLog(w, isTerminal(w.run.state));
    if (isTerminal(w.run.state)) { // finished (here or by another process)
        stopWatching(w.run.uid);
        return;
    }
    if (m_backendFor)
        m_backendFor(w.run).check(w);
}

void RunWatcher::scriptChildren(RunWatch &w)
{
    // Script-made child runs of a running run (run.child_run() in the run context: children.jsonl), per poll.
    for (const RunRecord &child : ScriptChildRuns(m_workspace, w.run).follow())
        emit runStateChanged(child);
}

void RunWatcher::followMetrics(RunWatch &w)
{
    const QList<MetricPoint> points = m_store.metricsAfter(w.run.id, w.metricSeq);
    if (!points.isEmpty())
        emit metricsAppended(w.run.uid, points);
}

void RunWatcher::emitLog(RunWatch &w, bool final)
{
    QFile log(w.run.runDir + u"/logs/std_log.txt"_s);
    if (!log.open(QIODevice::ReadOnly) || log.size() <= w.logOffset)
        return;
    log.seek(w.logOffset);
    QByteArray chunk = log.read(4 * 1024 * 1024);
    if (!final) {
        const qsizetype nl = chunk.lastIndexOf('\n');
        if (nl < 0)
            return;
        chunk.truncate(nl + 1);
    }
    w.logOffset += chunk.size();
    emit logAppended(w.run.uid, QString::fromUtf8(chunk));
}

} // namespace mldesk::core
