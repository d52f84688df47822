// SweepView: the parent run's "Trials" tab - the sweep's state and best trial, "Cancel Sweep" and "Register Best
// Model", a sortable trials table (hyperparameters as columns, primary metric, state; the best trial marked), the
// parallel-coordinates view whose brushes filter the table, and every trial's primary metric over time on one
// chart. Pulled from the store once a second while the sweep runs.
#pragma once

#include "core/runs/RunTypes.h"

#include <QWidget>

class QLabel;
class QPushButton;
class QSortFilterProxyModel;
class QTableView;
class QTimer;

namespace mldesk::core {
class SweepTrialsModel;
class Workspace;
} // namespace mldesk::core

namespace mldesk::ui {

class LiveChart;
class ParallelCoordinatesView;
class RegisterModelDialog;

class SweepView final : public QWidget {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SweepView)

public:
    SweepView(core::Workspace &workspace, const core::RunRecord &parent, QWidget *parentWidget = nullptr);

    void reload();
    void cancelSweep();
    // Opens the register dialog for the best trial's outputs/model (nullptr when no trial has completed yet).
    RegisterModelDialog *registerBestModel();
    LiveChart *chart() const { return m_chart; }
    core::SweepTrialsModel *model() const { return m_model; }
    QSortFilterProxyModel *filtered() const { return m_filter; }
    ParallelCoordinatesView *coordinates() const { return m_coordinates; }

private:
    core::Workspace &m_workspace;
    core::RunRecord m_parent;
    core::SweepTrialsModel *m_model = nullptr;
    QSortFilterProxyModel *m_filter = nullptr;
    ParallelCoordinatesView *m_coordinates = nullptr;
    QTableView *m_table = nullptr;
    QLabel *m_summary = nullptr;
    QPushButton *m_cancel = nullptr;
    QPushButton *m_register = nullptr;
    LiveChart *m_chart = nullptr;
    QHash<QString, int> m_charted; // trial run id -> points already on the chart
    QTimer *m_refresh = nullptr;
};

} // namespace mldesk::ui
