// SweepTrialsModel: a sweep's children as a table for views - trial, run id, state, one column per hyperparameter,
// the primary metric (the best value each child logged). read() takes them from the store on whatever thread holds
// the connection (the GUI's StoreReader), setContents() shows them. Display text in DisplayRole, the number a view
// sorts or plots by in ValueRole (a string choice: its index among the values).
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

    struct Row {
        RunRecord run;
        std::optional<double> metric;
        QList<MetricPoint> points;
    };
    struct Contents {
        QList<Row> rows; // by trial
        int best = -1;
    };

    explicit SweepTrialsModel(const RunRecord &parent, QObject *parentObject = nullptr);

    // The children of the sweep with id parentId and their primary metric; plain values, any thread.
    static Contents read(Database &db, qint64 parentId, const SweepSpec &spec);
    void setContents(Contents contents);
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
    std::optional<double> parameterValue(const Row &row, int parameter) const;

    SweepSpec m_spec;
    QList<Row> m_rows;
    int m_best = -1;
};

} // namespace mldesk::core
