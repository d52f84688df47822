// RunMetricSummary: the last, lowest and highest value of every metric of every run, read in one query for the
// Runs table's metric columns (sorting and filtering need all runs' values, not just the rows on screen).
#pragma once

#include <QHash>
#include <QString>

namespace mldesk::core {

class Database;

struct MetricSummary {
    double last = 0; // the value at the highest step; NaN when that point is not a number
    double min = 0;  // over every numeric point; NaN when there is none
    double max = 0;
};

using RunMetricSummaries = QHash<qint64, QHash<QString, MetricSummary>>; // runs.id -> metric name -> summary

// From run_metric_latest (last) and the chunks' stored min_value/max_value (no point is decoded).
RunMetricSummaries loadRunMetricSummaries(Database &db);

} // namespace mldesk::core
