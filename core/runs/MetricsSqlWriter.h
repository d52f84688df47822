// MetricsSqlWriter: stores a batch of parsed metric points inside the caller's transaction - grouped by metric, in
// the order they were logged, as chunks (core/store/MetricChunks). The ingestor's default sink.
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
