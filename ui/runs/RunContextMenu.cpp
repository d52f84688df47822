// RunContextMenu: the Runs table's per-run menu; see the header.
#include "ui/runs/RunContextMenu.h"

#include "ui/models/RunsTableModel.h"

#include "core/runs/RunServiceHost.h"
#include "core/runs/RunStore.h"
#include "core/workspace/WorkspaceError.h"

#include <QInputDialog>
#include <QMenu>
#include <QTableView>

namespace mldesk::ui {

RunContextMenu::RunContextMenu(QTableView *table, RunsTableModel *model, ServiceGetter service, QObject *parent)
    : QObject(parent), m_table(table), m_model(model), m_service(std::move(service))
{
    m_chooser = [](QWidget *parentWidget, const core::RunRecord &run) -> std::optional<QString> {
        bool ok = false;
        // Editable: the three names, or any number typed in.
        const QString text = QInputDialog::getItem(
            parentWidget, tr("Set Priority"),
            tr("Priority of %1 (now %2): low, normal, high or a number from %3 to %4; higher starts first.")
                .arg(run.displayName.isEmpty() ? run.uid : run.displayName, core::runPriorityText(run.priority))
                .arg(core::kRunPriorityMin)
                .arg(core::kRunPriorityMax),
            {QStringLiteral("low"), QStringLiteral("normal"), QStringLiteral("high")},
            run.priority == core::kRunPriorityLow    ? 0
            : run.priority == core::kRunPriorityHigh ? 2
                                                     : 1,
            true, &ok);
        return ok ? std::optional<QString>(text) : std::nullopt;
    };
    table->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(table, &QTableView::customContextMenuRequested, this, [this](const QPoint &pos) {
        const QModelIndex index = m_table->indexAt(pos);
        const int row = index.isValid() ? m_model->rowOf(index.data(RunsTableModel::UidRole).toString()) : -1;
        if (row < 0)
            return;
        QMenu *menu = createMenu(m_model->run(row), m_table);
        menu->setAttribute(Qt::WA_DeleteOnClose);
        menu->popup(m_table->viewport()->mapToGlobal(pos));
    });
}

QMenu *RunContextMenu::createMenu(const core::RunRecord &run, QWidget *parent)
{
    auto *menu = new QMenu(parent);
    menu->setObjectName(QStringLiteral("runContextMenu"));
    menu->setToolTipsVisible(true);
    QAction *priority = menu->addAction(tr("Set Priority\u2026"));
    priority->setObjectName(QStringLiteral("setPriorityAction"));
    const QString refusal = core::RunStore::priorityRefusal(run);
    priority->setEnabled(refusal.isEmpty() && m_service());
    priority->setToolTip(
        refusal.isEmpty()
            ? tr("Change where this queued run stands in the queue (now %1)").arg(core::runPriorityText(run.priority))
            : refusal);
    connect(priority, &QAction::triggered, this, [this, run] { setPriority(run); });
    return menu;
}

void RunContextMenu::setPriority(const core::RunRecord &run)
{
    const std::optional<QString> text = m_chooser(m_table->window(), run);
    core::RunServiceHost *service = m_service();
    if (!text || !service)
        return;
    QString problem;
    const std::optional<int> priority = core::runPriorityFromText(*text, &problem);
    try {
        if (!priority)
            throw core::WorkspaceError(problem);
        service->setPriority(run.uid, *priority);
    } catch (const core::WorkspaceError &e) {
        emit message(e.message());
    }
}

} // namespace mldesk::ui
