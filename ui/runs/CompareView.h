// CompareView: selected runs side by side - their metrics overlaid on the same charts (one colour per run, with
// a legend) and a table of their arguments, environment, compute and final metric values, rows that differ
// between the runs highlighted.
#pragma once

#include "core/runs/RunTypes.h"

#include <QWidget>

class QTableWidget;

namespace mldesk::ui {

class LiveChart;

class CompareView final : public QWidget {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CompareView)

public:
    // metrics: each run's points (same order as runs).
    CompareView(const QList<core::RunRecord> &runs, const QList<QList<core::MetricPoint>> &metrics,
                QWidget *parent = nullptr);

    LiveChart *chart() const { return m_chart; }
    QTableWidget *table() const { return m_table; }
    // Row labels of the rows whose values differ between the runs.
    QStringList differingRows() const;

private:
    LiveChart *m_chart = nullptr;
    QTableWidget *m_table = nullptr;
};

} // namespace mldesk::ui
