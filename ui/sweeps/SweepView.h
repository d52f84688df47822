// SweepView: the parent run's "Trials" tab - the sweep's state and best trial, a sortable trials table
// (hyperparameters as columns, primary metric, state; the best trial marked) and the parallel-coordinates view
// whose brushes filter the table. Pulled from the store once a second while the sweep runs.
#pragma once

#include "core/runs/RunTypes.h"

#include <QWidget>

class QLabel;
class QSortFilterProxyModel;
class QTableView;
class QTimer;

namespace mldesk::core {
class Database;
class SweepTrialsModel;
} // namespace mldesk::core

namespace mldesk::ui {

class ParallelCoordinatesView;

class SweepView final : public QWidget {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SweepView)

public:
    SweepView(core::Database &db, const core::RunRecord &parent, QWidget *parentWidget = nullptr);

    void reload();
    core::SweepTrialsModel *model() const { return m_model; }
    QSortFilterProxyModel *filtered() const { return m_filter; }
    ParallelCoordinatesView *coordinates() const { return m_coordinates; }

private:
    core::Database &m_db;
    core::RunRecord m_parent;
    core::SweepTrialsModel *m_model = nullptr;
    QSortFilterProxyModel *m_filter = nullptr;
    ParallelCoordinatesView *m_coordinates = nullptr;
    QTableView *m_table = nullptr;
    QLabel *m_summary = nullptr;
    QTimer *m_refresh = nullptr;
};

} // namespace mldesk::ui
