// MetricsSqlWriter: metric points -> chunks of one metric each; see the header.
#include "core/runs/MetricsSqlWriter.h"

#include "core/store/MetricChunks.h"

#include <QHash>

namespace mldesk::core {

void MetricsSqlWriter::insert(Database &db, qint64 runId, const QList<MetricPoint> &points)
{
    if (points.isEmpty())
        return;
    QList<MetricColumns> series;
    QHash<QString, qsizetype> index;
    QString lastName;
    qsizetype last = -1;
    for (const MetricPoint &p : points) {
        if (last < 0 || p.name != lastName) { // lines come in runs of one name: look up once per run
            auto it = index.constFind(p.name);
            if (it == index.constEnd()) {
                it = index.insert(p.name, series.size());
                series.append(MetricColumns{p.name, {}, {}, {}, {}, 0});
            }
            last = it.value();
            lastName = p.name;
        }
        MetricColumns &s = series[last];
        s.steps.append(p.step);
        s.values.append(p.value);
        s.times.append(p.timeMs);
        if (!p.text.isEmpty() || !s.texts.isEmpty()) { // texts: none, or one per point once any has one
            s.texts.resize(s.steps.size() - 1);
            s.texts.append(p.text);
        }
    }
    MetricChunks::append(db, runId, series);
}

} // namespace mldesk::core
