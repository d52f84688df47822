// RunScheduler: slots, claims and the wake-up; see the header.
#include "core/runs/RunScheduler.h"

#include "core/compute/LocalComputeStatus.h"
#include "core/runs/LocalProcess.h"
#include "core/runs/RunBackend.h"
#include "core/runs/RunEngineParts.h"
#include "core/runs/RunService.h"
#include "core/runs/RunWatcher.h"
#include "core/store/Database.h"
#include "core/workspace/Workspace.h"

#include <QHash>
#include <QMutex>
#include <QMutexLocker>
#include <QThread>
#include <QTimer>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace mldesk::core {

using namespace runengine;

RunScheduler::RunScheduler(Workspace &workspace, RunStore &store, RunWatcher &watcher, const RunServiceOptions &options,
                           QObject *parent)
    : QObject(parent), m_workspace(workspace), m_store(store), m_watcher(watcher), m_options(options)
{
}

RunScheduler::~RunScheduler() = default;

QStringList RunScheduler::localSlots()
{
    if (!m_slots) {
        QList<int> gpus;
        if (m_options.gpus) {
            gpus = *m_options.gpus;
        } else {
            // Asked once per trainer for the life of the process (up to 15 s: on the engine's thread, which is
            // never the GUI's - see RunServiceHost), so a workspace switch does not ask again.
            static QMutex lock;
            static QHash<QString, QList<int>> known;
            const QString trainer =
                m_options.trainerPath.isEmpty() ? LocalProcess::findTrainer() : m_options.trainerPath;
            QMutexLocker locker(&lock);
            if (!known.contains(trainer)) {
                QList<int> found;
                for (const GpuDevice &d : LocalComputeStatus::probe(trainer, 15000).gpus)
                    found.append(d.index);
                known.insert(trainer, found);
            }
            gpus = known.value(trainer);
        }
        QStringList places;
        for (int gpu : gpus)
            for (int i = 0; i < std::max(1, m_options.runsPerGpu); ++i)
                places.append(u"gpu:%1"_s.arg(gpu));
        if (places.isEmpty()) {
            const int cpu = m_options.cpuSlots > 0 ? m_options.cpuSlots : std::max(1, QThread::idealThreadCount() / 4);
            for (int i = 0; i < cpu; ++i)
                places.append(u"cpu:%1"_s.arg(i));
        }
        m_slots = places;
    }
    return *m_slots;
}

int RunScheduler::cpuThreadsPerRun(int cores, int cpuSlots)
{
    return std::max(1, std::max(1, cores) / std::max(1, cpuSlots));
}

int RunScheduler::threadsFor(const QString &slot)
{
    if (!slot.startsWith(u"cpu:"_s))
        return 0;
    const QStringList places = localSlots();
    const int cpuSlots =
        int(std::count_if(places.cbegin(), places.cend(), [](const QString &s) { return s.startsWith(u"cpu:"_s); }));
    const int cores = m_options.cpuCores > 0 ? m_options.cpuCores : QThread::idealThreadCount();
    return cpuThreadsPerRun(cores, cpuSlots);
}

void RunScheduler::wake()
{
    if (m_wakeQueued)
        return;
    m_wakeQueued = true;
    QTimer::singleShot(0, this, [this] {
        m_wakeQueued = false;
        try {
            schedule();
        } catch (const std::exception &e) {
            m_watcher.warn(u"runs: "_s + QString::fromUtf8(e.what()));
        }
    });
}

void RunScheduler::schedule()
{
    if (m_inPass || !m_backendFor)
        return;
    m_inPass = true;
    ++m_passes;
    try {
        m_watcher.attachActive(); // what it claims is followed from its first state on
        const QList<RunRecord> active = m_store.active();
        scheduleLocal(active);
        scheduleSlurm(active);
    } catch (...) {
        m_inPass = false;
        throw;
    }
    m_inPass = false;
}

std::optional<RunRecord> RunScheduler::claimSlot(const RunRecord &run)
{
    const QStringList places = localSlots();
    Database &db = m_workspace.database();
    QString chosen;
    db.writeTransaction([&] {
        QStringList busy;
        QSqlQuery q = db.exec(u"SELECT device FROM runs WHERE state IN ('Preparing', 'Starting', 'Running')"
                              u" AND device <> ''"_s);
        while (q.next())
            busy.append(q.value(0).toString());
        for (const QString &slot : places) {
            if (busy.removeOne(slot))
                continue; // taken (each entry of places is one place)
            chosen = slot;
            break;
        }
        if (chosen.isEmpty())
            return;
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        // The claim says who prepares it (see preparingMark()), so a kill -9 right after it is seen as such.
        if (db.exec(
                  u"UPDATE runs SET state = 'Preparing', device = ?, backend_job_id = ? WHERE id = ? AND state = 'Queued'"_s,
                  {chosen, preparingMark(), run.id})
                .numRowsAffected() != 1) {
            chosen.clear();
            return;
        }
        db.exec(u"INSERT INTO run_state_history (run_id, state, changed_at, detail) VALUES (?, 'Preparing', ?, ?)"_s,
                {run.id, now, chosen});
    });
    if (chosen.isEmpty())
        return std::nullopt;
    return m_store.findById(run.id);
}

void RunScheduler::scheduleLocal(const QList<RunRecord> &active)
{
    for (const RunRecord &run : active) {
        if (run.state != RunState::Queued || !isLocal(run))
            continue;
        std::optional<RunRecord> claimed = claimSlot(run);
        if (!claimed)
            break; // first come, first served: later runs wait behind this one
        m_watcher.refresh(run.uid);
        m_backendFor(*claimed).launch(*claimed, {threadsFor(claimed->device)});
    }
}

void RunScheduler::scheduleSlurm(const QList<RunRecord> &active)
{
    for (const RunRecord &run : active) {
        if (isLocal(run) || run.state != RunState::Queued || !run.backendJobId.isEmpty())
            continue;
        // No local slot: the cluster schedules it. The claim says who prepares it (see preparingMark()).
        if (!m_store.transition(run.id, {RunState::Queued}, RunState::Preparing,
                                u"preparing for Slurm target %1"_s.arg(run.computeTarget),
                                {{u"backend_job_id"_s, QVariant(preparingMark())}}))
            continue;
        m_watcher.refresh(run.uid);
        if (std::optional<RunRecord> claimed = m_store.findById(run.id))
            m_backendFor(*claimed).launch(*claimed, {});
    }
}

} // namespace mldesk::core
