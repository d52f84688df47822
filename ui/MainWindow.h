// MainWindow: the thin shell of the desktop app (CONVENTIONS 5): menus, a navigation list, one page per pane,
// the current workspace in the title and status bar. Panes do the work; this class only hosts and switches them.
#pragma once

#include "ui/WorkspacePicker.h"

#include <QList>
#include <QMainWindow>

#include <memory>

class QActionGroup;
class QLabel;
class QMenu;
class QListWidget;
class QStackedWidget;
class QTableView;

namespace mldesk::core {
class Workspace;
}

namespace mldesk::ui {

class ActivityList;
class DeleteActions;
class Pane;
class RunsPane;

class MainWindow final : public QMainWindow {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MainWindow)

public:
    enum PaneIndex { Datasets, Environments, Compute, Runs, Models, Endpoints, PaneCount };

    explicit MainWindow(QWidget *parent = nullptr);
    ~MainWindow() override;

    // Makes workspace the current one (the previous one is closed), remembers it as the most recent.
    void setWorkspace(std::unique_ptr<core::Workspace> workspace);
    core::Workspace *workspace() const { return m_workspace.get(); }

    // Opens the workspace picker (window-modal, without blocking the caller); error, when given, is shown in it
    // and suggestedFolder prefills its folder fields.
    void showWorkspacePicker(const QString &error = {}, const QString &suggestedFolder = {});
    WorkspacePicker *workspacePicker() const { return m_picker; }
    // The folder dialog the picker uses (tests answer it directly).
    void setFolderChooser(WorkspacePicker::FolderChooser chooser);

    void showPane(int index);
    int currentPane() const;
    Pane *pane(int index) const { return m_panes.value(index); }
    RunsPane *runsPane() const;
    ActivityList *activityList() const { return m_activities; }

    // Re-reads the current workspace into every pane (View > Refresh).
    void refresh();
    void showAbout();
    void showShortcuts();  // Help > Keyboard Shortcuts (F1)
    void deleteSelected(); // Edit > Delete Selected (Del): the current pane's selected run(s) or version
    DeleteActions *deleteActions() const { return m_deletes; }

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void createMenus();
    void addThemeMenu(QMenu *view);
    QWidget *createNoWorkspacePage();
    void updateWorkspaceLabels();
    // The panes' named tables, whose column widths are kept in core::Settings between sessions.
    QList<QTableView *> mainTables() const;
    void restoreColumns();
    void saveColumns() const;

    std::unique_ptr<core::Workspace> m_workspace;
    WorkspacePicker::FolderChooser m_chooser;
    WorkspacePicker *m_picker = nullptr;
    QStackedWidget *m_central = nullptr; // the "no workspace" page or the shell
    QWidget *m_shell = nullptr;
    QListWidget *m_navigation = nullptr;
    QStackedWidget *m_paneStack = nullptr;
    QList<Pane *> m_panes;
    QActionGroup *m_paneActions = nullptr;
    DeleteActions *m_deletes = nullptr;
    QLabel *m_workspaceLabel = nullptr;
    ActivityList *m_activities = nullptr;
};

} // namespace mldesk::ui
