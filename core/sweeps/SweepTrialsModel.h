// SweepTrialsModel: a sweep's children as a table for views - trial, run id, state, one column per hyperparameter,
// the primary metric (the best value each child logged) - read from the store on reload(). Display text in
// DisplayRole, the number a view sorts or plots by in ValueRole (a string choice: its index among the values).
#pragma once

#include "core/runs/RunTypes.h"
#include "core/sweeps/SweepSpec.h"

#include <QAbstractTableModel>

#include <optional>

namespace mldesk::core {

class Database;

class SweepTrialsModel final : public QAbstractTableModel {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SweepTrialsModel)

public:
    enum Column { TrialColumn, RunIdColumn, StateColumn, FirstParameterColumn };
    enum Role { ValueRole = Qt::UserRole, BestRole };

    SweepTrialsModel(Database &db, const RunRecord &parent, QObject *parentObject = nullptr);

    void reload();
    const SweepSpec &spec() const { return m_spec; }
    int metricColumn() const { return FirstParameterColumn + int(m_spec.space.parameters.size()); }
    // Axes for a parallel-coordinates view: the hyperparameters, then the primary metric.
    int axisCount() const { return int(m_spec.space.parameters.size()) + 1; }
    QString axisName(int axis) const;
    std::optional<double> axisValue(int row, int axis) const;
    int bestRow() const { return m_best; } // -1: no completed child with the metric yet
    QString uid(int row) const { return m_rows.value(row).run.uid; }
    // A child's primary metric as logged (for a chart of every trial over time).
    QList<MetricPoint> points(int row) const { return m_rows.value(row).points; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    struct Row {
        RunRecord run;
        std::optional<double> metric;
        QList<MetricPoint> points;
    };
    std::optional<double> parameterValue(const Row &row, int parameter) const;

    Database &m_db;
    qint64 m_parentId = 0;
    SweepSpec m_spec;
    QList<Row> m_rows;
    int m_best = -1;
};

} // namespace mldesk::core
