// MetricsSqlWriter: appends metric points to run_metrics inside the caller's transaction. The one place that
// speaks SQLite's C API (a prepared statement stepped per row, twice QtSql's rate - see MEASUREMENTS.md); any other
// driver (PostgreSQL later) gets the portable QtSql execBatch.
#pragma once

#include "core/runs/RunTypes.h"

namespace mldesk::core {

class Database;

class MetricsSqlWriter final {
public:
    // Throws std::runtime_error with the driver's message.
    static void insert(Database &db, qint64 runId, const QList<MetricPoint> &points);
};

} // namespace mldesk::core
