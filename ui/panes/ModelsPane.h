// ModelsPane: the Models page - registered models (name, latest version, framework, versions, tags, registered),
// the versions of the selected one and its details (files with sizes and hashes, tags with add/remove, properties,
// lineage links that open the run or dataset), "Download..." (verified copy in the background), "Export Zip...",
// archive/restore with a "Show archived" toggle. Jobs run on the workspace's ModelService pool. What it shows is read
// off the GUI thread by a StoreReader of its own (issue 12); tag and archive edits are short writes on the GUI thread.
#pragma once

#include "core/models/ModelLineage.h"
#include "core/models/ModelRegistry.h"
#include "core/store/StoreReader.h"
#include "ui/panes/Pane.h"
#include "ui/panes/ReadSequence.h"
#include "ui/widgets/JobStatus.h"

#include <functional>
#include <memory>
#include <optional>

class QCheckBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;
class QSortFilterProxyModel;
class QStackedWidget;
class QTableView;
class QTextBrowser;

namespace mldesk::core {
class ModelService;
}

namespace mldesk::ui {

class TableModel;

class ModelsPane final : public Pane {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ModelsPane)

public:
    // Asks for a folder to download into (empty: canceled).
    using FolderChooser = std::function<QString(QWidget *parent, const QString &title)>;
    // Asks for the .zip to write (empty: canceled).
    using ZipChooser = std::function<QString(QWidget *parent, const QString &suggested)>;

    explicit ModelsPane(QWidget *parent = nullptr);
    ~ModelsPane() override;
    void setWorkspace(core::Workspace *workspace) override;
    QString selectedForDeletion() const override;
    void focusFind() override;

    void setFolderChooser(FolderChooser chooser) { m_folderChooser = std::move(chooser); }
    void setZipChooser(ZipChooser chooser) { m_zipChooser = std::move(chooser); }
    void setFolderOpener(JobStatus::FolderOpener opener) { m_job->setFolderOpener(std::move(opener)); }

    // Re-reads the registry (off the GUI thread), keeping the selection by name and version when the answer comes.
    void reload();
    // Selects the model (and version when > 0): at once when they are shown, else when the read in flight brings
    // them.
    void selectModel(const QString &name, int version = 0);
    // The version shown in the details; nullopt when none.
    std::optional<core::ModelVersion> currentVersion() const;

    void download();
    void exportZip();
    void toggleArchived();
    void addTag(const QString &keyValue);
    void removeSelectedTags();

    TableModel *modelsModel() const { return m_models; }
    TableModel *versionsModel() const { return m_versions; }
    TableModel *filesModel() const { return m_files; }
    TableModel *propertiesModel() const { return m_properties; }
    JobStatus *jobStatus() const { return m_job; }
    QString messageText() const;

signals:
    // A lineage link: the run (Runs pane) or dataset version (Datasets pane) to show.
    void openRunRequested(const QString &uid);
    // "Deploy...": serve this version as an endpoint (the main window hands it to the Endpoints pane).
    void deployRequested(const QString &name, int version);
    void versionShown(bool keras); // the details now show a version (Keras or not)
    void openDatasetRequested(const QString &name, int version);
    void loaded();         // a reload's answer is shown
    void versionsLoaded(); // the versions of the current model are shown
    void lineageLoaded();  // the current version's lineage is shown

private:
    struct Listed; // what a reload read
    void showLoaded(quint64 sequence, Listed listed);
    void loadVersions(); // of the current model, then its wanted version (else the newest)
    void showVersions(quint64 sequence, const QString &name, QList<core::ModelVersion> versions);
    void showDetails(); // of the current version: from the versions read, its lineage read on the reader
    void showLineage(const core::ModelVersion &version, const core::ModelLineageInfo &lineage);
    // After a write here: re-read, then select the version again.
    void reloadAndSelect(const QString &name, int version);
    void showMessage(const QString &text);
    QString currentModel() const;
    QWidget *createDetails();

    core::Workspace *m_workspace = nullptr;
    std::unique_ptr<core::ModelService> m_service;
    std::unique_ptr<core::StoreReader> m_reader;
    QList<core::ModelVersion> m_shownVersions; // of the current model, newest first
    FolderChooser m_folderChooser;
    ZipChooser m_zipChooser;

    TableModel *m_models = nullptr;
    TableModel *m_versions = nullptr;
    TableModel *m_files = nullptr;
    TableModel *m_properties = nullptr;
    QSortFilterProxyModel *m_proxy = nullptr;
    QTableView *m_modelView = nullptr;
    QTableView *m_versionView = nullptr;
    QTableView *m_fileView = nullptr;
    QTableView *m_propertyView = nullptr;
    QListWidget *m_tags = nullptr;
    QLineEdit *m_tagEdit = nullptr;
    QTextBrowser *m_lineage = nullptr;
    QLineEdit *m_filter = nullptr;
    QCheckBox *m_showArchived = nullptr;
    QPushButton *m_download = nullptr;
    QPushButton *m_export = nullptr;
    QPushButton *m_archive = nullptr;
    QLabel *m_message = nullptr;
    JobStatus *m_job = nullptr;
    QStackedWidget *m_stack = nullptr;
    QWidget *m_toolbar = nullptr;
    // An answer is shown only when no newer read of its kind has begun since.
    ReadSequence m_reloads; // answered: shown, or failed
    ReadSequence m_versionReads;
    ReadSequence m_lineageReads;
    QString m_versionsOf;     // the model whose versions m_shownVersions holds
    QString m_wantedModel;    // asked for (selectModel, an edit) before a reload's answer listed it
    int m_wantedVersion = 0;  // selected when the current model's versions come (0: the newest)
    bool m_selecting = false; // the pane itself moves the current row: no read from the slot
};

} // namespace mldesk::ui
