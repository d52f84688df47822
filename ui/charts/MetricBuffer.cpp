// MetricBuffer: appends and the min/max compaction that bounds it.
#include "ui/charts/MetricBuffer.h"

#include <algorithm>

namespace mldesk::ui {

MetricBuffer::MetricBuffer(qsizetype capacity) : m_capacity(std::max<qsizetype>(capacity, 8)) {}

void MetricBuffer::append(const MetricPoint &point)
{
    if (size() >= m_capacity)
        compact();
    m_steps.push_back(point.step);
    m_times.push_back(point.time);
    m_values.push_back(point.value);
    ++m_revision;
}

void MetricBuffer::clear()
{
    m_steps.clear();
    m_times.clear();
    m_values.clear();
    ++m_revision;
    ++m_generation;
}

void MetricBuffer::assign(std::vector<double> steps, std::vector<double> times, std::vector<double> values)
{
    const size_t n = std::min({steps.size(), times.size(), values.size()});
    steps.resize(n);
    times.resize(n);
    values.resize(n);
    m_steps = std::move(steps);
    m_times = std::move(times);
    m_values = std::move(values);
    while (size() > m_capacity)
        compact();
    ++m_revision;
    ++m_generation;
}

void MetricBuffer::compact()
{
    // Every group of 4 points becomes its lowest and highest, in their order: half the size, spikes kept.
    const qsizetype n = size();
    qsizetype out = 0;
    for (qsizetype start = 0; start < n; start += 4) {
        const qsizetype end = std::min(start + 4, n);
        qsizetype lo = start;
        qsizetype hi = start;
        for (qsizetype i = start + 1; i < end; ++i) {
            if (m_values[i] < m_values[lo])
                lo = i;
            if (m_values[i] > m_values[hi])
                hi = i;
        }
        for (qsizetype keep : {std::min(lo, hi), std::max(lo, hi)}) {
            m_steps[out] = m_steps[keep];
            m_times[out] = m_times[keep];
            m_values[out] = m_values[keep];
            ++out;
            if (lo == hi)
                break;
        }
    }
    m_steps.resize(out);
    m_times.resize(out);
    m_values.resize(out);
    ++m_revision;
    ++m_generation;
}

} // namespace mldesk::ui
