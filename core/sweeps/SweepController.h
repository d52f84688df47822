// SweepController: drives every active sweep of a workspace, one pass at a time (SweepService calls step() on its
// own thread and timer). All it knows comes from the store - children, their states and primary metrics - so any
// MLDesk process can take over after another was killed: it holds a lease per sweep, a trial's index is unique
// in the database (a trial is never launched twice), children are submitted through RunSubmitter and canceled
// through RunService::cancel. Per pass and sweep: cancel requests, timeouts, early termination, new trials, the
// parent's end.
#pragma once

#include "core/runs/RunStore.h"
#include "core/runs/RunTypes.h"
#include "core/sweeps/SweepSpec.h"

#include <QHash>
#include <QSet>

#include <memory>
#include <optional>

namespace mldesk::core {

class Workspace;
class RunService;
class SweepStore;
class OptunaSampler;

struct SweepControllerOptions {
    int leaseMs = 5000;            // another process takes over a sweep this long after its controller died
    qint64 snapshotLimitBytes = 0; // 0: RunFiles' default
    QString controllerId;          // empty: host:pid:random
};

class SweepController final {
public:
    explicit SweepController(Workspace &workspace, SweepControllerOptions options = {});
    ~SweepController();
    SweepController(const SweepController &) = delete;
    SweepController &operator=(const SweepController &) = delete;

    // One pass over every active sweep whose lease this controller holds (or takes). Returns the number of
    // sweeps still active. Problems that concern one sweep end that sweep Failed with the reason.
    int step();
    // Gives up the leases this controller holds (a clean exit: the next process need not wait for them).
    void releaseLeases();
    QString controllerId() const { return m_id; }
    // Of the last step(): the time spent submitting children (their snapshots), in microseconds.
    qint64 lastSubmitMicros() const { return m_submitNs / 1000; }

    // A child's primary metric: the best value it logged (as HyperDrive ranks children); nullopt when none.
    static std::optional<double> primaryValue(const SweepSpec &spec, const QList<double> &series);
    // The tag a stopped child carries (its note, kept across a restart until the child has ended).
    static QString stoppedTag() { return QStringLiteral("mldesk.sweep.stopped"); }

private:
    struct Child {
        RunRecord run;
        QList<double> series; // the primary metric in logged order
    };
    void stepSweep(const RunRecord &parent);
    QList<Child> loadChildren(const SweepSpec &spec, const RunRecord &parent);
    void stopChild(const RunRecord &parent, const RunRecord &child, const QString &note);
    void endSweep(const RunRecord &parent, RunState state, const QString &reason, const QList<Child> &children);
    std::optional<QJsonObject> nextValues(const RunRecord &parent, const SweepSpec &spec, int trial,
                                          const QList<Child> &children);
    void feedBayesian(const RunRecord &parent, const SweepSpec &spec, const QList<Child> &children);

    Workspace &m_workspace;
    SweepControllerOptions m_options;
    QString m_id;
    std::unique_ptr<SweepStore> m_sweeps;
    std::unique_ptr<RunService> m_runs;         // passive: the cancel API
    QHash<qint64, QList<double>> m_finalSeries; // ended children: their series no longer changes
    QHash<qint64, int> m_evaluated;             // child id -> last interval the policy looked at
    QSet<qint64> m_held;                        // sweeps whose lease this controller holds
    qint64 m_submitNs = 0;
    struct Bayes {
        std::unique_ptr<OptunaSampler> sampler;
        QHash<int, int> numberOfTrial; // trial index -> Optuna number, for trials asked by this helper
        QSet<int> told;                // trial indexes the helper knows the outcome of
    };
    QHash<qint64, std::shared_ptr<Bayes>> m_bayes;
};

} // namespace mldesk::core
