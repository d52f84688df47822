// DatasetsPane: the Datasets page - a table of datasets (name, latest version, files, size, registered), the
// versions of the selected one and the files of the selected version; "Register dataset..." opens the dialog.
#pragma once

#include "ui/panes/Pane.h"

#include <functional>

class QLineEdit;
class QSortFilterProxyModel;
class QStackedWidget;
class QTableView;

namespace mldesk::ui {

class RegisterDatasetDialog;
class TableModel;

class DatasetsPane final : public Pane {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DatasetsPane)

public:
    explicit DatasetsPane(QWidget *parent = nullptr);
    void setWorkspace(core::Workspace *workspace) override;
    QString selectedForDeletion() const override;
    void focusFind() override;

    // Opens the register dialog (non-modal for the event loop; tests find it by objectName).
    RegisterDatasetDialog *openRegisterDialog();
    // Selects the dataset and, when version > 0, that version.
    void selectDataset(const QString &name, int version = 0);

    TableModel *datasetsModel() const { return m_datasets; }
    TableModel *versionsModel() const { return m_versions; }
    TableModel *filesModel() const { return m_files; }

private:
    void reload();
    void showVersions();
    void showFiles();
    QString currentDataset() const;

    core::Workspace *m_workspace = nullptr;
    TableModel *m_datasets = nullptr;
    TableModel *m_versions = nullptr;
    TableModel *m_files = nullptr;
    QSortFilterProxyModel *m_proxy = nullptr;
    QTableView *m_datasetView = nullptr;
    QTableView *m_versionView = nullptr;
    QTableView *m_fileView = nullptr;
    QLineEdit *m_filter = nullptr;
    QStackedWidget *m_stack = nullptr;
    QWidget *m_toolbar = nullptr;
};

} // namespace mldesk::ui
