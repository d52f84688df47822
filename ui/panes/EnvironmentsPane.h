// EnvironmentsPane: the Environments page - environments with their kind and versions, the versions of the
// selected one, and the selected version's conda file (highlighted), docker image and variables.
// "Create Environment..." opens CreateEnvironmentDialog.
#pragma once

#include "ui/panes/Pane.h"

class QLabel;
class QPlainTextEdit;
class QStackedWidget;
class QTableView;

namespace mldesk::ui {

class CreateEnvironmentDialog;
class TableModel;

class EnvironmentsPane final : public Pane {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(EnvironmentsPane)

public:
    explicit EnvironmentsPane(QWidget *parent = nullptr);
    void setWorkspace(core::Workspace *workspace) override;
    QString selectedForDeletion() const override;

    CreateEnvironmentDialog *openCreateDialog();
    void selectEnvironment(const QString &name);
    TableModel *environmentsModel() const { return m_environments; }
    TableModel *versionsModel() const { return m_versions; }

private:
    void reload();
    void showVersions();
    void showDetails();

    core::Workspace *m_workspace = nullptr;
    TableModel *m_environments = nullptr;
    TableModel *m_versions = nullptr;
    QTableView *m_environmentView = nullptr;
    QTableView *m_versionView = nullptr;
    QPlainTextEdit *m_spec = nullptr;
    QLabel *m_details = nullptr;
    QWidget *m_toolbar = nullptr;
    QStackedWidget *m_stack = nullptr;
};

} // namespace mldesk::ui
