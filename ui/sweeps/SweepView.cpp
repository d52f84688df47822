// SweepView: trials table + parallel coordinates with brushing; see the header.
#include "ui/sweeps/SweepView.h"

#include "core/runs/RunStore.h"
#include "core/sweeps/SweepTrialsModel.h"
#include "ui/sweeps/ParallelCoordinatesView.h"

#include <QFont>
#include <QHeaderView>
#include <QIdentityProxyModel>
#include <QLabel>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>

namespace mldesk::ui {

namespace {

// Rows the parallel-coordinates brushes reject are hidden; columns sort by their value, the best row is bold.
class TrialsFilter final : public QSortFilterProxyModel {
public:
    TrialsFilter(ParallelCoordinatesView *view, QObject *parent) : QSortFilterProxyModel(parent), m_view(view)
    {
        setSortRole(core::SweepTrialsModel::ValueRole);
    }
    void refilter() { invalidateFilter(); }
    QVariant data(const QModelIndex &index, int role) const override
    {
        if (role == Qt::FontRole && QSortFilterProxyModel::data(index, core::SweepTrialsModel::BestRole).toBool()) {
            QFont bold;
            bold.setBold(true);
            return bold;
        }
        return QSortFilterProxyModel::data(index, role);
    }

protected:
    bool filterAcceptsRow(int row, const QModelIndex &) const override { return m_view->accepts(row); }

private:
    ParallelCoordinatesView *m_view;
};

} // namespace

SweepView::SweepView(core::Database &db, const core::RunRecord &parent, QWidget *parentWidget)
    : QWidget(parentWidget), m_db(db), m_parent(parent)
{
    setObjectName(QStringLiteral("sweepView"));
    m_model = new core::SweepTrialsModel(db, parent, this);
    m_coordinates = new ParallelCoordinatesView(m_model);
    auto *filter = new TrialsFilter(m_coordinates, this);
    filter->setSourceModel(m_model);
    m_filter = filter;
    connect(m_coordinates, &ParallelCoordinatesView::brushChanged, filter, &TrialsFilter::refilter);
    m_table = new QTableView;
    m_table->setObjectName(QStringLiteral("sweepTrialsTable"));
    m_table->setModel(m_filter);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(core::SweepTrialsModel::TrialColumn, Qt::AscendingOrder);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_summary = new QLabel;
    m_summary->setObjectName(QStringLiteral("sweepSummary"));
    m_summary->setWordWrap(true);
    auto *split = new QSplitter(Qt::Vertical);
    split->addWidget(m_coordinates);
    split->addWidget(m_table);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_summary);
    layout->addWidget(split, 1);
    m_refresh = new QTimer(this);
    m_refresh->setInterval(1000);
    connect(m_refresh, &QTimer::timeout, this, &SweepView::reload);
    reload();
}

void SweepView::reload()
{
    if (auto fresh = core::RunStore(m_db).findById(m_parent.id))
        m_parent = *fresh;
    m_model->reload();
    const core::SweepSpec &spec = m_model->spec();
    QString text =
        tr("%1 - %2 of %3 trials, %4 %5")
            .arg(core::runStateName(m_parent.state))
            .arg(m_model->rowCount())
            .arg(spec.maxTotalTrials)
            .arg(spec.goal == core::SweepSpec::Goal::Maximize ? tr("maximize") : tr("minimize"), spec.primaryMetric);
    if (m_model->bestRow() >= 0)
        text += tr("; best: trial %1 (%2), %3 = %4")
                    .arg(m_model->data(m_model->index(m_model->bestRow(), 0)).toInt())
                    .arg(m_model->uid(m_model->bestRow()), spec.primaryMetric,
                         m_model->data(m_model->index(m_model->bestRow(), m_model->metricColumn())).toString());
    if (!m_parent.note.isEmpty())
        text += u'\n' + m_parent.note;
    m_summary->setText(text);
    if (m_parent.isActive() && !m_refresh->isActive())
        m_refresh->start();
    else if (!m_parent.isActive())
        m_refresh->stop();
}

} // namespace mldesk::ui
