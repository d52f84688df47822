// LocalProcessBackend: runs on this machine - a claimed run is prepared on a worker thread (LocalRunLauncher:
// datasets, environment, run context) and started detached under mldesk-supervisor; its job is then known by the
// supervisor's records in the run folder (process.json, exit.json), so any MLDesk process re-attaches to it. Cancel:
// a preparation stops at once (the conda build is killed); a job gets SIGTERM to its process group, SIGKILL after
// the grace period. ContainerBackend (its subclass) is the same for container environments.
#pragma once

#include "core/runs/RunBackend.h"

#include <memory>

namespace mldesk::core {

class Workspace;
class RunWatcher;
struct RunServiceOptions;

class LocalProcessBackend : public RunBackend {
public:
    LocalProcessBackend(Workspace &workspace, RunWatcher &watcher, const RunServiceOptions &options);
    ~LocalProcessBackend() override; // close()
    LocalProcessBackend(const LocalProcessBackend &) = delete;
    LocalProcessBackend &operator=(const LocalProcessBackend &) = delete;

    QString name() const override { return QStringLiteral("local"); }
    void launch(const RunRecord &run, const RunLaunchPlan &plan) override;
    void attach(RunWatch &w) override;
    void check(RunWatch &w) override;
    void cancel(const RunRecord &run) override;
    void close() override;

protected:
    // The job's supervisor is gone (killed, or it ended after a cancel): what else of the job may still run.
    virtual void stopLeftovers(const RunWatch &) {}

private:
    bool groupSettled(RunWatch &w);

    Workspace &m_workspace;
    RunWatcher &m_watcher;
    const RunServiceOptions &m_options;
    RunPreparations m_preparations; // a conda environment may take minutes
    bool m_closed = false;
};

} // namespace mldesk::core
