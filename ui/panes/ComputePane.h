// ComputePane: the Compute page - compute targets with type and status, this machine's CPUs and GPUs (probed in
// the background through mldesk-train --list-devices), a selected Slurm target's reachability, nodes and partitions
// (SlurmStatusView, fetched in the background), "Add Slurm Cluster..." and removing a target.
#pragma once

#include "core/compute/LocalComputeStatus.h"
#include "ui/panes/Pane.h"

#include <QHash>

#include <optional>

class QLabel;
class QPushButton;
class QStackedWidget;
class QTableView;

namespace mldesk::ui {

class SlurmStatusView;
class SlurmTargetDialog;
class TableModel;

class ComputePane final : public Pane {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ComputePane)

public:
    explicit ComputePane(QWidget *parent = nullptr);
    void setWorkspace(core::Workspace *workspace) override;

    SlurmTargetDialog *openSlurmDialog();
    // Removes the selected target; a refusal (built-in, runs active) is shown inline.
    void removeSelected();
    void probeLocal(); // again, in the background

    TableModel *targetsModel() const { return m_targets; }
    TableModel *gpusModel() const { return m_gpus; }
    bool localProbed() const { return m_local.has_value(); }
    SlurmStatusView *slurmStatusView() const { return m_slurmStatus; }
    // Selects the target named name in the table (shows its details below); false when there is none.
    bool selectTarget(const QString &name);

private:
    void reload();
    void showLocal();
    void showSelected(); // the local machine or the selected Slurm target below the table
    QString selectedName() const;

    core::Workspace *m_workspace = nullptr;
    std::optional<core::LocalComputeStatus> m_local;
    bool m_probing = false;
    TableModel *m_targets = nullptr;
    TableModel *m_gpus = nullptr;
    QTableView *m_targetView = nullptr;
    QLabel *m_localSummary = nullptr;
    QLabel *m_message = nullptr;
    QPushButton *m_remove = nullptr;
    QWidget *m_toolbar = nullptr;
    QStackedWidget *m_stack = nullptr;
    QStackedWidget *m_detail = nullptr; // 0: this machine, 1: a Slurm target
    SlurmStatusView *m_slurmStatus = nullptr;
    QHash<QString, QString> m_slurmStatusText; // target name -> its last short status, for the table
};

} // namespace mldesk::ui
