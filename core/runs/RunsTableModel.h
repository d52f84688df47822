// RunsTableModel: the runs of a workspace as a table (newest first) for the GUI's runs view - filled from the
// store, kept current by RunService's signals (a submitted run appears, state changes update their row).
#pragma once

#include "core/runs/RunTypes.h"

#include <QAbstractTableModel>
#include <QList>

namespace mldesk::core {

class RunService;

class RunsTableModel final : public QAbstractTableModel {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RunsTableModel)

public:
    enum Column {
        IdColumn,
        ExperimentColumn,
        DisplayNameColumn,
        StateColumn,
        CreatedColumn,
        DurationColumn,
        ComputeColumn,
        ColumnCount
    };
    enum Role { RunIdRole = Qt::UserRole, StateRole, RecordRole, ExperimentRole };

    explicit RunsTableModel(RunService &service, QObject *parent = nullptr);

    // Only this experiment's runs (empty: all); reloads.
    void setExperimentFilter(const QString &experiment);
    QString experimentFilter() const { return m_experiment; }
    void reload();
    int rowOf(const QString &uid) const; // -1 when absent
    RunRecord runAt(int row) const { return m_runs.value(row); }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    void upsert(const RunRecord &run);

    RunService &m_service;
    QString m_experiment;
    QList<RunRecord> m_runs;
};

} // namespace mldesk::core
