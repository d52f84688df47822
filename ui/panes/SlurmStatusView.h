// SlurmStatusView: the Compute pane's view of one Slurm target - reachable or not (with Slurm's or the network's
// message, or which token is missing/invalid), its nodes and partitions - fetched off the UI thread, refreshed on
// demand and every few seconds while visible.
#pragma once

#include "core/compute/ComputeTargetRegistry.h"
#include "core/slurm/SlurmClusterStatus.h"

#include <QWidget>

class QLabel;
class QPushButton;
class QTimer;

namespace mldesk::ui {

class TableModel;

class SlurmStatusView final : public QWidget {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SlurmStatusView)

public:
    enum class State { NoTarget, Loading, Reachable, Unreachable, TokenProblem };

    explicit SlurmStatusView(QWidget *parent = nullptr);
    ~SlurmStatusView() override;

    // Shows target (a Slurm target of the workspace at workspacePath) and fetches its status in the background.
    void setTarget(const QString &workspacePath, const core::ComputeTarget &target);
    void clearTarget();
    QString targetName() const { return m_target.name; }
    // Asks the cluster again (ignored while a request for the same target is still out).
    void refresh();
    // How often the status is fetched again while the view is visible; 0 turns it off. Default 10 s.
    void setRefreshInterval(int milliseconds);
    int refreshInterval() const;

    State state() const { return m_state; }
    bool isLoading() const { return m_inFlight; }
    bool isPolling() const;  // the periodic refresh is running (visible, with a target and an interval)
    QString message() const; // the summary line shown on top
    QString apiVersion() const { return m_apiVersion; } // in use after the last fetch: "v0.0.42 (auto)"
    QString warning() const;                            // the plain-http warning shown for the target; empty when none
    static QString stateName(State state);              // "reachable", "unreachable", ...
    TableModel *nodesModel() const { return m_nodes; }
    TableModel *partitionsModel() const { return m_partitions; }

signals:
    // After every fetch: the short status for the targets table ("reachable, 1 node idle", "unreachable", ...).
    void statusChanged(const QString &targetName, const QString &shortStatus);

protected:
    void showEvent(QShowEvent *event) override;
    void hideEvent(QHideEvent *event) override;

private:
    void fetch(const core::SlurmClient::Connection &connection, quint64 generation);
    void finish(const core::SlurmClusterStatus &status);
    void showTokenProblem(const QString &error);
    void setSummary(State state, const QString &text);
    void showNodes(const QList<core::SlurmNode> &nodes);
    void showPartitions(const QList<core::SlurmPartition> &partitions);

    QString m_workspacePath;
    core::ComputeTarget m_target;
    bool m_hasTarget = false;
    State m_state = State::NoTarget;
    bool m_inFlight = false;
    quint64 m_generation = 0; // answers for an older target or request are dropped
    QLabel *m_caption = nullptr;
    QLabel *m_summary = nullptr;
    QLabel *m_warning = nullptr;
    QString m_apiVersion;
    QLabel *m_updated = nullptr;
    QPushButton *m_refresh = nullptr;
    TableModel *m_nodes = nullptr;
    TableModel *m_partitions = nullptr;
    QTimer *m_timer = nullptr;
};

} // namespace mldesk::ui
