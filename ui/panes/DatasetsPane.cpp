// DatasetsPane: reads DatasetRegistry into three tables, on the pane's StoreReader, and hosts the register dialog.
#include "ui/panes/DatasetsPane.h"

#include "core/datasets/DatasetRegistry.h"
#include "core/store/Database.h"
#include "core/workspace/Workspace.h"
#include "core/workspace/WorkspaceError.h"
#include "ui/dialogs/RegisterDatasetDialog.h"
#include "ui/models/TableModel.h"
#include "ui/widgets/TableViews.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStackedWidget>
#include <QTableView>
#include <QVBoxLayout>

namespace mldesk::ui {

DatasetsPane::DatasetsPane(QWidget *parent)
    : Pane(tr("Datasets"), tr("Files and URLs registered as versioned datasets, ready to mount into runs."),
           QStringLiteral("datasets"), parent)
{
    setObjectName(QStringLiteral("datasetsPane"));
    m_datasets = new TableModel(
        {tr("Name"), tr("Latest version"), tr("Files"), tr("Size"), tr("Registered"), tr("Description")}, this);
    m_datasets->setNumericColumns({1, 2, 3});
    m_versions =
        new TableModel({tr("Version"), tr("Files"), tr("Size"), tr("Registered"), tr("Tags"), tr("Description")}, this);
    m_versions->setNumericColumns({0, 1, 2});
    m_files = new TableModel({tr("Path"), tr("Size"), tr("SHA-256"), tr("Source")}, this);
    m_files->setNumericColumns({1});

    m_proxy = new QSortFilterProxyModel(this);
    m_proxy->setSourceModel(m_datasets);
    m_proxy->setSortRole(TableModel::SortRole);
    m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    m_proxy->setFilterKeyColumn(-1);

    m_datasetView = makeTableView(QStringLiteral("datasetsTable"), m_proxy, true);
    m_versionView = makeTableView(QStringLiteral("versionsTable"), m_versions, false);
    m_versionView->horizontalHeader()->setDefaultSectionSize(80);
    m_fileView = makeTableView(QStringLiteral("filesTable"), m_files, false);
    m_datasetView->horizontalHeader()->resizeSection(0, 220);

    auto *registerButton = new QPushButton(tr("Register Dataset\u2026"));
    registerButton->setObjectName(QStringLiteral("registerDatasetButton"));
    m_filter = new QLineEdit;
    m_filter->setObjectName(QStringLiteral("datasetFilter"));
    m_filter->setPlaceholderText(tr("Filter datasets"));
    m_filter->setClearButtonEnabled(true);
    m_filter->setMaximumWidth(280);
    m_toolbar = new QWidget;
    auto *tools = new QHBoxLayout(m_toolbar);
    tools->setContentsMargins(0, 0, 0, 0);
    tools->addWidget(registerButton);
    tools->addStretch(1);
    tools->addWidget(m_filter);

    auto *details = new QSplitter(Qt::Horizontal);
    details->addWidget(titled(tr("Versions"), m_versionView));
    details->addWidget(titled(tr("Files of the selected version"), m_fileView));
    details->setStretchFactor(1, 2);
    auto *split = new QSplitter(Qt::Vertical);
    split->setObjectName(QStringLiteral("datasetsSplitter"));
    split->addWidget(m_datasetView);
    split->addWidget(details);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);

    m_stack = new QStackedWidget;
    m_stack->addWidget(emptyState());
    m_stack->addWidget(split);
    contentLayout()->addWidget(m_toolbar);
    contentLayout()->addWidget(m_stack, 1);

    connect(registerButton, &QPushButton::clicked, this, &DatasetsPane::openRegisterDialog);
    connect(m_filter, &QLineEdit::textChanged, m_proxy, &QSortFilterProxyModel::setFilterFixedString);
    // The user moved the current row: read what it shows. Moves the pane makes itself read explicitly.
    connect(m_datasetView->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this] {
        if (!m_selecting) {
            m_wantedVersion = 0;
            loadVersions();
        }
    });
    connect(m_versionView->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this] {
        if (!m_selecting)
            loadFiles();
    });
    setWorkspace(nullptr);
}

DatasetsPane::~DatasetsPane() = default;

void DatasetsPane::setWorkspace(core::Workspace *workspace)
{
    if (workspace != m_workspace || !workspace) {
        m_reader.reset(); // its reads in flight are dropped with it
        m_workspace = workspace;
        if (workspace)
            m_reader = std::make_unique<core::StoreReader>(workspace->database());
        // Another workspace's rows must not stay while this one's are read.
        m_datasets->setRows({});
        m_versions->setRows({});
        m_files->setRows({});
        m_versionsOf.clear();
        m_filesOf.clear();
        m_wantedDataset.clear();
        m_wantedVersion = 0;
    }
    reload();
}

void DatasetsPane::focusFind()
{
    m_filter->setFocus(Qt::ShortcutFocusReason);
    m_filter->selectAll();
}

struct DatasetsPane::Listed {
    bool ok = false; // false: the read failed (said in the log)
    QList<TableModel::Row> rows;
};

void DatasetsPane::reload()
{
    const quint64 sequence = m_reloads.start();
    m_toolbar->setVisible(m_workspace != nullptr);
    if (!m_workspace) {
        m_reloads.answer(sequence);
        m_datasets->setRows({});
        showCount(nullptr, 0, {}, {}, {}, {});
        m_stack->setCurrentIndex(0);
        loadVersions();
        return;
    }
    if (m_datasets->rowCount() == 0)
        m_stack->setCurrentIndex(1); // the (empty) tables until the answer says whether there is anything
    m_reader->read(
        this,
        [](core::Database &db) {
            Listed listed;
            try {
                for (const core::DatasetSummary &d : core::DatasetRegistry(db).list()) {
                    listed.rows.append({d.name,
                                        {{d.name},
                                         {QString::number(d.latestVersion), d.latestVersion},
                                         {QString::number(d.latestFileCount), d.latestFileCount},
                                         {TableModel::formatBytes(d.latestTotalBytes), d.latestTotalBytes},
                                         {TableModel::formatDate(d.created), d.created},
                                         {d.description}}});
                }
                listed.ok = true;
            } catch (const std::exception &e) {
                qWarning("datasets: reading the datasets failed: %s", e.what());
            }
            return listed;
        },
        [this, sequence](Listed listed) { showLoaded(sequence, std::move(listed)); });
}

void DatasetsPane::showLoaded(quint64 sequence, Listed listed)
{
    if (!m_reloads.answer(sequence))
        return; // a newer reload is in flight: its answer follows
    if (!listed.ok) {
        emit loaded();
        return;
    }
    // The selection is kept by name (and the version by number) across the reset; a dataset asked for before it
    // was listed is selected now.
    const QString current = currentDataset();
    const QString wanted = m_wantedDataset;
    m_wantedDataset.clear();
    m_selecting = true;
    // Nothing was selected: the first listed (by name); one gone since stays unselected.
    setRowsKeepingCurrent(m_datasetView, *m_datasets, std::move(listed.rows), {wanted, current},
                          current.isEmpty() ? IfNoneListed::FirstRow : IfNoneListed::NoCurrentRow);
    m_selecting = false;
    const bool asked = !wanted.isEmpty() && m_datasets->rowOfKey(wanted) >= 0;
    // The version asked for with it; else one asked for whose versions are still to come; else the one shown.
    if (!asked) {
        if (!wanted.isEmpty())
            m_wantedVersion = 0; // it came with a dataset that is not listed
        if (m_wantedVersion <= 0)
            m_wantedVersion = currentDataset() == current ? currentVersion() : 0;
    }
    const int count = m_datasets->rowCount();
    showCount(m_workspace, count, tr("No datasets registered yet"), tr("dataset"), tr("datasets"),
              tr("Register files or URLs with \u201cRegister Dataset\u2026\u201d; each change becomes a new version."));
    m_stack->setCurrentIndex(count == 0 ? 0 : 1);
    loadVersions();
    emit loaded();
}

QString DatasetsPane::currentDataset() const
{
    return m_datasetView->currentIndex().data(TableModel::KeyRole).toString();
}

int DatasetsPane::currentVersion() const
{
    return m_versionView->currentIndex().data(TableModel::KeyRole).toInt();
}

void DatasetsPane::selectDataset(const QString &name, int version)
{
    const int row = m_datasets->rowOfKey(name);
    if (row < 0) {
        if (m_reloads.inFlight()) {
            // Not listed yet (a reload in flight): selected when the list comes.
            m_wantedDataset = name;
            m_wantedVersion = version;
        }
        return;
    }
    if (currentDataset() == name && m_versionsOf == name) {
        // Its versions are shown: only the version moves (unless their read is still to come).
        if (version > 0 && !setCurrentKey(m_versionView, *m_versions, version))
            m_wantedVersion = version;
        return;
    }
    m_selecting = true;
    setCurrentRow(m_datasetView, *m_datasets, row);
    m_selecting = false;
    m_wantedVersion = version;
    loadVersions();
}

void DatasetsPane::loadVersions()
{
    const quint64 sequence = m_versionReads.start();
    const QString name = currentDataset();
    if (name != m_versionsOf || name.isEmpty()) {
        // Another dataset's versions must not stay (Delete would name this dataset with their number).
        m_selecting = true;
        m_versions->setRows({});
        m_selecting = false;
        m_versionsOf.clear();
        m_fileReads.dropInFlight(); // and their files
        m_files->setRows({});
        m_filesOf.clear();
    }
    if (!m_reader || name.isEmpty()) {
        m_wantedVersion = 0;
        emit versionsLoaded();
        return;
    }
    m_reader->read(
        this,
        [name](core::Database &db) {
            QList<TableModel::Row> rows;
            try {
                const QList<core::DatasetVersion> versions = core::DatasetRegistry(db).versions(name);
                for (auto it = versions.crbegin(); it != versions.crend(); ++it) { // newest first
                    QStringList tags;
                    for (auto t = it->tags.cbegin(); t != it->tags.cend(); ++t)
                        tags.append(t.value().isEmpty() ? t.key() : t.key() + u'=' + t.value());
                    rows.append({it->version,
                                 {{QString::number(it->version), it->version},
                                  {QString::number(it->fileCount), it->fileCount},
                                  {TableModel::formatBytes(it->totalBytes), it->totalBytes},
                                  {TableModel::formatDate(it->created), it->created},
                                  {tags.join(QStringLiteral(", "))},
                                  {it->description}}});
                }
            } catch (const core::WorkspaceError &) {
                // Deleted by another process since the list was read: the next refresh drops it.
            }
            return rows;
        },
        [this, sequence, name](QList<TableModel::Row> rows) { showVersions(sequence, name, std::move(rows)); });
}

void DatasetsPane::showVersions(quint64 sequence, const QString &name, QList<TableModel::Row> rows)
{
    // Dropped when another dataset (or the same one again) was asked for since: that answer follows.
    if (!m_versionReads.isNewest(sequence) || name != currentDataset())
        return;
    const int version = m_versionsOf == name && m_wantedVersion <= 0 ? currentVersion() : m_wantedVersion;
    m_wantedVersion = 0;
    m_selecting = true;
    setRowsKeepingCurrent(m_versionView, *m_versions, std::move(rows), {version}, IfNoneListed::FirstRow);
    m_versionsOf = name;
    m_selecting = false;
    loadFiles();
    emit versionsLoaded();
}

void DatasetsPane::loadFiles()
{
    const quint64 sequence = m_fileReads.start();
    const QString name = currentDataset();
    const int version = currentVersion();
    const QString key = name.isEmpty() || version <= 0 ? QString() : name + u':' + QString::number(version);
    if (key != m_filesOf) {
        m_files->setRows({});
        m_filesOf.clear();
    }
    if (!m_reader || key.isEmpty()) {
        emit filesLoaded();
        return;
    }
    m_reader->read(
        this,
        [name, version](core::Database &db) {
            QList<TableModel::Row> rows;
            try {
                core::DatasetRegistry registry(db);
                for (const core::DatasetFile &f : registry.files(registry.version(name, version))) {
                    rows.append({f.relativePath,
                                 {{f.relativePath},
                                  {TableModel::formatBytes(f.size), f.size},
                                  {f.hash.left(12), {}, f.hash},
                                  {f.source}}});
                }
            } catch (const core::WorkspaceError &) {
            }
            return rows;
        },
        [this, sequence, key](QList<TableModel::Row> rows) {
            if (!m_fileReads.isNewest(sequence) || key != selectedForDeletion())
                return; // another version was selected since
            m_files->setRows(std::move(rows));
            m_filesOf = key;
            emit filesLoaded();
        });
}

QString DatasetsPane::selectedForDeletion() const
{
    const int version = m_versionView->currentIndex().data(TableModel::KeyRole).toInt();
    const QString name = currentDataset();
    return name.isEmpty() || version <= 0 ? QString() : name + u':' + QString::number(version);
}

RegisterDatasetDialog *DatasetsPane::openRegisterDialog()
{
    if (!m_workspace)
        return nullptr;
    auto *dialog = new RegisterDatasetDialog(m_workspace->path(), activityList(), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &RegisterDatasetDialog::registered, this, [this](const QString &name) {
        m_wantedDataset = name; // selected when the reload's answer lists it
        m_wantedVersion = 0;
        reload();
    });
    dialog->open();
    return dialog;
}

} // namespace mldesk::ui
