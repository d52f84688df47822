// RunsTableModel: every run of a workspace for the Runs table - fixed columns (experiment, name, state with an icon
// and a warning sign while the run has a note, compute, started, duration, tags, queue priority), then one column per
// hyperparameter (parsed from the arguments, "--name value" and "--name=value", and a sweep child's sampled values),
// per tag key, and last/min/max per metric (issue 17). Values are kept per row, flat, so 10,000 runs x 50 columns
// sort and filter without touching the store; live updates replace one row and append new columns at the end.
#pragma once

#include "core/runs/RunTableData.h"
#include "core/runs/RunTypes.h"

#include <QAbstractTableModel>
#include <QHash>
#include <QList>

namespace mldesk::ui {

class RunsTableModel final : public QAbstractTableModel {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RunsTableModel)

public:
    enum Column { Experiment, Name, State, Compute, Started, Duration, Tags, Priority, FixedColumnCount };
    enum Role {
        SortRole = Qt::UserRole, // a double for numbers, else text; invalid when the run has no value
        UidRole,
        StateRole,
        TagsTextRole,
        FilterRole,      // what a filter clause compares: a double for numbers, else text; invalid when none
        ColumnKeyRole,   // header: a stable key ("run:Name", "hp:learning-rate", "metric:Loss:min", "tag:stage")
        ColumnGroupRole, // header: a Group
    };
    enum class Group { Run, Hyperparameter, Metric, Tag };
    enum class Stat { Last, Min, Max };

    explicit RunsTableModel(QObject *parent = nullptr);

    // The table's rows and columns, built apart from the model: prepare() needs no model, so a worker thread can do
    // the parsing and grouping of 10,000 runs and the GUI thread only swaps them in (setContents).
    struct ColumnInfo {
        Group group = Group::Run;
        QString name; // hyperparameter, metric or tag key; the title of a fixed column
        Stat stat = Stat::Last;
        int slot = 0; // index into Row::params / Row::metrics; Column for Group::Run
    };
    struct Param {
        QString text;
        double number = 0; // NaN unless text is a number
    };
    struct Row {
        core::RunRecord run;
        QList<Param> params;                // by hyperparameter slot; empty text: not given
        QList<core::MetricSummary> metrics; // by metric slot; all NaN: the run has none
    };
    struct Contents {
        QList<Row> rows;
        QList<ColumnInfo> columns;
        QHash<QString, int> paramSlots; // by name
        QHash<QString, int> metricSlots;
    };
    // Newest first is the caller's order; summaries: every run's metrics (see core/runs/RunTableData).
    static Contents prepare(QList<core::RunRecord> runs, const core::RunMetricSummaries &summaries);
    void setContents(Contents contents);
    void setRuns(QList<core::RunRecord> runs, const core::RunMetricSummaries &summaries = {})
    {
        setContents(prepare(std::move(runs), summaries));
    }
    // Inserts (at the top) or updates the run with this uid.
    void upsert(const core::RunRecord &run);
    // Live metric points: last/min/max follow, a new metric gets its columns.
    void addMetrics(const QString &uid, const QList<core::MetricPoint> &points);

    int rowOf(const QString &uid) const { return m_rowOfUid.value(uid, -1); }
    const core::RunRecord &run(int row) const { return m_rows.at(row).run; }

    int columnOf(const QString &key) const { return m_columnOfKey.value(key, -1); }
    QString columnKey(int column) const;
    Group columnGroup(int column) const;
    // The column a filter's field names (case-insensitive; leading dashes ignored): a fixed column's title, a
    // hyperparameter, a metric (its last value), "METRIC.min"/"METRIC.max", or a header title. -1: none.
    int columnForField(const QString &field) const;
    // Hyperparameter of a run's arguments and sweep values, by name (without dashes), in argument order.
    static QList<QPair<QString, QString>> hyperparameters(const core::RunRecord &run);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    static QString formatDuration(qint64 ms);
    static QColor stateColor(core::RunState state);

private:
    // Live additions: a new hyperparameter, metric or tag key appends its columns (announced to the views).
    void fillRow(Row &row, const core::RunRecord &run);
    int paramSlot(const QString &name);
    int metricSlot(const QString &name);
    void tagColumn(const QString &key);
    void appendColumns(const QList<ColumnInfo> &columns);
    QVariant value(const Row &row, const ColumnInfo &column) const; // double or text; invalid: none
    void reindex();

    static QString columnKey(const ColumnInfo &c);

    QList<Row> m_rows;
    QHash<QString, int> m_rowOfUid;
    QList<ColumnInfo> m_columns;
    QHash<QString, int> m_columnOfKey;
    QHash<QString, int> m_paramSlots; // by name
    QHash<QString, int> m_metricSlots;
};

} // namespace mldesk::ui
