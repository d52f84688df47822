// RunStore: SQL for runs; see the header.
#include "core/runs/RunStore.h"

#include "core/store/Database.h"
#include "core/workspace/WorkspaceError.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTimeZone>

#include <algorithm>
#include <cmath>

using namespace Qt::StringLiterals;

namespace mldesk::core {

namespace {

QDateTime fromMs(const QVariant &v)
{
    return v.isNull() || !v.isValid() ? QDateTime() : QDateTime::fromMSecsSinceEpoch(v.toLongLong(), Qt::UTC);
}

QList<RunFileEntry> parseManifest(const QString &json)
{
    QList<RunFileEntry> files;
    for (const QJsonValue &v : QJsonDocument::fromJson(json.toUtf8()).array()) {
        const QJsonObject o = v.toObject();
        files.append(
            {o.value(u"path"_s).toString(), o.value(u"hash"_s).toString(), qint64(o.value(u"size"_s).toDouble())});
    }
    return files;
}

const QString kSelect = u"SELECT r.id, r.run_uid, e.name, r.display_name, r.state, r.created_at, r.started_at,"
                        u" r.ended_at, r.configuration_json, r.exit_code, r.exit_signal, r.failure_reason,"
                        u" c.name, r.run_dir, r.device, r.process_id, r.process_start_ticks, r.cancel_requested,"
                        u" r.outputs_manifest_json, r.backend_job_id, r.backend_note,"
                        u" r.run_kind, r.parent_run_id, p.run_uid, r.trial_index, r.hyperparameters_json,"
                        u" r.priority"
                        u" FROM runs r JOIN experiments e ON e.id = r.experiment_id"
                        u" LEFT JOIN compute_targets c ON c.id = r.compute_target_id"
                        u" LEFT JOIN runs p ON p.id = r.parent_run_id"_s;

} // namespace

qint64 RunStore::insert(const NewRun &run)
{
    qint64 id = 0;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    m_db.writeTransaction([&] {
        id = m_db.insert(u"INSERT INTO runs (run_uid, experiment_id, display_name, state, created_at,"
                         u" configuration_json, compute_target_id, environment_version_id, run_dir,"
                         u" snapshot_manifest_json, run_kind, parent_run_id, trial_index, hyperparameters_json,"
                         u" priority) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"_s,
                         {run.uid, run.experimentId, run.displayName, runStateName(RunState::Queued), now,
                          QString::fromUtf8(QJsonDocument(run.configuration).toJson(QJsonDocument::Compact)),
                          run.computeTargetId ? QVariant(run.computeTargetId) : QVariant(),
                          run.environmentVersionId ? QVariant(run.environmentVersionId) : QVariant(), run.runDir,
                          run.snapshotManifestJson.isEmpty() ? u"[]"_s : run.snapshotManifestJson, run.kind,
                          run.parentRunId ? QVariant(run.parentRunId) : QVariant(),
                          run.trialIndex ? QVariant(*run.trialIndex) : QVariant(),
                          QString::fromUtf8(QJsonDocument(run.hyperparameters).toJson(QJsonDocument::Compact)),
                          run.priority});
        m_db.exec(u"INSERT INTO run_state_history (run_id, state, changed_at, detail) VALUES (?, ?, ?, ?)"_s,
                  {id, runStateName(RunState::Queued), now, QString()});
        for (auto it = run.tags.cbegin(); it != run.tags.cend(); ++it)
            m_db.exec(u"INSERT INTO tags (entity_kind, entity_id, tag_key, tag_value) VALUES (?, ?, ?, ?)"_s,
                      {tagEntityKind(), id, it.key(), it.value()});
        for (const auto &[versionId, mode] : run.datasetInputs)
            m_db.exec(u"INSERT INTO run_dataset_inputs (run_id, dataset_version_id, mode) VALUES (?, ?, ?)"_s,
                      {id, versionId, mode});
    });
    return id;
}

QList<RunRecord> RunStore::query(const QString &where, const QVariantList &bindings) const
{
    QList<RunRecord> runs;
    QSqlQuery q = m_db.exec(kSelect + where, bindings);
    while (q.next()) {
        RunRecord r;
        r.id = q.value(0).toLongLong();
        r.uid = q.value(1).toString();
        r.experiment = q.value(2).toString();
        r.displayName = q.value(3).toString();
        r.state = runStateFromName(q.value(4).toString()).value_or(RunState::Failed);
        r.created = fromMs(q.value(5));
        r.started = fromMs(q.value(6));
        r.ended = fromMs(q.value(7));
        r.configuration = QJsonDocument::fromJson(q.value(8).toString().toUtf8()).object();
        if (!q.value(9).isNull())
            r.exitCode = q.value(9).toInt();
        if (!q.value(10).isNull())
            r.exitSignal = q.value(10).toInt();
        r.failureReason = q.value(11).toString();
        r.computeTarget = q.value(12).toString();
        r.runDir = q.value(13).toString();
        r.device = q.value(14).toString();
        r.processId = q.value(15).toLongLong();
        r.processStartTicks = q.value(16).toLongLong();
        r.cancelRequested = q.value(17).toInt() != 0;
        r.outputs = parseManifest(q.value(18).toString());
        r.backendJobId = q.value(19).toString();
        r.note = q.value(20).toString();
        r.kind = q.value(21).toString();
        r.parentId = q.value(22).toLongLong();
        r.parentUid = q.value(23).toString();
        if (!q.value(24).isNull())
            r.trialIndex = q.value(24).toInt();
        r.hyperparameters = QJsonDocument::fromJson(q.value(25).toString().toUtf8()).object();
        r.priority = q.value(26).toInt();
        runs.append(r);
    }
    return runs;
}

std::optional<RunRecord> RunStore::findById(qint64 id) const
{
    QList<RunRecord> runs = query(u" WHERE r.id = ?"_s, {id});
    if (runs.isEmpty())
        return std::nullopt;
    RunRecord r = runs.first();
    QSqlQuery h =
        m_db.exec(u"SELECT state, changed_at, detail FROM run_state_history WHERE run_id = ? ORDER BY id"_s, {id});
    while (h.next())
        r.history.append({runStateFromName(h.value(0).toString()).value_or(RunState::Failed), fromMs(h.value(1)),
                          h.value(2).toString()});
    QSqlQuery t = m_db.exec(u"SELECT tag_key, tag_value FROM tags WHERE entity_kind = ? AND entity_id = ?"_s,
                            {tagEntityKind(), id});
    while (t.next())
        r.tags.insert(t.value(0).toString(), t.value(1).toString());
    return r;
}

std::optional<RunRecord> RunStore::find(const QString &uid) const
{
    const QVariant id = m_db.scalar(u"SELECT id FROM runs WHERE run_uid = ?"_s, {uid});
    return id.isValid() ? findById(id.toLongLong()) : std::nullopt;
}

RunRecord RunStore::get(const QString &uid) const
{
    if (auto r = find(uid))
        return *r;
    throw WorkspaceError(u"there is no run '%1' in this workspace; 'mldesk-cli run list' shows the runs"_s.arg(uid));
}

QList<RunRecord> RunStore::list(const QString &experiment, std::optional<RunState> state) const
{
    QStringList where;
    QVariantList bindings;
    if (!experiment.isEmpty()) {
        where.append(u"e.name = ?"_s);
        bindings.append(experiment);
    }
    if (state) {
        where.append(u"r.state = ?"_s);
        bindings.append(runStateName(*state));
    }
    const QString clause = where.isEmpty() ? QString() : u" WHERE "_s + where.join(u" AND "_s);
    return query(clause + u" ORDER BY r.created_at DESC, r.id DESC"_s, bindings);
}

QList<RunRecord> RunStore::active() const
{
    return query(u" WHERE r.state NOT IN ('Completed', 'Failed', 'Canceled') AND r.run_kind NOT IN ('sweep', 'script')"
                 u" ORDER BY r.created_at, r.id"_s,
                 {});
}

QList<RunRecord> RunStore::queued() const
{
    return query(u" WHERE r.state = 'Queued' AND r.run_kind NOT IN ('sweep', 'script')"
                 u" ORDER BY r.priority DESC, r.created_at, r.id"_s,
                 {});
}

QString RunStore::priorityRefusal(const RunRecord &run)
{
    if (run.state == RunState::Queued || (run.isSweep() && run.isActive()))
        return {};
    if (isTerminal(run.state))
        return u"run '%1' has already ended (%2); only a queued run's priority can change"_s.arg(
            run.uid, runStateName(run.state));
    return u"run '%1' is %2: it has already started, so its priority no longer matters; only a queued run's "
           u"priority can change"_s.arg(run.uid, runStateName(run.state));
}

RunRecord RunStore::setPriority(const QString &uid, int priority)
{
    if (const QString problem = runPriorityProblem(priority); !problem.isEmpty())
        throw WorkspaceError(problem);
    const RunRecord run = get(uid);
    if (const QString refusal = priorityRefusal(run); !refusal.isEmpty())
        throw WorkspaceError(refusal);
    bool applied = false;
    m_db.writeTransaction([&] {
        if (run.isSweep()) {
            // A sweep's trials take its priority when they are submitted (SweepController); those still queued
            // take the new one too.
            applied = m_db.exec(u"UPDATE runs SET priority = ? WHERE id = ? AND state NOT IN ('Completed', "
                                u"'Failed', 'Canceled')"_s,
                                {priority, run.id})
                          .numRowsAffected() == 1;
            if (applied)
                m_db.exec(u"UPDATE runs SET priority = ? WHERE parent_run_id = ? AND state = 'Queued'"_s,
                          {priority, run.id});
        } else {
            applied = m_db.exec(u"UPDATE runs SET priority = ? WHERE id = ? AND state = 'Queued'"_s, {priority, run.id})
                          .numRowsAffected() == 1;
        }
    });
    RunRecord now = get(uid);
    if (!applied) // it started (or ended) since it was read
        throw WorkspaceError(priorityRefusal(now));
    return now;
}

QList<RunRecord> RunStore::activeSweeps() const
{
    return query(u" WHERE r.run_kind = 'sweep' AND r.state NOT IN ('Completed', 'Failed', 'Canceled')"
                 u" ORDER BY r.created_at, r.id"_s,
                 {});
}

QList<RunRecord> RunStore::children(qint64 parentId) const
{
    return query(u" WHERE r.parent_run_id = ? ORDER BY r.trial_index, r.id"_s, {parentId});
}

RunState RunStore::stateOf(qint64 id) const
{
    return runStateFromName(m_db.scalar(u"SELECT state FROM runs WHERE id = ?"_s, {id}).toString())
        .value_or(RunState::Failed);
}

bool RunStore::transition(qint64 id, std::initializer_list<RunState> from, RunState to, const QString &detail,
                          const QVariantMap &columns)
{
    QString sql = u"UPDATE runs SET state = ?"_s;
    QVariantList bindings{runStateName(to)};
    for (auto it = columns.cbegin(); it != columns.cend(); ++it) {
        sql += u", "_s + it.key() + u" = ?"_s;
        bindings.append(it.value());
    }
    QStringList placeholders;
    for (RunState s : from) {
        placeholders.append(u"?"_s);
        bindings.append(runStateName(s));
    }
    sql += u" WHERE id = ? AND state IN ("_s + placeholders.join(u", "_s) + u")"_s;
    bindings.insert(bindings.size() - int(from.size()), id);
    bool applied = false;
    m_db.writeTransaction([&] {
        applied = m_db.exec(sql, bindings).numRowsAffected() == 1;
        if (applied)
            m_db.exec(u"INSERT INTO run_state_history (run_id, state, changed_at, detail) VALUES (?, ?, ?, ?)"_s,
                      {id, runStateName(to), QDateTime::currentMSecsSinceEpoch(), detail});
    });
    return applied;
}

void RunStore::setColumns(qint64 id, const QVariantMap &columns)
{
    if (columns.isEmpty())
        return;
    QStringList sets;
    QVariantList bindings;
    for (auto it = columns.cbegin(); it != columns.cend(); ++it) {
        sets.append(it.key() + u" = ?"_s);
        bindings.append(it.value());
    }
    bindings.append(id);
    m_db.exec(u"UPDATE runs SET "_s + sets.join(u", "_s) + u" WHERE id = ?"_s, bindings);
}

void RunStore::setTag(qint64 id, const QString &key, const QString &value)
{
    m_db.writeTransaction([&] {
        m_db.exec(u"DELETE FROM tags WHERE entity_kind = ? AND entity_id = ? AND tag_key = ?"_s,
                  {tagEntityKind(), id, key});
        m_db.exec(u"INSERT INTO tags (entity_kind, entity_id, tag_key, tag_value) VALUES (?, ?, ?, ?)"_s,
                  {tagEntityKind(), id, key, value});
    });
}

namespace {

void appendPoints(const MetricColumns &c, QList<MetricPoint> &into)
{
    for (qsizetype i = 0; i < c.size(); ++i)
        into.append({c.name, c.steps[i], c.values[i], c.times[i], c.texts.isEmpty() ? QString() : c.texts[i], c.seq});
}

} // namespace

QList<MetricPoint> RunStore::metrics(qint64 id, const QString &name) const
{
    QList<MetricPoint> points;
    for (const MetricColumns &c : MetricChunks::chunksAfter(m_db, id, 0, name))
        appendPoints(c, points);
    std::stable_sort(points.begin(), points.end(), [](const MetricPoint &a, const MetricPoint &b) {
        return a.name != b.name ? a.name < b.name : a.step < b.step;
    });
    return points;
}

QList<MetricPoint> RunStore::metricsAfter(qint64 id, qint64 &afterSeq) const
{
    QList<MetricPoint> points;
    for (const MetricColumns &c : MetricChunks::chunksAfter(m_db, id, afterSeq)) {
        appendPoints(c, points);
        afterSeq = std::max(afterSeq, c.seq);
    }
    return points;
}

qint64 RunStore::metricSeq(qint64 id) const
{
    return MetricChunks::lastSeq(m_db, id);
}

QList<MetricLatest> RunStore::latestMetrics(qint64 id) const
{
    return MetricChunks::latest(m_db, id);
}

QStringList RunStore::metricNames(qint64 id) const
{
    QStringList names;
    for (const MetricLatest &l : MetricChunks::latest(m_db, id))
        names.append(l.name);
    return names;
}

qint64 RunStore::metricCount(qint64 id) const
{
    return MetricChunks::count(m_db, id);
}

} // namespace mldesk::core
