// DatasetsPane: the Datasets page - a table of datasets (name, latest version, files, size, registered), the
// versions of the selected one and the files of the selected version; "Register dataset..." opens the dialog.
// Everything it shows is read off the GUI thread by a StoreReader of its own (issue 12: a version may hold tens of
// thousands of files).
#pragma once

#include "core/store/StoreReader.h"
#include "ui/models/TableModel.h"
#include "ui/panes/Pane.h"
#include "ui/panes/ReadSequence.h"

#include <memory>

class QLineEdit;
class QSortFilterProxyModel;
class QStackedWidget;
class QTableView;

namespace mldesk::ui {

class RegisterDatasetDialog;

class DatasetsPane final : public Pane {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DatasetsPane)

public:
    explicit DatasetsPane(QWidget *parent = nullptr);
    ~DatasetsPane() override;
    void setWorkspace(core::Workspace *workspace) override;
    QString selectedForDeletion() const override;
    void focusFind() override;

    // Opens the register dialog (non-modal for the event loop; tests find it by objectName).
    RegisterDatasetDialog *openRegisterDialog();
    // Selects the dataset and, when version > 0, that version - at once when they are shown, else when the read
    // in flight brings them.
    void selectDataset(const QString &name, int version = 0);

    TableModel *datasetsModel() const { return m_datasets; }
    TableModel *versionsModel() const { return m_versions; }
    TableModel *filesModel() const { return m_files; }

signals:
    void loaded();         // a reload's answer is shown (the datasets table holds what the store held then)
    void versionsLoaded(); // the versions of the current dataset are shown
    void filesLoaded();    // the files of the current version are shown

private:
    struct Listed; // what a reload read
    void reload();
    void showLoaded(quint64 sequence, Listed listed);
    void loadVersions(); // of the current dataset, then its wanted version (else the newest)
    void showVersions(quint64 sequence, const QString &name, QList<TableModel::Row> rows);
    void loadFiles(); // of the current version
    QString currentDataset() const;
    int currentVersion() const;

    core::Workspace *m_workspace = nullptr;
    std::unique_ptr<core::StoreReader> m_reader;
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
    // An answer is shown only when no newer read of the same kind has begun since.
    ReadSequence m_reloads; // answered: shown, or failed
    ReadSequence m_versionReads;
    ReadSequence m_fileReads;
    QString m_versionsOf;     // the dataset whose versions the versions table shows
    QString m_filesOf;        // "name:version" whose files the files table shows
    QString m_wantedDataset;  // asked for (selectDataset, a registration) before the list held it
    int m_wantedVersion = 0;  // selected when the current dataset's versions come (0: the newest)
    bool m_selecting = false; // the pane itself moves the current row: no read from the slot
};

} // namespace mldesk::ui
