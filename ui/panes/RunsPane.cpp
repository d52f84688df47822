// RunsPane: the runs table's loading, the detail/compare tabs and the RunServiceHost wiring; the list page's
// widgets (table, filters, toolbar) are built in RunsPaneListPage.cpp.
#include "ui/panes/RunsPane.h"

#include "core/experiments/ExperimentStore.h"
#include "core/runs/RunTableData.h"
#include "core/store/Database.h"
#include "core/store/MetricChunks.h"
#include "core/workspace/Workspace.h"
#include "ui/models/RunsFilterModel.h"
#include "ui/models/RunsTableModel.h"
#include "ui/runs/RunContextMenu.h"
#include "ui/runs/RunDetails.h"
#include "ui/runs/RunOutputs.h"
#include "ui/runs/RunsChartsView.h"
#include "ui/runs/SubmitRunDialog.h"
#include "ui/sweeps/SubmitSweepDialog.h"
#include "ui/sweeps/SweepView.h"
#include "ui/widgets/ActivityList.h"

#include <QComboBox>
#include <QFutureWatcher>
#include <QHBoxLayout>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QScrollBar>
#include <QStackedWidget>
#include <QTabBar>
#include <QTabWidget>
#include <QTableView>
#include <QThreadPool>
#include <QTimer>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>
#include <cmath>

namespace mldesk::ui {

RunsPane::RunsPane(QWidget *parent)
    : Pane(tr("Runs"), tr("Training runs grouped by experiment: their state, logs, metrics and outputs."),
           QStringLiteral("runs"), parent)
{
    setObjectName(QStringLiteral("runsPane"));
    m_model = new RunsTableModel(this);
    m_filter = new RunsFilterModel(this);
    m_filter->setSourceModel(m_model);

    m_tabs = new QTabWidget;
    m_tabs->setObjectName(QStringLiteral("runTabs"));
    m_tabs->setDocumentMode(true);
    m_tabs->setTabsClosable(true);
    m_tabs->addTab(createListPage(), tr("All Runs"));
    m_tabs->tabBar()->setTabButton(0, QTabBar::RightSide, nullptr);
    m_tabs->tabBar()->setTabButton(0, QTabBar::LeftSide, nullptr);
    connect(m_tabs, &QTabWidget::tabCloseRequested, this, [this](int index) {
        if (index > 0)
            delete m_tabs->widget(index);
    });
    emptyState()->hide();
    contentLayout()->addWidget(m_tabs, 1);
    setWorkspace(nullptr);
}

RunsPane::~RunsPane()
{
    for (int id : std::as_const(m_activities)) {
        if (activityList())
            activityList()->finish(id);
    }
}

void RunsPane::setWorkspace(core::Workspace *workspace)
{
    if (workspace != m_workspace || !workspace) {
        while (m_tabs->count() > 1)
            delete m_tabs->widget(1);
        for (int id : std::as_const(m_activities)) {
            if (activityList())
                activityList()->finish(id);
        }
        m_activities.clear();
        m_firstReloadOfWorkspace = m_reloadsStarted + 1; // the reload below
        m_liveChanges.clear();
        m_sweeps.reset();
        m_reader.reset();
        m_service.reset();
        m_workspace = workspace;
        if (workspace) {
            m_service = std::make_unique<core::RunServiceHost>(*workspace, m_options);
            m_reader = std::make_unique<core::StoreReader>(workspace->database());
            connectService();
            m_service->start();
            // Sweeps (issue 16): this window drives the workspace's sweeps too (a lease per sweep decides who).
            m_sweeps = std::make_unique<core::SweepService>(workspace->path(), core::SweepService::Options{});
            m_sweeps->start();
        }
        m_charts->setSource(workspace ? workspace->database().filePath() : QString(), m_service.get());
    }
    reload();
}

void RunsPane::connectService()
{
    core::RunServiceHost *s = m_service.get();
    connect(s, &core::RunServiceHost::runSubmitted, this, &RunsPane::runChanged);
    connect(s, &core::RunServiceHost::runStateChanged, this, &RunsPane::runChanged);
    // A note (e.g. "cluster unreachable, retrying ...") set or cleared: the table row and the open details follow.
    connect(s, &core::RunServiceHost::runNoteChanged, this, &RunsPane::runChanged);
    connect(s, &core::RunServiceHost::runPriorityChanged, this, &RunsPane::runChanged);
    connect(s, &core::RunServiceHost::metricsAppended, this,
            [this](const QString &uid, const QList<core::MetricPoint> &points) {
                if (m_reloadShown < m_reloadsStarted)
                    m_liveChanges.append({m_reloadsStarted, std::nullopt, uid, points});
                m_model->addMetrics(uid, points);
                if (RunDetails *d = details(uid))
                    d->addMetrics(points);
            });
    connect(s, &core::RunServiceHost::logAppended, this, [this](const QString &uid, const QString &text) {
        if (RunDetails *d = details(uid))
            d->logAppended(text);
    });
    connect(s, &core::RunServiceHost::warning, this, &RunsPane::showMessage);
}

void RunsPane::runChanged(const core::RunRecord &run)
{
    if (m_reloadShown < m_reloadsStarted)
        m_liveChanges.append({m_reloadsStarted, run, {}, {}});
    m_model->upsert(run);
    updateActivity(run);
    if (RunDetails *d = details(run.uid)) {
        if (!run.history.isEmpty()) // the service's records are full ones: no need to read the store
            d->setRun(run);
        else
            loadFullRecord(d);
    }
    if (m_experimentFilter->findData(run.experiment) < 0)
        m_experimentFilter->addItem(run.experiment, run.experiment);
}

void RunsPane::updateActivity(const core::RunRecord &run)
{
    ActivityList *list = activityList();
    if (!list)
        return;
    const QString title = tr("Run %1").arg(RunDetails::title(run));
    if (run.isActive()) {
        if (!m_activities.contains(run.uid)) {
            const QString uid = run.uid;
            m_activities.insert(uid, list->start(title, [this, uid] {
                if (m_service)
                    m_service->cancel(uid);
            }));
        }
        list->update(m_activities.value(run.uid), core::runStateName(run.state));
    } else if (m_activities.contains(run.uid)) {
        list->finish(m_activities.take(run.uid));
    }
}

struct RunsPane::Loaded {
    std::optional<RunsTableModel::Contents> contents; // none: the read failed
    QList<core::Experiment> experiments;
};

void RunsPane::reload()
{
    const quint64 sequence = ++m_reloadsStarted;
    if (!m_workspace) {
        m_reloadShown = sequence;
        m_liveChanges.clear();
        m_model->setRuns({});
        m_tabs->hide();
        emptyState()->show();
        showCount(nullptr, 0, {}, {}, {}, {});
        return;
    }
    emptyState()->hide();
    m_tabs->show();
    // Read and grouped on a worker with its own connection, whatever the workspace's size (issue 12: reading 2,000
    // runs with their metric summaries takes longer than the GUI thread may stall). Not on the pane's StoreReader: a
    // 10,000-run load must not hold a run's details behind it. Its own pool, not the global one: Qt's raster
    // painting waits for the global pool's threads (see loadRunTable).
    auto *watcher = new QFutureWatcher<Loaded>(this);
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, sequence] {
        watcher->deleteLater();
        showLoaded(sequence, watcher->result());
    });
    static QThreadPool loaders;
    watcher->setFuture(QtConcurrent::run(&loaders, [file = m_workspace->database().filePath()] {
        Loaded loaded;
        try {
            const auto connection = core::Database::open(file);
            core::RunTableData table = core::loadRunTable(*connection);
            loaded.contents = RunsTableModel::prepare(std::move(table.runs), table.metrics);
            loaded.experiments = core::ExperimentStore(*connection).list();
        } catch (const std::exception &e) {
            qWarning("runs: reading the runs table failed: %s", e.what());
            loaded.contents.reset();
        }
        return loaded;
    }));
}

void RunsPane::showLoaded(quint64 sequence, Loaded loaded)
{
    // A reload that began before the one already shown read an older state (e.g. before a delete): dropped.
    if (sequence < m_reloadShown || sequence < m_firstReloadOfWorkspace)
        return;
    m_reloadShown = sequence;
    // What the service said since this reload began may be newer than what it read: applied again below.
    m_liveChanges.removeIf([sequence](const LiveChange &c) { return c.reloadsStarted < sequence; });
    if (!loaded.contents) {
        showMessage(tr("Could not read the runs of this workspace; see the log. Try View > Refresh (F5)."));
        emit this->loaded();
        return;
    }
    const QString experiment = m_experimentFilter->currentData().toString();
    m_experimentFilter->blockSignals(true);
    m_experimentFilter->clear();
    m_experimentFilter->addItem(tr("All experiments"));
    for (const core::Experiment &e : std::as_const(loaded.experiments))
        m_experimentFilter->addItem(e.name, e.name);
    m_experimentFilter->setCurrentIndex(std::max(0, m_experimentFilter->findData(experiment)));
    m_experimentFilter->blockSignals(false);
    showTable(std::move(*loaded.contents));
    for (const LiveChange &c : std::as_const(m_liveChanges)) {
        if (c.run) {
            m_model->upsert(*c.run);
            if (m_experimentFilter->findData(c.run->experiment) < 0)
                m_experimentFilter->addItem(c.run->experiment, c.run->experiment);
        } else {
            m_model->addMetrics(c.uid, c.points);
        }
    }
    if (m_reloadShown == m_reloadsStarted)
        m_liveChanges.clear(); // no reload in flight: nothing to apply them over
    emit this->loaded();
}

void RunsPane::showTable(RunsTableModel::Contents contents)
{
    // The model is reset: the selection, the current row and the row at the top of the view are kept by uid.
    const QStringList selected = selectedUids();
    const QString current = m_table->currentIndex().data(RunsTableModel::UidRole).toString();
    const QString top = m_table->indexAt(QPoint(0, 0)).data(RunsTableModel::UidRole).toString();
    const int across = m_table->horizontalScrollBar()->value();
    m_model->setContents(std::move(contents));
    for (int row = 0; row < m_model->rowCount(); ++row)
        updateActivity(m_model->run(row));
    const auto viewIndex = [this](const QString &uid) {
        const int row = uid.isEmpty() ? -1 : m_model->rowOf(uid);
        return row < 0 ? QModelIndex() : m_filter->mapFromSource(m_model->index(row, 0));
    };
    QItemSelection selection;
    for (const QString &uid : selected) {
        if (const QModelIndex index = viewIndex(uid); index.isValid())
            selection.select(index, index);
    }
    QItemSelectionModel *selectionModel = m_table->selectionModel();
    if (const QModelIndex index = viewIndex(current); index.isValid())
        selectionModel->setCurrentIndex(index, QItemSelectionModel::NoUpdate);
    if (!selection.isEmpty())
        selectionModel->select(selection, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    if (const QModelIndex index = viewIndex(top); index.isValid())
        m_table->scrollTo(index, QAbstractItemView::PositionAtTop);
    m_table->horizontalScrollBar()->setValue(across);
}

void RunsPane::focusFind()
{
    m_tabs->setCurrentIndex(0);
    m_textFilter->setFocus(Qt::ShortcutFocusReason);
    m_textFilter->selectAll();
}

void RunsPane::showMessage(const QString &text)
{
    m_message->setText(text);
    m_message->setVisible(!text.isEmpty());
}

QStringList RunsPane::selectedUids() const
{
    QStringList uids;
    for (const QModelIndex &index : m_table->selectionModel()->selectedRows())
        uids.append(index.data(RunsTableModel::UidRole).toString());
    return uids;
}

SubmitSweepDialog *RunsPane::openSubmitSweepDialog()
{
    if (!m_workspace)
        return nullptr;
    auto *dialog = new SubmitSweepDialog(*m_workspace, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &SubmitSweepDialog::submitted, this, [this](const core::RunRecord &run) {
        runChanged(run); // listed at once; the reload brings its trials as they come
        reload();
        openDetails(run.uid);
    });
    dialog->open();
    return dialog;
}

SubmitRunDialog *RunsPane::openSubmitDialog()
{
    if (!m_workspace)
        return nullptr;
    auto *dialog = new SubmitRunDialog(*m_workspace, *m_service, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &SubmitRunDialog::submitted, this, [this](const core::RunRecord &run) {
        runChanged(run);
        openDetails(run.uid);
    });
    dialog->open();
    return dialog;
}

SubmitRunDialog *RunsPane::cloneSelected()
{
    const QStringList uids = selectedUids();
    const int row = uids.isEmpty() ? -1 : m_model->rowOf(uids.constFirst());
    if (row < 0 || !m_service)
        return nullptr;
    // The table's record holds what a request needs (configuration, tags): nothing is read from the store here.
    const core::RunRequest request = SubmitRunDialog::requestOf(m_model->run(row));
    SubmitRunDialog *dialog = openSubmitDialog();
    if (dialog)
        dialog->setRequest(request);
    return dialog;
}

RunDetails *RunsPane::details(const QString &uid) const
{
    return m_details.value(uid).data();
}

RunDetails *RunsPane::openDetails(const QString &uid)
{
    if (RunDetails *open = details(uid)) {
        m_tabs->setCurrentWidget(open);
        return open;
    }
    if (!m_service)
        return nullptr;
    // The table's record opens the tab at once; the full one (history) and the metrics are read off the GUI thread
    // (a run's series may be a million points). A run not listed yet is read by the reader and opened then.
    const int row = m_model->rowOf(uid);
    if (row < 0) {
        m_reader->read(
            this, [uid](core::Database &db) { return core::RunStore(db).find(uid); },
            [this](std::optional<core::RunRecord> run) {
                if (run && m_service) {
                    runChanged(*run);
                    openDetails(run->uid);
                }
            });
        return nullptr;
    }
    const core::RunRecord run = m_model->run(row);
    auto *d = new RunDetails(run);
    d->setWorkspace(m_workspace);
    if (run.isSweep()) { // a sweep's parent: its trials (issue 16)
        auto *sweep = new SweepView(*m_workspace, *m_reader, run);
        connect(sweep, &SweepView::cancelRequested, this, [this](const QString &id) { m_service->cancel(id); });
        d->tabs()->insertTab(1, sweep, tr("Trials"));
    }
    d->outputs()->setActivityList(activityList());
    loadFullRecord(d);
    d->beginLoadingMetrics();
    m_reader->read(
        d, [id = run.id](core::Database &db) { return core::MetricChunks::chunksAfter(db, id, 0); },
        [d](QList<core::MetricColumns> chunks) { d->loadMetrics(std::move(chunks)); });
    connect(d, &RunDetails::modelRegistered, this, &RunsPane::modelRegistered);
    connect(d, &RunDetails::cancelRequested, this, [this](const QString &id) { m_service->cancel(id); });
    m_details.insert(uid, d);
    m_tabs->setCurrentIndex(m_tabs->addTab(d, RunDetails::title(run)));
    return d;
}

void RunsPane::loadFullRecord(RunDetails *details)
{
    const QString uid = details->uid();
    m_reader->read(
        details, [uid](core::Database &db) { return core::RunStore(db).find(uid); },
        [details](std::optional<core::RunRecord> run) {
            // Unless the service's signal brought a full record meanwhile (newer than this read).
            if (run && details->run().history.isEmpty())
                details->setRun(*run);
        });
}

RunsChartsView *RunsPane::compareSelected()
{
    if (selectedUids().size() < 2 || !m_service) {
        showMessage(tr("Select two or more runs to compare (Ctrl+click or Shift+click in the table)."));
        return nullptr;
    }
    showMessage(QString());
    showCharts(true);
    return m_charts;
}

void RunsPane::showCharts(bool charts)
{
    m_tabs->setCurrentIndex(0);
    m_tableButton->setChecked(!charts);
    m_chartsButton->setChecked(charts);
    m_pages->setCurrentWidget(charts ? static_cast<QWidget *>(m_charts) : m_table);
    updateChartRuns();
}

void RunsPane::updateChartRuns()
{
    if (!m_charts || m_pages->currentWidget() != m_charts)
        return; // loaded when the Charts view is shown
    // The selected rows in table order, else every row the filter lets through (the first kMaxRuns).
    QList<int> rows;
    QModelIndexList selected = m_table->selectionModel()->selectedRows();
    std::sort(selected.begin(), selected.end(),
              [](const QModelIndex &a, const QModelIndex &b) { return a.row() < b.row(); });
    for (const QModelIndex &index : std::as_const(selected))
        rows.append(m_filter->mapToSource(index).row());
    const bool useSelection = !rows.isEmpty();
    if (!useSelection) {
        for (int row = 0; row < m_filter->rowCount(); ++row)
            rows.append(m_filter->mapToSource(m_filter->index(row, 0)).row());
    }
    QList<RunsChartsView::RunRef> runs;
    for (int row : std::as_const(rows)) {
        if (runs.size() >= RunsChartsView::kMaxRuns)
            break;
        if (row < 0 || row >= m_model->rowCount())
            continue;
        const core::RunRecord &run = m_model->run(row);
        runs.append({run.id, run.uid, RunDetails::title(run)});
    }
    m_charts->setRuns(runs, useSelection ? tr("selected") : tr("filtered"), int(rows.size()));
}

void RunsPane::closeCurrentTab()
{
    if (m_tabs->currentIndex() > 0)
        delete m_tabs->currentWidget();
}

} // namespace mldesk::ui
