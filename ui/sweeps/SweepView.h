// SweepView: the parent run's "Trials" tab - the sweep's state and best trial, "Cancel Sweep" and "Register Best
// Model", a sortable trials table (hyperparameters as columns, primary metric, state; the best trial marked), the
// parallel-coordinates view whose brushes filter the table, and every trial's primary metric over time on one
// chart. Pulled from the store once a second while the sweep runs, on the Runs pane's StoreReader (issue 12: the
// GUI thread reads nothing itself); one read at a time, the answers shown in order.
#pragma once

#include "core/runs/RunTypes.h"

#include <QWidget>

class QLabel;
class QPushButton;
class QSortFilterProxyModel;
class QTableView;
class QTimer;

namespace mldesk::core {
class StoreReader;
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
    SweepView(core::Workspace &workspace, core::StoreReader &reader, const core::RunRecord &parent,
              QWidget *parentWidget = nullptr);

    void reload(); // reads the store off the GUI thread; the view follows when the answer comes
    bool isLoading() const { return m_reading; }
    void cancelSweep();
    // Opens the register dialog for the best trial's outputs/model (nullptr when no trial has completed yet).
    RegisterModelDialog *registerBestModel();
    LiveChart *chart() const { return m_chart; }
    core::SweepTrialsModel *model() const { return m_model; }
    QSortFilterProxyModel *filtered() const { return m_filter; }
    ParallelCoordinatesView *coordinates() const { return m_coordinates; }

signals:
    void loaded();                            // an answer of reload() is shown
    void cancelRequested(const QString &uid); // Cancel Sweep: the sweep's controller cancels its trials

private:
    struct Read;
    void showRead(Read read);

    core::Workspace &m_workspace;
    core::StoreReader &m_reader;
    bool m_reading = false;     // a read is in flight
    bool m_readAgain = false;   // reload() was called meanwhile
    bool m_cancelAsked = false; // Cancel Sweep was pressed: the mark lands on the service's thread, later
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
