// MetricsBatch: the points of one ingestion batch gathered column by column, one MetricColumns per metric in the
// order each metric first appeared - what MetricChunks::append stores. Built for the ingestor's hot loop: a metric
// is found by its UTF-8 name without building a QString (the last one, the one after it for names logged in
// rotation, then a scan or a hash), and a point is three appends.
#pragma once

#include "core/store/MetricChunks.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QHash>
#include <QList>

namespace mldesk::core {

struct MetricPoint;

class MetricsBatch final {
public:
    // The index of the metric with this name, added (empty) when new. utf8 must be valid UTF-8 of a name.
    int seriesOf(QByteArrayView utf8);
    int seriesOf(const QString &name) { return seriesOf(QByteArrayView(name.toUtf8())); }

    void append(int series, qint64 step, double value, qint64 timeMs)
    {
        MetricColumns &s = m_series[series];
        s.steps.append(step);
        s.values.append(value);
        s.times.append(timeMs);
        if (!s.texts.isEmpty()) // texts: none, or one per point once any has one
            s.texts.append(QString());
        m_maxStep[series] = std::max(m_maxStep[series], step);
        ++m_count;
    }
    void append(int series, const MetricPoint &point);

    // The highest step of the metric in this batch; -1 when it has none.
    qint64 maxStep(int series) const { return m_maxStep[series]; }
    const QString &name(int series) const { return m_series[series].name; }
    qsizetype count() const { return m_count; }
    // The metrics that have points (shallow copies).
    QList<MetricColumns> nonEmpty() const;
    // Empties every metric but keeps its columns' memory and its place: the next batch of a live run, which
    // logs the same metrics, appends without growing a list or finding a name anew.
    void clear();

private:
    QList<MetricColumns> m_series;
    QList<QByteArray> m_names; // UTF-8, parallel to m_series
    QList<qint64> m_maxStep;
    QHash<QByteArray, int> m_index; // used past kScan metrics
    int m_last = -1;
    qsizetype m_count = 0;
    static constexpr int kScan = 16;
};

} // namespace mldesk::core
