// ScriptChildRuns: children.jsonl + children/<N>/metrics.jsonl -> child runs in the store; see the header.
#include "core/runs/ScriptChildRuns.h"

#include "core/runs/MetricsIngestor.h"
#include "core/runs/RunFiles.h"
#include "core/runs/RunStore.h"
#include "core/store/Database.h"
#include "core/workspace/Workspace.h"

#include <QDateTime>
#include <QFile>
#include <QHash>
#include <QJsonDocument>
#include <QJsonObject>

#include <cmath>

using namespace Qt::StringLiterals;

namespace mldesk::core {

namespace {

constexpr qint64 kMaxEventsBytes = 16 * 1024 * 1024;

qint64 toMs(double seconds)
{
    return seconds > 0 && std::isfinite(seconds) ? qint64(seconds * 1000.0) : QDateTime::currentMSecsSinceEpoch();
}

} // namespace

ScriptChildRuns::ScriptChildRuns(Workspace &workspace, RunRecord parent)
    : m_workspace(workspace), m_parent(std::move(parent))
{
}

QMap<int, ScriptChildRuns::Event> ScriptChildRuns::readEvents() const
{
    QMap<int, Event> events;
    QFile file(m_parent.runDir + u'/' + eventsFileName());
    if (!file.open(QIODevice::ReadOnly))
        return events;
    QByteArray bytes = file.read(kMaxEventsBytes);
    bytes.truncate(bytes.lastIndexOf('\n') + 1); // a half-written last line waits for the next pass
    for (const QByteArray &line : bytes.split('\n')) {
        const QJsonObject o = QJsonDocument::fromJson(line).object();
        const QJsonValue index = o.value(u"index"_s);
        if (!index.isDouble() || index.toInt(-1) < 0)
            continue; // not an event (or an empty line)
        const QString kind = o.value(u"event"_s).toString();
        Event &e = events[index.toInt()];
        if (kind == u"start"_s) {
            e.name = o.value(u"name"_s).toString();
            e.startedAt = o.value(u"time"_s).toDouble();
        } else if (kind == u"end"_s && !e.ended) {
            const QString status = o.value(u"status"_s).toString(u"Completed"_s);
            e.ended = true;
            e.end = status == u"Failed"_s     ? RunState::Failed
                    : status == u"Canceled"_s ? RunState::Canceled
                                              : RunState::Completed;
            e.error = o.value(u"error"_s).toString();
            e.endedAt = o.value(u"time"_s).toDouble();
        }
    }
    return events;
}

RunRecord ScriptChildRuns::ensureChild(int index, const Event &event)
{
    RunStore store(m_workspace.database());
    const QString uid = u"%1_%2"_s.arg(m_parent.uid).arg(index);
    std::optional<RunRecord> child = store.find(uid);
    if (!child) {
        Database &db = m_workspace.database();
        QSqlQuery q = db.exec(u"SELECT experiment_id, compute_target_id, environment_version_id FROM runs"
                              u" WHERE id = ?"_s,
                              {m_parent.id});
        if (!q.next())
            throw std::runtime_error("the parent run is not in the store");
        RunStore::NewRun row;
        row.uid = uid;
        row.experimentId = q.value(0).toLongLong();
        row.computeTargetId = q.value(1).toLongLong();
        row.environmentVersionId = q.value(2).toLongLong();
        row.displayName = event.name.isEmpty() ? u"child %1"_s.arg(index) : event.name;
        row.configuration = m_parent.configuration; // what made it: the parent's script and settings
        row.runDir = m_parent.runDir + u"/children/%1"_s.arg(index);
        row.kind = kind();
        row.parentRunId = m_parent.id;
        row.trialIndex = index;
        try {
            store.insert(row);
        } catch (const std::exception &) {
            // Another process following the same parent inserted it first (unique parent + index): use that one.
            if (!store.find(uid))
                throw;
        }
        child = store.get(uid);
    }
    if (child->state == RunState::Queued)
        store.transition(child->id, {RunState::Queued}, RunState::Running, u"started by the script"_s,
                         {{u"started_at"_s, toMs(event.startedAt)}, {u"device"_s, m_parent.device}});
    return store.get(uid);
}

void ScriptChildRuns::ingest(const RunRecord &child, bool final)
{
    MetricsIngestor ingestor(m_workspace.database(), child.id, child.runDir);
    for (;;)
        if (!ingestor.ingest(final).more)
            break;
}

bool ScriptChildRuns::endChild(const RunRecord &child, RunState state, const QString &reason, const QString &note,
                               qint64 atMs)
{
    ingest(child, true);
    const QList<RunFileEntry> files =
        RunFiles::capture(m_workspace.blobs(), child.runDir + u"/outputs"_s, u"outputs"_s);
    const QString detail = note.isEmpty() ? reason.section(u'\n', 0, 0) : note;
    return RunStore(m_workspace.database())
        .transition(child.id, {RunState::Queued, RunState::Running}, state, detail,
                    {{u"ended_at"_s, atMs},
                     {u"outputs_manifest_json"_s, RunFiles::manifestJson(files)},
                     {u"failure_reason"_s, reason.isEmpty() ? QVariant() : QVariant(reason)},
                     {u"backend_note"_s, note}});
}

QList<RunRecord> ScriptChildRuns::pass()
{
    QList<RunRecord> changed;
    const QMap<int, Event> events = readEvents();
    RunStore store(m_workspace.database());
    QHash<int, RunRecord> known; // one query for all of them (without history), not one per child
    for (const RunRecord &c : store.children(m_parent.id))
        if (c.kind == kind() && c.trialIndex)
            known.insert(*c.trialIndex, c);
    for (auto it = events.cbegin(); it != events.cend(); ++it) {
        const auto k = known.constFind(it.key());
        if (k != known.cend() && isTerminal(k->state))
            continue;
        const bool isNew = k == known.cend() || k->state == RunState::Queued;
        const RunRecord child = isNew ? ensureChild(it.key(), it.value()) : *k;
        if (isNew)
            changed.append(child);
        const Event &e = it.value();
        if (e.ended) {
            const QString reason = e.end == RunState::Completed ? QString()
                                   : e.error.isEmpty()          ? u"the script ended it %1"_s.arg(runStateName(e.end))
                                                                : e.error;
            if (endChild(child, e.end, reason, {}, toMs(e.endedAt)))
                changed.append(store.get(child.uid));
        } else if (child.cancelRequested) {
            if (endChild(child, RunState::Canceled, u"canceled by the user (the script was not stopped)"_s, {},
                         QDateTime::currentMSecsSinceEpoch()))
                changed.append(store.get(child.uid));
        } else {
            ingest(child, false);
        }
    }
    return changed;
}

QList<RunRecord> ScriptChildRuns::follow()
{
    if (!QFile::exists(m_parent.runDir + u'/' + eventsFileName()))
        return {};
    try {
        return pass();
    } catch (const std::exception &e) {
        appendSystemLog(m_parent.runDir,
                        u"warning: following the script's child runs: "_s + QString::fromUtf8(e.what()));
        return {};
    }
}

QList<RunRecord> ScriptChildRuns::finish(RunState parentEnd, const QString &parentReason)
{
    QList<RunRecord> changed = follow();
    try {
        RunStore store(m_workspace.database());
        for (const RunRecord &child : store.children(m_parent.id)) {
            if (child.kind != kind() || isTerminal(child.state))
                continue;
            const QString note = u"the script did not end this child run: it ended with its parent %1 (%2)"_s.arg(
                m_parent.uid, runStateName(parentEnd));
            const QString reason = parentEnd == RunState::Completed ? QString()
                                   : parentReason.isEmpty()         ? note
                                                            : note + u": "_s + parentReason.section(u'\n', 0, 0);
            if (endChild(child, parentEnd, reason, note, QDateTime::currentMSecsSinceEpoch()))
                changed.append(store.get(child.uid));
        }
    } catch (const std::exception &e) {
        appendSystemLog(m_parent.runDir, u"warning: ending the script's child runs: "_s + QString::fromUtf8(e.what()));
    }
    return changed;
}

} // namespace mldesk::core
