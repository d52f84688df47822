// RunContextMenu: the Runs table's menu for the run under the pointer - "Set Priority..." for a queued run (a sweep's
// while it is active), disabled with a tooltip saying why for one that has started or ended. The new priority is
// asked through a seam (tests answer it) and written on the run service's thread.
#pragma once

#include "core/runs/RunTypes.h"

#include <QObject>

#include <functional>
#include <optional>

class QMenu;
class QTableView;

namespace mldesk::core {
class RunServiceHost;
}

namespace mldesk::ui {

class RunsTableModel;

class RunContextMenu final : public QObject {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RunContextMenu)

public:
    // The text the user gave ("high", "250"); nullopt when they cancelled.
    using PriorityChooser = std::function<std::optional<QString>(QWidget *parent, const core::RunRecord &run)>;
    using ServiceGetter = std::function<core::RunServiceHost *()>;

    RunContextMenu(QTableView *table, RunsTableModel *model, ServiceGetter service, QObject *parent = nullptr);
    void setPriorityChooser(PriorityChooser chooser) { m_chooser = std::move(chooser); }

    // The menu for one run (the caller owns it).
    QMenu *createMenu(const core::RunRecord &run, QWidget *parent);
    // What "Set Priority..." does: ask, then write (or say what was wrong through message()).
    void setPriority(const core::RunRecord &run);

signals:
    void message(const QString &text);

private:
    QTableView *m_table;
    RunsTableModel *m_model;
    ServiceGetter m_service;
    PriorityChooser m_chooser;
};

} // namespace mldesk::ui
