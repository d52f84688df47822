// SlurmBackend: runs on a Slurm target - a claimed run is prepared on a worker thread (SlurmRunLauncher: datasets
// copied into the run folder, environment, paths as the nodes see them), submitted and followed through
// SlurmRunBackend (one polite monitor per target); Slurm's states become guarded transitions, its end goes through
// the watcher's finalize like a local run's, and an unreachable cluster is a note on its runs. A run left Preparing
// by an MLDesk process that died before storing its job id is looked up by name and followed, never submitted twice.
#pragma once

#include "core/runs/RunBackend.h"
#include "core/slurm/SlurmJobMonitor.h"

#include <memory>

namespace mldesk::core {

class Workspace;
class RunWatcher;
class SlurmRunBackend;
struct ComputeTarget;
struct RunServiceOptions;
struct SlurmRunLaunch;
struct SlurmRunOutcome;

class SlurmBackend final : public RunBackend {
public:
    SlurmBackend(Workspace &workspace, RunWatcher &watcher, const RunServiceOptions &options);
    ~SlurmBackend() override;
    SlurmBackend(const SlurmBackend &) = delete;
    SlurmBackend &operator=(const SlurmBackend &) = delete;

    QString name() const override { return QStringLiteral("slurm"); }
    void launch(const RunRecord &run, const RunLaunchPlan &plan) override;
    void attach(RunWatch &) override {} // check() follows the job once the engine is started
    void check(RunWatch &w) override;
    void cancel(const RunRecord &run) override;
    void close() override;

private:
    SlurmRunBackend &slurm();
    void attachSlurm(RunWatch &w);
    void recoverSlurm(RunWatch &w);
    void submitSlurm(const RunRecord &run, const ComputeTarget &target, const SlurmRunLaunch &launch);
    void onSlurmUpdate(const QString &uid, const SlurmRunOutcome &outcome);
    void setTargetNote(const QString &targetName, const QString &note);

    Workspace &m_workspace;
    RunWatcher &m_watcher;
    const RunServiceOptions &m_options;
    std::unique_ptr<SlurmRunBackend> m_slurm;
    RunPreparations m_preparations;
};

} // namespace mldesk::core
