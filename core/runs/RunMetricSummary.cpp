// RunMetricSummary: one portable query over the latest-value table joined with per-chunk extremes.
#include "core/runs/RunMetricSummary.h"

#include "core/store/Database.h"

#include <QSqlQuery>

#include <cmath>

using namespace Qt::StringLiterals;

namespace mldesk::core {

RunMetricSummaries loadRunMetricSummaries(Database &db)
{
    RunMetricSummaries out;
    QSqlQuery q = db.exec(u"SELECT l.run_id, l.name, l.value, c.lo, c.hi FROM run_metric_latest l LEFT JOIN "
                          u"(SELECT run_id, name, MIN(min_value) AS lo, MAX(max_value) AS hi FROM run_metric_chunks "
                          u"GROUP BY run_id, name) c ON c.run_id = l.run_id AND c.name = l.name"_s);
    const auto number = [&q](int column) {
        return q.value(column).isNull() ? std::nan("") : q.value(column).toDouble();
    };
    qint64 runId = -1;
    QHash<QString, MetricSummary> *metrics = nullptr;
    while (q.next()) {
        const qint64 id = q.value(0).toLongLong();
        if (id != runId || !metrics) {
            runId = id;
            metrics = &out[id];
        }
        metrics->insert(q.value(1).toString(), {number(2), number(3), number(4)});
    }
    return out;
}

} // namespace mldesk::core
