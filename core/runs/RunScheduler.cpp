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
        const int cpu = !places.isEmpty()        ? m_options.cpuSlotsBesideGpus
                        : m_options.cpuSlots > 0 ? m_options.cpuSlots
                                                 : std::max(1, QThread::idealThreadCount() / 4);
        for (int i = 0; i < cpu; ++i)
            places.append(u"cpu:%1"_s.arg(i));
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
        scheduleLocal();
        scheduleSlurm(m_store.queued());
    } catch (...) {
        m_inPass = false;
        throw;
    }
    m_inPass = false;
}

namespace {

// The slot kind a run asks for (RunSubmitter writes it into the configuration; runs from before it: any).
RunRequest::Device deviceNeed(const RunRecord &run)
{
    const QString device = run.configuration.value(u"resources"_s).toObject().value(u"device"_s).toString();
    return runDeviceFromName(device).value_or(RunRequest::Device::Any);
}

bool fits(RunRequest::Device need, const QString &slot, bool machineHasCpuSlots)
{
    switch (need) {
    case RunRequest::Device::Gpu:
        return slot.startsWith(u"gpu:"_s);
    case RunRequest::Device::Cpu: // where every slot is a GPU, a CPU run takes one as before
        return slot.startsWith(u"cpu:"_s) || !machineHasCpuSlots;
    case RunRequest::Device::Any:
        break;
    }
    return true;
}

} // namespace

std::optional<RunRecord> RunScheduler::claimNext()
{
    const QStringList places = localSlots();
    const bool hasCpuSlots =
        std::any_of(places.cbegin(), places.cend(), [](const QString &s) { return s.startsWith(u"cpu:"_s); });
    const bool hasGpuSlots =
        std::any_of(places.cbegin(), places.cend(), [](const QString &s) { return s.startsWith(u"gpu:"_s); });
    Database &db = m_workspace.database();
    qint64 claimed = 0;
    db.writeTransaction([&] {
        QStringList free = places;
        QSqlQuery q = db.exec(u"SELECT device FROM runs WHERE state IN ('Preparing', 'Starting', 'Running')"
                              u" AND device <> ''"_s);
        while (q.next())
            free.removeOne(q.value(0).toString()); // taken (each entry of places is one place)
        if (free.isEmpty())
            return;
        // The queue as the store orders it, read under the write lock: every process offers a free slot to the same
        // run, whichever process's list happens to be older.
        for (const RunRecord &run : m_store.queued()) {
            if (!isLocal(run))
                continue;
            const RunRequest::Device need = deviceNeed(run);
            if (need == RunRequest::Device::Gpu && !hasGpuSlots) {
                // It can never start here: say so on the run (once), and leave the slots to the runs behind it.
                const QString note = u"waiting for a GPU: this machine has none (submit it with --device any)"_s;
                if (run.note != note)
                    db.exec(u"UPDATE runs SET backend_note = ? WHERE id = ?"_s, {note, run.id});
                continue;
            }
            const auto slot =
                std::find_if(free.cbegin(), free.cend(), [&](const QString &s) { return fits(need, s, hasCpuSlots); });
            if (slot == free.cend())
                continue; // nothing of its kind is free: the runs behind it may still fit (no head-of-line block)
            const qint64 now = QDateTime::currentMSecsSinceEpoch();
            // The claim says who prepares it (see preparingMark()), so a kill -9 right after it is seen as such.
            // A queued local run's only note is the "waiting for a GPU" above: it no longer holds.
            if (db.exec(u"UPDATE runs SET state = 'Preparing', device = ?, backend_job_id = ?, backend_note = ''"
                        u" WHERE id = ? AND state = 'Queued'"_s,
                        {*slot, preparingMark(), run.id})
                    .numRowsAffected() != 1)
                continue;
            db.exec(
                u"INSERT INTO run_state_history (run_id, state, changed_at, detail) VALUES (?, 'Preparing', ?, ?)"_s,
                {run.id, now, *slot});
            claimed = run.id;
            return;
        }
    });
    if (claimed == 0)
        return std::nullopt;
    return m_store.findById(claimed);
}

void RunScheduler::scheduleLocal()
{
    // One claim per transaction, so another process's engine gets the write lock between them; a pass claims at most
    // one run per slot, whatever its launches do meanwhile.
    for (qsizetype i = 0; i < localSlots().size(); ++i) {
        const std::optional<RunRecord> claimed = claimNext();
        if (!claimed)
            break;
        m_watcher.refresh(claimed->uid);
        m_backendFor(*claimed).launch(*claimed, {threadsFor(claimed->device)});
    }
}

void RunScheduler::scheduleSlurm(const QList<RunRecord> &queued)
{
    for (const RunRecord &run : queued) { // highest priority first: the cluster hears of those first
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
