// SweepView: trials table + parallel coordinates with brushing; see the header.
#include "ui/sweeps/SweepView.h"

#include "core/runs/RunStore.h"
#include "core/store/StoreReader.h"
#include "core/sweeps/SweepTrialsModel.h"
#include "core/workspace/Workspace.h"
#include "ui/charts/LiveChart.h"
#include "ui/dialogs/RegisterModelDialog.h"
#include "ui/sweeps/ParallelCoordinatesView.h"

#include <QFont>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QIdentityProxyModel>
#include <QLabel>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>

#include <utility>

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

struct SweepView::Read {
    bool ok = false; // false: the read failed (said in the log); the next one tries again
    std::optional<core::RunRecord> parent;
    core::SweepTrialsModel::Contents trials;
};

SweepView::SweepView(core::Workspace &workspace, core::StoreReader &reader, const core::RunRecord &parent,
                     QWidget *parentWidget)
    : QWidget(parentWidget), m_workspace(workspace), m_reader(reader), m_parent(parent)
{
    setObjectName(QStringLiteral("sweepView"));
    m_model = new core::SweepTrialsModel(parent, this);
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
    m_cancel = new QPushButton(tr("Cancel Sweep"));
    m_cancel->setObjectName(QStringLiteral("cancelSweepButton"));
    connect(m_cancel, &QPushButton::clicked, this, &SweepView::cancelSweep);
    m_register = new QPushButton(tr("Register Best Model\u2026"));
    m_register->setObjectName(QStringLiteral("registerBestButton"));
    connect(m_register, &QPushButton::clicked, this, &SweepView::registerBestModel);
    m_chart = new LiveChart;
    m_chart->setObjectName(QStringLiteral("sweepMetricChart"));
    auto *split = new QSplitter(Qt::Vertical);
    split->addWidget(m_coordinates);
    split->addWidget(m_table);
    split->addWidget(m_chart);
    auto *top = new QHBoxLayout;
    top->addWidget(m_summary, 1);
    top->addWidget(m_register);
    top->addWidget(m_cancel);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(split, 1);
    m_refresh = new QTimer(this);
    m_refresh->setInterval(1000);
    connect(m_refresh, &QTimer::timeout, this, &SweepView::reload);
    reload();
}

void SweepView::reload()
{
    if (m_reading) { // one read at a time: the chart adds each trial's points past what it holds, in order
        m_readAgain = true;
        return;
    }
    m_reading = true;
    m_reader.read(
        this,
        [id = m_parent.id, spec = m_model->spec()](core::Database &db) {
            try {
                return Read{true, core::RunStore(db).findById(id), core::SweepTrialsModel::read(db, id, spec)};
            } catch (const std::exception &e) { // answered all the same: a view that waits for it reads again
                qWarning("sweep view: reading the trials failed: %s", e.what());
                return Read{};
            }
        },
        [this](Read read) { showRead(std::move(read)); });
}

void SweepView::showRead(Read read)
{
    m_reading = false;
    if (!read.ok) {
        if (std::exchange(m_readAgain, false))
            reload();
        return;
    }
    if (read.parent)
        m_parent = *read.parent;
    m_model->setContents(std::move(read.trials));
    for (int row = 0; row < m_model->rowCount(); ++row) { // new points of every trial onto the one chart
        const QString uid = m_model->uid(row);
        const QList<core::MetricPoint> points = m_model->points(row);
        if (!m_charted.contains(uid))
            m_chart->addRun(uid, tr("trial %1").arg(m_model->data(m_model->index(row, 0)).toInt()));
        QList<MetricPoint> fresh;
        for (qsizetype i = m_charted.value(uid); i < points.size(); ++i)
            fresh.append(MetricPoint{double(points[i].step), points[i].timeMs / 1000.0, points[i].value});
        if (!fresh.isEmpty())
            m_chart->appendPoints(uid, m_model->spec().primaryMetric, fresh);
        m_charted.insert(uid, int(points.size()));
    }
    m_cancel->setEnabled(m_parent.isActive() && !m_parent.cancelRequested && !m_cancelAsked);
    m_register->setEnabled(m_model->bestRow() >= 0);
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
    emit loaded();
    if (std::exchange(m_readAgain, false))
        reload();
}

void SweepView::cancelSweep()
{
    // The pane cancels through the run service, off this thread: a read that comes back before its mark must not
    // turn the button on again (the periodic refresh shows the sweep ending).
    m_cancelAsked = true;
    m_cancel->setEnabled(false);
    emit cancelRequested(m_parent.uid);
}

RegisterModelDialog *SweepView::registerBestModel()
{
    if (m_model->bestRow() < 0)
        return nullptr;
    auto *dialog =
        new RegisterModelDialog(m_workspace, m_model->uid(m_model->bestRow()), QStringLiteral("outputs/model"), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->open();
    return dialog;
}

} // namespace mldesk::ui
