// RunBackend: where a run's job runs - one interface the scheduler launches through and the watcher checks,
// cancels and re-attaches through. Implementations: LocalProcessBackend (a detached mldesk-supervisor job),
// ContainerBackend (the same job as `podman|docker run` of a container environment), SlurmBackend (a Slurm batch job
// through slurmrestd). All run on the engine's thread; preparation (datasets, conda, images) happens on a backend's
// worker threads with their own database connections. Private to core/runs.
#pragma once

#include "core/runs/RunTypes.h"

#include <QHash>
#include <QString>
#include <QStringList>
#include <QThreadPool>

#include <atomic>
#include <memory>

namespace mldesk::core {

struct RunWatch;

// What the scheduler decided for a run beside its device (RunRecord::device).
struct RunLaunchPlan {
    int cpuThreads = 0; // a CPU run's share of the cores (OMP_NUM_THREADS, the trainer's --threads); 0: not set
};

// The preparations a backend runs on its own pool (dataset copies, a conda build, an image pull), each with the flag
// that stops it (a cancel, the engine closing). Used on the engine's thread; the flags are read on the pool's.
class RunPreparations final {
public:
    ~RunPreparations() { stopAll(); }
    QThreadPool &pool() { return m_pool; }
    // The flag of the run's new preparation.
    std::shared_ptr<std::atomic_bool> begin(const QString &uid)
    {
        auto flag = std::make_shared<std::atomic_bool>(false);
        m_flags.insert(uid, flag);
        return flag;
    }
    void end(const QString &uid) { m_flags.remove(uid); }
    void stop(const QString &uid)
    {
        if (const auto flag = m_flags.value(uid))
            flag->store(true);
    }
    // Stops every preparation and waits for the pool (a stopped preparation returns quickly).
    void stopAll()
    {
        for (const auto &flag : std::as_const(m_flags))
            flag->store(true);
        m_pool.waitForDone();
    }
    QStringList runs() const { return m_flags.keys(); } // begun and not ended

private:
    QThreadPool m_pool;
    QHash<QString, std::shared_ptr<std::atomic_bool>> m_flags;
};

class RunBackend {
public:
    virtual ~RunBackend() = default;
    virtual QString name() const = 0; // "local", "container", "slurm"

    // Takes a run the scheduler claimed (Preparing) to its job: preparation off the engine thread, then the start.
    // Failures end the run Failed with the reason (never thrown).
    virtual void launch(const RunRecord &run, const RunLaunchPlan &plan) = 0;
    // Re-attach: the watcher starts following a run (after a restart, or started by another MLDesk process).
    virtual void attach(RunWatch &w) = 0;
    // One look at a watched run's job (each poll): may end the run through RunWatcher::finalize.
    virtual void check(RunWatch &w) = 0;
    // The run's cancel flag is stored: stop its preparation now (a conda build, an image pull) or signal its job.
    // Called for a run in any state but Queued without a job.
    virtual void cancel(const RunRecord &run) = 0;
    // The engine closes (window, workspace switch): preparations stop and their runs are queued again; jobs go on.
    virtual void close() {}
};

} // namespace mldesk::core
