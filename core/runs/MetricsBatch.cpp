// MetricsBatch: metric points gathered into columns per metric; see the header.
#include "core/runs/MetricsBatch.h"

#include "core/runs/RunTypes.h"

#include <algorithm>

namespace mldesk::core {

int MetricsBatch::seriesOf(QByteArrayView utf8)
{
    const int n = int(m_names.size());
    if (m_last >= 0) {
        if (m_names[m_last] == utf8)
            return m_last;
        const int next = m_last + 1 < n ? m_last + 1 : 0; // names logged in rotation (loss, acc, loss, acc ...)
        if (m_names[next] == utf8)
            return m_last = next;
    }
    int found = -1;
    if (n <= kScan) {
        for (int i = 0; i < n; ++i)
            if (m_names[i] == utf8) {
                found = i;
                break;
            }
    } else {
        found = m_index.value(utf8.toByteArray(), -1);
    }
    if (found < 0) {
        found = n;
        m_names.append(utf8.toByteArray());
        m_series.append(MetricColumns{QString::fromUtf8(utf8), {}, {}, {}, {}, 0});
        m_maxStep.append(-1);
        if (n + 1 > kScan) {
            if (m_index.isEmpty())
                for (int i = 0; i < n; ++i)
                    m_index.insert(m_names[i], i);
            m_index.insert(m_names.constLast(), found);
        }
    }
    return m_last = found;
}

void MetricsBatch::append(int series, const MetricPoint &point)
{
    append(series, point.step, point.value, point.timeMs); // an empty text once the metric has texts
    if (point.text.isEmpty())
        return;
    MetricColumns &s = m_series[series];
    s.texts.resize(s.steps.size()); // the first text of the metric: empty ones for the points before it
    s.texts.last() = point.text;
}

QList<MetricColumns> MetricsBatch::nonEmpty() const
{
    QList<MetricColumns> out;
    for (const MetricColumns &s : m_series)
        if (s.size() > 0)
            out.append(s);
    return out;
}

void MetricsBatch::clear()
{
    for (MetricColumns &s : m_series) {
        s.steps.resize(0); // QList keeps its capacity (unless a caller still holds a copy)
        s.values.resize(0);
        s.times.resize(0);
        s.texts.clear();
    }
    std::fill(m_maxStep.begin(), m_maxStep.end(), qint64(-1));
    m_count = 0;
    if (m_series.size() > 4 * kScan) { // a run that logs ever new names: do not keep them all
        m_series.clear();
        m_names.clear();
        m_maxStep.clear();
        m_index.clear();
        m_last = -1;
    }
}

} // namespace mldesk::core
