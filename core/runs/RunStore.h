// RunStore: the runs of a workspace in workspace.db - insert, load, list, guarded state transitions with their
// history, process identity, metrics and tags. Transitions are conditional (UPDATE ... WHERE state IN ...), so
// several MLDesk processes watching one run never both apply the same step.
#pragma once

#include "core/runs/RunTypes.h"
#include "core/store/MetricChunks.h"

#include <QVariantMap>

#include <initializer_list>

namespace mldesk::core {

class Database;

class RunStore final {
public:
    explicit RunStore(Database &db) : m_db(db) {}

    struct NewRun {
        QString uid;
        qint64 experimentId = 0;
        QString displayName;
        QJsonObject configuration;
        qint64 computeTargetId = 0;      // 0: none
        qint64 environmentVersionId = 0; // 0: a curated environment not in the table
        QString runDir;
        QString snapshotManifestJson;
        QMap<QString, QString> tags;
        int priority = kRunPriorityNormal;
        QList<QPair<qint64, QString>> datasetInputs; // dataset_versions.id, mode
        // Sweeps (issue 16): see RunRecord.
        QString kind = QStringLiteral("run");
        qint64 parentRunId = 0;
        std::optional<int> trialIndex;
        QJsonObject hyperparameters;
    };
    // Records the run as Queued (with its first history entry); returns runs.id.
    qint64 insert(const NewRun &run);

    std::optional<RunRecord> find(const QString &uid) const; // with history and tags
    std::optional<RunRecord> findById(qint64 id) const;
    // Throws WorkspaceError "no run 'X'" with a hint.
    RunRecord get(const QString &uid) const;
    // Newest first; empty filters mean all.
    QList<RunRecord> list(const QString &experiment = {}, std::optional<RunState> state = std::nullopt) const;
    // Not yet Completed/Failed/Canceled, oldest first. Sweep parents are left out (their controller drives them), and
    // so are a script's child runs (ScriptChildRuns: their parent's watcher follows them).
    QList<RunRecord> active() const;
    // The Queued runs of active(), in the order the scheduler offers them slots: highest priority first, ties oldest
    // first.
    QList<RunRecord> queued() const;
    // Sets a Queued run's priority (a sweep's: while it is active, with its queued trials and the trials it submits
    // later). Throws WorkspaceError for a priority out of range, an unknown run, or one that has started or ended.
    RunRecord setPriority(const QString &uid, int priority);
    // Why run's priority cannot change now (it has started or ended); empty when it can.
    static QString priorityRefusal(const RunRecord &run);
    // Sweep parents not yet Completed/Failed/Canceled, oldest first (the sweep controller's poll: it must not read
    // every run of a 10,000-run workspace each pass).
    QList<RunRecord> activeSweeps() const;
    // A sweep's children by trial index (issue 16).
    QList<RunRecord> children(qint64 parentId) const;
    RunState stateOf(qint64 id) const;

    // Moves run id to `to` when it is in one of `from`, setting the extra columns too (column name -> value;
    // an invalid QVariant writes NULL) and appending to the history. False when the run was not in `from`.
    bool transition(qint64 id, std::initializer_list<RunState> from, RunState to, const QString &detail = {},
                    const QVariantMap &columns = {});
    void setColumns(qint64 id, const QVariantMap &columns);
    void setTag(qint64 id, const QString &key, const QString &value);

    QList<MetricPoint> metrics(qint64 id, const QString &name = {}) const; // by name, step
    // What was stored after sequence number afterSeq (in store order); afterSeq moves to the last chunk read.
    QList<MetricPoint> metricsAfter(qint64 id, qint64 &afterSeq) const;
    qint64 metricSeq(qint64 id) const; // the sequence number of the run's last chunk (0: none)
    QList<MetricLatest> latestMetrics(qint64 id) const;
    QStringList metricNames(qint64 id) const;
    qint64 metricCount(qint64 id) const;

    static QString tagEntityKind() { return QStringLiteral("run"); }

private:
    QList<RunRecord> query(const QString &where, const QVariantList &bindings) const;

    Database &m_db;
};

} // namespace mldesk::core
