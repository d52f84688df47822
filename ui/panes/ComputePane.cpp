// ComputePane: targets from ComputeTargetRegistry, the local machine from LocalComputeStatus (off the UI thread), a
// Slurm target's status from SlurmStatusView (also off the UI thread) for the selected row.
#include "ui/panes/ComputePane.h"

#include "core/compute/ComputeTargetRegistry.h"
#include "core/workspace/Workspace.h"
#include "core/workspace/WorkspaceError.h"
#include "ui/dialogs/SlurmTargetDialog.h"
#include "ui/models/TableModel.h"
#include "ui/panes/SlurmStatusView.h"
#include "ui/widgets/ActivityList.h"
#include "ui/widgets/TableViews.h"

#include <QFutureWatcher>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QPointer>
#include <QPushButton>
#include <QSplitter>
#include <QStackedWidget>
#include <QTableView>
#include <QVBoxLayout>
#include <QtConcurrent>

namespace mldesk::ui {

ComputePane::ComputePane(QWidget *parent)
    : Pane(tr("Compute"), tr("Where runs execute: this machine's GPUs and CPUs, or a Slurm cluster."),
           QStringLiteral("compute"), parent)
{
    setObjectName(QStringLiteral("computePane"));
    m_targets = new TableModel({tr("Name"), tr("Type"), tr("Status"), tr("Details"), tr("Created")}, this);
    m_gpus = new TableModel({tr("GPU"), tr("Name"), tr("Memory"), tr("Compute capability")}, this);
    m_gpus->setNumericColumns({0, 2});
    m_targetView = makeTableView(QStringLiteral("targetsTable"), m_targets, false);
    m_targetView->horizontalHeader()->resizeSection(2, 200);
    m_targetView->horizontalHeader()->resizeSection(3, 340);
    auto *gpuView = makeTableView(QStringLiteral("gpusTable"), m_gpus, false);
    gpuView->horizontalHeader()->resizeSection(1, 280);

    m_localSummary = new QLabel(tr("Looking at this machine\u2026"));
    m_localSummary->setObjectName(QStringLiteral("localSummary"));
    m_localSummary->setWordWrap(true);
    m_localSummary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_message = new QLabel;
    m_message->setObjectName(QStringLiteral("messageLabel"));
    m_message->setWordWrap(true);
    m_message->hide();

    auto *add = new QPushButton(tr("Add Slurm Cluster\u2026"));
    add->setObjectName(QStringLiteral("addSlurmButton"));
    m_remove = new QPushButton(tr("Remove"));
    m_remove->setObjectName(QStringLiteral("removeTargetButton"));
    auto *probe = new QPushButton(tr("Probe Again"));
    probe->setObjectName(QStringLiteral("probeButton"));
    m_toolbar = new QWidget;
    auto *tools = new QHBoxLayout(m_toolbar);
    tools->setContentsMargins(0, 0, 0, 0);
    tools->addWidget(add);
    tools->addWidget(m_remove);
    tools->addStretch(1);
    tools->addWidget(probe);

    auto *local = new QWidget;
    auto *localLayout = new QVBoxLayout(local);
    localLayout->setContentsMargins(0, 0, 0, 0);
    localLayout->addWidget(m_localSummary);
    localLayout->addWidget(gpuView, 1);
    m_slurmStatus = new SlurmStatusView;
    m_detail = new QStackedWidget;
    m_detail->setObjectName(QStringLiteral("computeDetail"));
    m_detail->addWidget(titled(tr("This machine (target \u201clocal\u201d)"), local));
    m_detail->addWidget(m_slurmStatus);
    auto *split = new QSplitter(Qt::Vertical);
    split->addWidget(titled(tr("Targets"), m_targetView));
    split->addWidget(m_detail);

    m_stack = new QStackedWidget;
    m_stack->addWidget(emptyState());
    m_stack->addWidget(split);
    contentLayout()->addWidget(m_toolbar);
    contentLayout()->addWidget(m_message);
    contentLayout()->addWidget(m_stack, 1);

    connect(add, &QPushButton::clicked, this, &ComputePane::openSlurmDialog);
    connect(m_remove, &QPushButton::clicked, this, &ComputePane::removeSelected);
    connect(probe, &QPushButton::clicked, this, &ComputePane::probeLocal);
    connect(m_targetView->selectionModel(), &QItemSelectionModel::currentRowChanged, this, &ComputePane::showSelected);
    connect(m_slurmStatus, &SlurmStatusView::statusChanged, this, [this](const QString &name, const QString &text) {
        m_slurmStatusText.insert(name, text);
        const int row = m_targets->rowOfKey(name);
        if (row >= 0)
            m_targets->setCell(row, 2, {text});
    });
    setWorkspace(nullptr);
}

void ComputePane::setWorkspace(core::Workspace *workspace)
{
    if (workspace != m_workspace) {
        m_slurmStatusText.clear();
        m_slurmStatus->clearTarget();
    }
    m_workspace = workspace;
    reload(); // also asks the selected Slurm target again (View > Refresh, F5)
    if (workspace && !m_local && !m_probing)
        probeLocal();
}

void ComputePane::probeLocal()
{
    if (m_probing)
        return;
    m_probing = true;
    m_localSummary->setText(tr("Looking at this machine\u2026"));
    const int activity = activityList() ? activityList()->start(tr("Probing local CPUs and GPUs")) : 0;
    auto *watcher = new QFutureWatcher<core::LocalComputeStatus>(this);
    QPointer<ActivityList> activities = activityList();
    connect(watcher, &QFutureWatcher<core::LocalComputeStatus>::finished, this, [this, watcher, activities, activity] {
        m_local = watcher->result();
        m_probing = false;
        watcher->deleteLater();
        if (activities && activity)
            activities->finish(activity);
        showLocal();
        reload();
    });
    watcher->setFuture(QtConcurrent::run([] { return core::LocalComputeStatus::probe(); }));
}

void ComputePane::showLocal()
{
    QList<TableModel::Row> rows;
    if (!m_local) {
        m_gpus->setRows(rows);
        return;
    }
    const core::LocalComputeStatus &s = *m_local;
    QString summary = tr("%n CPU core(s)", nullptr, s.cpuCores);
    if (s.memoryBytes > 0)
        summary += tr(", %1 memory").arg(TableModel::formatBytes(s.memoryBytes));
    if (!s.gpuError.isEmpty())
        summary += tr(". GPUs unknown: %1").arg(s.gpuError);
    else if (s.gpus.isEmpty())
        summary += s.cudaCompiled ? tr(". No GPU found: runs use the CPU.")
                                  : tr(". This build has no CUDA: runs use the CPU.");
    else
        summary += tr(". %n GPU(s): runs use them first, one run per GPU.", nullptr, int(s.gpus.size()));
    m_localSummary->setText(summary);
    for (const core::GpuDevice &gpu : s.gpus) {
        rows.append({gpu.index,
                     {{QString::number(gpu.index), gpu.index},
                      {gpu.name},
                      {TableModel::formatBytes(gpu.memoryBytes), gpu.memoryBytes},
                      {gpu.computeCapability}}});
    }
    m_gpus->setRows(rows);
}

void ComputePane::reload()
{
    m_toolbar->setVisible(m_workspace != nullptr);
    const QString selected = selectedName();
    QList<core::ComputeTarget> list;
    if (m_workspace)
        list = core::ComputeTargetRegistry(m_workspace->database()).list();
    QList<TableModel::Row> rows;
    for (const core::ComputeTarget &t : std::as_const(list)) {
        QString status;
        QString details;
        if (t.kind == core::ComputeTarget::Kind::Local) {
            status = !m_local ? tr("probing\u2026")
                              : (m_local->gpus.isEmpty() ? tr("ready (CPU)")
                                                         : tr("ready (%n GPU(s))", nullptr, int(m_local->gpus.size())));
            details = tr("this machine");
        } else {
            status = m_slurmStatusText.value(t.name, tr("select to check"));
            details = t.slurm.url +
                      (t.slurm.partition.isEmpty() ? QString() : tr(", partition %1").arg(t.slurm.partition)) +
                      tr(", %1-%2 node(s)").arg(t.slurm.nodesMin).arg(t.slurm.nodesMax) +
                      (t.slurm.gpusPerNode > 0 ? tr(", %1 GPU(s) per node").arg(t.slurm.gpusPerNode) : QString());
        }
        rows.append({t.name,
                     {{t.name},
                      {core::ComputeTarget::kindName(t.kind)},
                      {status},
                      {details},
                      {TableModel::formatDate(t.created), t.created}}});
    }
    m_targets->setRows(rows);
    if (const int row = m_targets->rowOfKey(selected); row >= 0) {
        const QSignalBlocker blocker(m_targetView->selectionModel());
        m_targetView->selectRow(row);
    }
    showSelected();
    showCount(m_workspace, int(list.size()), tr("No compute targets"), tr("target"), tr("targets"), {});
    m_stack->setCurrentIndex(m_workspace ? 1 : 0);
}

QString ComputePane::selectedName() const
{
    return m_targetView->currentIndex().data(TableModel::KeyRole).toString();
}

bool ComputePane::selectTarget(const QString &name)
{
    const int row = m_targets->rowOfKey(name);
    if (row < 0)
        return false;
    m_targetView->selectRow(row);
    showSelected(); // also when the row was current already
    return true;
}

void ComputePane::showSelected()
{
    std::optional<core::ComputeTarget> target;
    if (m_workspace) {
        const QString name = selectedName();
        if (!name.isEmpty())
            target = core::ComputeTargetRegistry(m_workspace->database()).find(name);
    }
    if (!target || target->kind != core::ComputeTarget::Kind::Slurm) {
        m_slurmStatus->clearTarget();
        m_detail->setCurrentIndex(0);
        return;
    }
    m_detail->setCurrentIndex(1);
    m_slurmStatus->setTarget(m_workspace->path(), *target);
}

SlurmTargetDialog *ComputePane::openSlurmDialog()
{
    if (!m_workspace)
        return nullptr;
    auto *dialog = new SlurmTargetDialog(*m_workspace, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &SlurmTargetDialog::created, this, &ComputePane::reload);
    dialog->open();
    return dialog;
}

void ComputePane::removeSelected()
{
    const QString name = selectedName();
    if (!m_workspace || name.isEmpty())
        return;
    try {
        core::ComputeTargetRegistry(m_workspace->database()).remove(name);
        m_message->hide();
    } catch (const core::WorkspaceError &e) {
        m_message->setText(e.message());
        m_message->setStyleSheet(QStringLiteral("color: #c0392b;"));
        m_message->show();
    }
    reload();
}

} // namespace mldesk::ui
