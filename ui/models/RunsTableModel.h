// RunsTableModel: every run of a workspace for the Runs table - experiment, name, state (with an icon; a warning
// sign and a tooltip while the run has a note), compute, started, duration, key metrics (Loss, Accuracy: their last
// values) and tags. Flat and cheap per cell so 10,000 runs scroll smoothly; live updates replace one row. Needs only
// QtCore + QIcon: the row logic could move to core/ (CONVENTIONS 9) with the icon left to a proxy.
#pragma once

#include "core/runs/RunTypes.h"

#include <QAbstractTableModel>
#include <QHash>
#include <QList>

#include <functional>

namespace mldesk::ui {

class RunsTableModel final : public QAbstractTableModel {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RunsTableModel)

public:
    enum Column { Experiment, Name, State, Compute, Started, Duration, Loss, Accuracy, Tags, ColumnCount };
    enum Role { SortRole = Qt::UserRole, UidRole, StateRole, TagsTextRole };

    // metricLookup(runId, name) gives a finished run's last value of a metric (NaN when none); it is asked once
    // per run and metric, when the cell is first shown.
    using MetricLookup = std::function<double(qint64 runId, const QString &name)>;

    explicit RunsTableModel(QObject *parent = nullptr);
    void setMetricLookup(MetricLookup lookup) { m_lookup = std::move(lookup); }

    void setRuns(QList<core::RunRecord> runs); // newest first is the caller's order
    // Inserts (at the top) or updates the run with this uid.
    void upsert(const core::RunRecord &run);
    // Live metric points: key metric cells follow the last value.
    void addMetrics(const QString &uid, const QList<core::MetricPoint> &points);

    int rowOf(const QString &uid) const { return m_rowOfUid.value(uid, -1); }
    const core::RunRecord &run(int row) const { return m_runs.at(row); }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    static QString formatDuration(qint64 ms);
    static QColor stateColor(core::RunState state);

private:
    double metric(int row, const QString &name) const;
    void reindex();

    QList<core::RunRecord> m_runs;
    QHash<QString, int> m_rowOfUid;
    // uid -> metric name -> last value; mutable: filled lazily from m_lookup.
    mutable QHash<QString, QHash<QString, double>> m_metrics;
    MetricLookup m_lookup;
};

} // namespace mldesk::ui
