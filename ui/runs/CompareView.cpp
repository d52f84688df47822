// CompareView: overlaid charts and the difference table.
#include "ui/runs/CompareView.h"

#include "ui/charts/LiveChart.h"
#include "ui/runs/RunDetails.h"

#include <QHeaderView>
#include <QJsonArray>
#include <QJsonObject>
#include <QMap>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>

#include <cmath>

namespace mldesk::ui {

CompareView::CompareView(const QList<core::RunRecord> &runs, const QList<QList<core::MetricPoint>> &metrics,
                         QWidget *parent)
    : QWidget(parent)
{
    setObjectName(QStringLiteral("compareView"));
    m_chart = new LiveChart;
    for (int i = 0; i < runs.size(); ++i) {
        m_chart->addRun(runs[i].uid, RunDetails::title(runs[i]));
        QHash<QString, QList<MetricPoint>> byName;
        for (const core::MetricPoint &p : metrics.value(i)) {
            if (!std::isnan(p.value))
                byName[p.name].append(MetricPoint{double(p.step), p.timeMs / 1000.0, p.value});
        }
        for (auto it = byName.cbegin(); it != byName.cend(); ++it)
            m_chart->appendPoints(runs[i].uid, it.key(), it.value());
    }
    m_chart->refreshNow();

    // Rows: what each run was given, then each metric's last value.
    QList<QMap<QString, QString>> columns;
    QStringList rowNames;
    auto add = [&](QMap<QString, QString> &column, const QString &key, const QString &value) {
        column.insert(key, value);
        if (!rowNames.contains(key))
            rowNames.append(key);
    };
    for (int i = 0; i < runs.size(); ++i) {
        QMap<QString, QString> column;
        const QJsonObject c = runs[i].configuration;
        add(column, tr("State"), core::runStateName(runs[i].state));
        add(column, tr("Environment"), c.value(u"environment").toObject().value(u"name").toString());
        add(column, tr("Compute"), runs[i].computeTarget);
        const QJsonArray args = c.value(u"resolved_arguments").toArray();
        for (int a = 0; a < args.size(); ++a) {
            const QString arg = args[a].toString();
            if (arg.startsWith(u"--")) {
                const bool hasValue = a + 1 < args.size() && !args[a + 1].toString().startsWith(u"--");
                add(column, arg, hasValue ? args[a + 1].toString() : QStringLiteral("(set)"));
                if (hasValue)
                    ++a;
            }
        }
        QMap<QString, double> last;
        for (const core::MetricPoint &p : metrics.value(i))
            last.insert(p.name, p.value);
        for (auto it = last.cbegin(); it != last.cend(); ++it)
            add(column, tr("%1 (last)").arg(it.key()), QString::number(it.value(), 'g', 5));
        columns.append(column);
    }
    m_table = new QTableWidget(int(rowNames.size()), int(runs.size()));
    m_table->setObjectName(QStringLiteral("compareTable"));
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setVerticalHeaderLabels(rowNames);
    QStringList headers;
    for (const core::RunRecord &r : runs)
        headers.append(RunDetails::title(r));
    m_table->setHorizontalHeaderLabels(headers);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->horizontalHeader()->setDefaultSectionSize(200);
    const QColor highlight(241, 196, 15, 70);
    for (int row = 0; row < rowNames.size(); ++row) {
        QSet<QString> values;
        for (const auto &column : std::as_const(columns))
            values.insert(column.value(rowNames[row]));
        for (int col = 0; col < columns.size(); ++col) {
            auto *item = new QTableWidgetItem(columns[col].value(rowNames[row]));
            if (values.size() > 1)
                item->setBackground(highlight);
            m_table->setItem(row, col, item);
        }
        if (values.size() > 1)
            m_table->verticalHeaderItem(row)->setData(Qt::UserRole, true);
    }

    auto *split = new QSplitter(Qt::Vertical);
    split->addWidget(m_chart);
    split->addWidget(m_table);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 1);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 6, 0, 0);
    layout->addWidget(split);
}

QStringList CompareView::differingRows() const
{
    QStringList rows;
    for (int row = 0; row < m_table->rowCount(); ++row) {
        if (m_table->verticalHeaderItem(row)->data(Qt::UserRole).toBool())
            rows.append(m_table->verticalHeaderItem(row)->text());
    }
    return rows;
}

} // namespace mldesk::ui
