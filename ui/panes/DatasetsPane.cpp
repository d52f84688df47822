// DatasetsPane: reads DatasetRegistry into three tables and hosts the register dialog.
#include "ui/panes/DatasetsPane.h"

#include "core/datasets/DatasetRegistry.h"
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
    connect(m_datasetView->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &DatasetsPane::showVersions);
    connect(m_versionView->selectionModel(), &QItemSelectionModel::currentRowChanged, this, &DatasetsPane::showFiles);
    setWorkspace(nullptr);
}

void DatasetsPane::setWorkspace(core::Workspace *workspace)
{
    m_workspace = workspace;
    reload();
}

void DatasetsPane::focusFind()
{
    m_filter->setFocus(Qt::ShortcutFocusReason);
    m_filter->selectAll();
}

void DatasetsPane::reload()
{
    const QString selected = currentDataset();
    m_toolbar->setVisible(m_workspace != nullptr);
    QList<core::DatasetSummary> list;
    if (m_workspace)
        list = core::DatasetRegistry(m_workspace->database()).list();
    QList<TableModel::Row> rows;
    for (const core::DatasetSummary &d : std::as_const(list)) {
        rows.append({d.name,
                     {{d.name},
                      {QString::number(d.latestVersion), d.latestVersion},
                      {QString::number(d.latestFileCount), d.latestFileCount},
                      {TableModel::formatBytes(d.latestTotalBytes), d.latestTotalBytes},
                      {TableModel::formatDate(d.created), d.created},
                      {d.description}}});
    }
    m_datasets->setRows(rows);
    showCount(m_workspace, int(list.size()), tr("No datasets registered yet"), tr("dataset"), tr("datasets"),
              tr("Register files or URLs with \u201cRegister Dataset\u2026\u201d; each change becomes a new version."));
    m_stack->setCurrentIndex(list.isEmpty() ? 0 : 1);
    if (!list.isEmpty())
        selectDataset(selected.isEmpty() ? list.constFirst().name : selected);
    else
        showVersions();
}

QString DatasetsPane::currentDataset() const
{
    return m_datasetView->currentIndex().data(TableModel::KeyRole).toString();
}

void DatasetsPane::selectDataset(const QString &name, int version)
{
    const int row = m_datasets->rowOfKey(name);
    if (row < 0)
        return;
    const QModelIndex index = m_proxy->mapFromSource(m_datasets->index(row, 0));
    m_datasetView->setCurrentIndex(index);
    m_datasetView->scrollTo(index);
    showVersions();
    const int versionRow = version > 0 ? m_versions->rowOfKey(version) : -1;
    if (versionRow >= 0)
        m_versionView->setCurrentIndex(m_versions->index(versionRow, 0));
}

void DatasetsPane::showVersions()
{
    QList<TableModel::Row> rows;
    const QString name = currentDataset();
    if (m_workspace && !name.isEmpty()) {
        try {
            const QList<core::DatasetVersion> versions = core::DatasetRegistry(m_workspace->database()).versions(name);
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
    }
    m_versions->setRows(rows);
    if (!rows.isEmpty())
        m_versionView->setCurrentIndex(m_versions->index(0, 0));
    showFiles();
}

void DatasetsPane::showFiles()
{
    QList<TableModel::Row> rows;
    const QString name = currentDataset();
    const int version = m_versionView->currentIndex().data(TableModel::KeyRole).toInt();
    if (m_workspace && !name.isEmpty() && version > 0) {
        try {
            core::DatasetRegistry registry(m_workspace->database());
            for (const core::DatasetFile &f : registry.files(registry.version(name, version))) {
                rows.append({f.relativePath,
                             {{f.relativePath},
                              {TableModel::formatBytes(f.size), f.size},
                              {f.hash.left(12), {}, f.hash},
                              {f.source}}});
            }
        } catch (const core::WorkspaceError &) {
        }
    }
    m_files->setRows(rows);
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
        reload();
        selectDataset(name);
    });
    dialog->open();
    return dialog;
}

} // namespace mldesk::ui
