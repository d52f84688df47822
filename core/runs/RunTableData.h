// RunTableData: what the Runs table shows of every run, read in three queries - the runs (newest first) with their
// tags, and the last, lowest and highest value of every metric (sorting and filtering by a metric column need all
// runs' values, not only the rows on screen). Plain values: a worker may read them on its own connection.
#pragma once

#include "core/runs/RunTypes.h"

#include <QHash>
#include <QList>
#include <QString>

namespace mldesk::core {

class Database;

struct MetricSummary {
    double last = 0; // the value at the highest step; NaN when that point is not a number
    double min = 0;  // over every numeric point; NaN when there is none
    double max = 0;
};

using RunMetricSummaries = QHash<qint64, QHash<QString, MetricSummary>>; // runs.id -> metric name -> summary

struct RunTableData {
    QList<RunRecord> runs; // RunStore::list() order, tags filled in
    RunMetricSummaries metrics;
};

RunTableData loadRunTable(Database &db);
// From run_metric_latest (last) and the chunks' stored min_value/max_value (no point is decoded).
RunMetricSummaries loadRunMetricSummaries(Database &db);

} // namespace mldesk::core
