// RunScheduler: which queued run starts where. Local runs take a slot of this machine - one run per GPU (runsPerGpu),
// or on a machine without GPUs a number of CPU slots that share the cores (each CPU run gets its part of them as its
// thread count, so the runs at once never oversubscribe the machine), and CPU slots beside the GPUs when asked for
// (cpuSlotsBesideGpus); Slurm runs need no local slot (the cluster queues them). Priorities (issue 12 item 1): among
// the queued runs that can start now, the highest priority starts first, ties first come, first served; a run that
// finds no slot of its kind (a GPU run while every GPU is busy) holds back no other run that fits a free slot. A slot
// is claimed in one write transaction that reads the queue from the store in priority order, so several MLDesk
// processes scheduling one workspace never share a slot and all follow one order. The claimed run goes to its
// RunBackend. wake() runs a pass on the next turn of the event loop: the engine wakes it
// when a run is submitted or ends (here, or in another process: RunEvents), so a sweep's next trial starts as soon
// as a slot frees rather than at the next poll.
#pragma once

#include "core/runs/RunTypes.h"

#include <QObject>
#include <QStringList>

#include <functional>
#include <optional>

namespace mldesk::core {

class Workspace;
class RunStore;
class RunBackend;
class RunWatcher;
struct RunServiceOptions;

class RunScheduler final : public QObject {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RunScheduler)

public:
    RunScheduler(Workspace &workspace, RunStore &store, RunWatcher &watcher, const RunServiceOptions &options,
                 QObject *parent = nullptr);
    ~RunScheduler() override;

    void setBackends(std::function<RunBackend &(const RunRecord &)> backendFor)
    {
        m_backendFor = std::move(backendFor);
    }

    // The slots this machine offers to local runs ("gpu:0", ..., or "cpu:0" ...). The first call may ask
    // `mldesk-train --list-devices` (once per trainer and process; up to 15 s: never on the GUI thread).
    QStringList localSlots();
    // A CPU run's thread count when cpuSlots CPU runs share cores cores: max(1, cores / cpuSlots).
    static int cpuThreadsPerRun(int cores, int cpuSlots);
    // The thread count the run on a slot gets: its share of the cores for "cpu:N", 0 (not set) for a GPU.
    int threadsFor(const QString &slot);

    // A pass on the next turn of the event loop; several wakes before it are one pass.
    void wake();
    // One pass now: every queued run that can start is claimed and handed to its backend.
    void schedule();
    int passes() const { return m_passes; } // for diagnostics and tests of the wake-up

private:
    // In one write transaction: the highest-priority queued local run that fits a free slot, moved to Preparing
    // on it; nullopt when none fits.
    std::optional<RunRecord> claimNext();
    void scheduleLocal();
    void scheduleSlurm(const QList<RunRecord> &queued);

    Workspace &m_workspace;
    RunStore &m_store;
    RunWatcher &m_watcher;
    const RunServiceOptions &m_options;
    std::function<RunBackend &(const RunRecord &)> m_backendFor;
    std::optional<QStringList> m_slots;
    bool m_wakeQueued = false;
    bool m_inPass = false;
    int m_passes = 0;
};

} // namespace mldesk::core
