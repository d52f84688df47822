// MetricBuffer: the bounded store of one metric of one run that a live chart pulls from (CONVENTIONS 8). The run
// watcher appends batches; the chart reads on its own timer. Past the capacity the buffer halves itself by keeping
// the minimum and maximum of every 4 points, so memory stays bounded and spikes survive.
#pragma once

#include <QtGlobal>

#include <vector>

namespace mldesk::ui {

struct MetricPoint {
    double step = 0;
    double time = 0; // wall time, seconds since the epoch
    double value = 0;
};

class MetricBuffer final {
public:
    explicit MetricBuffer(qsizetype capacity = 2'000'000);

    void append(const MetricPoint &point);
    void clear();
    // Takes whole columns at once (a loader builds them on a worker thread; moving them in costs nothing). The three
    // have one entry per point, ordered by step; past the capacity they are compacted as appends would be.
    void assign(std::vector<double> steps, std::vector<double> times, std::vector<double> values);

    qsizetype size() const { return qsizetype(m_values.size()); }
    qsizetype capacity() const { return m_capacity; }
    // Increases on every change: a chart redraws when the revision it drew differs.
    quint64 revision() const { return m_revision; }
    // Increases when points already held change (cleared, assigned, compacted) rather than only new ones arriving:
    // a chart that follows the buffer incrementally starts over then.
    quint64 generation() const { return m_generation; }

    const double *steps() const { return m_steps.data(); }
    const double *times() const { return m_times.data(); }
    const double *values() const { return m_values.data(); }
    double lastValue() const { return m_values.empty() ? 0 : m_values.back(); }

private:
    void compact();

    qsizetype m_capacity;
    quint64 m_revision = 0;
    quint64 m_generation = 0;
    std::vector<double> m_steps;
    std::vector<double> m_times;
    std::vector<double> m_values;
};

} // namespace mldesk::ui
