// ModelsPane: reads ModelRegistry into the tables (on the pane's StoreReader), edits tags and the archived flag (short
// writes on the GUI thread), starts download/export jobs.
#include "ui/panes/ModelsPane.h"

#include "core/models/ModelLineage.h"
#include "core/models/ModelService.h"
#include "core/store/Database.h"
#include "core/workspace/Workspace.h"
#include "core/workspace/WorkspaceError.h"
#include "ui/models/TableModel.h"
#include "ui/widgets/TableViews.h"

#include <QCheckBox>
#include <QDir>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStackedWidget>
#include <QTabWidget>
#include <QTableView>
#include <QTextBrowser>
#include <QUrl>
#include <QVBoxLayout>

#include <algorithm>

namespace mldesk::ui {

namespace {

QString joinTags(const QMap<QString, QString> &tags)
{
    QStringList list;
    for (auto it = tags.cbegin(); it != tags.cend(); ++it)
        list.append(it.value().isEmpty() ? it.key() : it.key() + u'=' + it.value());
    return list.join(QStringLiteral(", "));
}

} // namespace

ModelsPane::ModelsPane(QWidget *parent)
    : Pane(tr("Models"),
           tr("Registered models with their versions, files and lineage back to the run and datasets that produced "
              "them."),
           QStringLiteral("models"), parent)
{
    setObjectName(QStringLiteral("modelsPane"));
    m_models = new TableModel({tr("Name"), tr("Latest version"), tr("Framework"), tr("Versions"), tr("Tags"),
                               tr("Registered"), tr("Description")},
                              this);
    m_models->setNumericColumns({1, 3});
    m_versions = new TableModel(
        {tr("Version"), tr("Registered"), tr("Tags"), tr("Size"), tr("Files"), tr("Run"), tr("Framework"), tr("State")},
        this);
    m_versions->setNumericColumns({0, 3, 4});
    m_files = new TableModel({tr("Path"), tr("Size"), tr("SHA-256")}, this);
    m_files->setNumericColumns({1});
    m_properties = new TableModel({tr("Property"), tr("Value")}, this);

    m_proxy = new QSortFilterProxyModel(this);
    m_proxy->setSourceModel(m_models);
    m_proxy->setSortRole(TableModel::SortRole);

    m_modelView = makeTableView(QStringLiteral("modelsTable"), m_proxy, true);
    m_modelView->horizontalHeader()->resizeSection(0, 200);
    m_versionView = makeTableView(QStringLiteral("modelVersionsTable"), m_versions, false);
    for (const auto &[column, width] : {std::pair{0, 60}, {1, 125}, {2, 160}, {3, 70}, {4, 50}, {5, 200}, {6, 75}})
        m_versionView->horizontalHeader()->resizeSection(column, width);

    auto *registerHint =
        new QLabel(tr("Register a model from a run's Outputs tab (\u201cRegister Model\u2026\u201d)."));
    registerHint->setForegroundRole(QPalette::PlaceholderText);
    m_filter = new QLineEdit;
    m_filter->setObjectName(QStringLiteral("modelFilter"));
    m_filter->setPlaceholderText(tr("Filter: name~mnist, tag:best, \"Final test accuracy\">0.8"));
    m_filter->setToolTip(core::ModelFilter::syntaxHelp());
    m_filter->setClearButtonEnabled(true);
    m_filter->setMinimumWidth(300);
    m_showArchived = new QCheckBox(tr("Show archived"));
    m_showArchived->setObjectName(QStringLiteral("showArchivedCheck"));
    m_toolbar = new QWidget;
    auto *tools = new QHBoxLayout(m_toolbar);
    tools->setContentsMargins(0, 0, 0, 0);
    tools->addWidget(registerHint);
    tools->addStretch(1);
    tools->addWidget(m_showArchived);
    tools->addWidget(m_filter);

    m_message = new QLabel;
    m_message->setObjectName(QStringLiteral("modelsMessage"));
    m_message->setWordWrap(true);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_message->setStyleSheet(QStringLiteral("color: #c0392b;"));
    m_message->hide();
    m_job = new JobStatus;
    m_job->setObjectName(QStringLiteral("modelJobStatus"));

    auto *lower = new QSplitter(Qt::Horizontal);
    lower->addWidget(titled(tr("Versions"), m_versionView));
    lower->addWidget(createDetails());
    lower->setStretchFactor(0, 1);
    lower->setStretchFactor(1, 1);
    auto *split = new QSplitter(Qt::Vertical);
    split->setObjectName(QStringLiteral("modelsSplitter"));
    split->addWidget(m_modelView);
    split->addWidget(lower);
    split->setStretchFactor(0, 1);
    split->setStretchFactor(1, 2);

    auto *page = new QWidget;
    auto *pageLayout = new QVBoxLayout(page);
    pageLayout->setContentsMargins(0, 0, 0, 0);
    pageLayout->addWidget(split, 1);
    m_stack = new QStackedWidget;
    m_stack->addWidget(emptyState());
    m_stack->addWidget(page);
    contentLayout()->addWidget(m_toolbar);
    contentLayout()->addWidget(m_message);
    contentLayout()->addWidget(m_stack, 1);
    contentLayout()->addWidget(m_job);

    m_folderChooser = [](QWidget *parentWidget, const QString &title) {
        return QFileDialog::getExistingDirectory(parentWidget, title);
    };
    m_zipChooser = [](QWidget *parentWidget, const QString &suggested) {
        return QFileDialog::getSaveFileName(parentWidget, tr("Export Model"), suggested, tr("Zip archives (*.zip)"));
    };
    connect(m_filter, &QLineEdit::textChanged, this, &ModelsPane::reload);
    connect(m_showArchived, &QCheckBox::toggled, this, &ModelsPane::reload);
    // The user moved the current row: read (or show) what it shows. Moves the pane makes itself do that explicitly.
    connect(m_modelView->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this] {
        if (!m_selecting) {
            m_wantedVersion = 0;
            loadVersions();
        }
    });
    connect(m_versionView->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this] {
        if (!m_selecting)
            showDetails();
    });
    setWorkspace(nullptr);
}

ModelsPane::~ModelsPane()
{
    delete m_job; // its job runs on the service's pool: gone before the service
    m_job = nullptr;
}

QWidget *ModelsPane::createDetails()
{
    m_download = new QPushButton(tr("Download\u2026"));
    m_download->setObjectName(QStringLiteral("downloadModelButton"));
    m_download->setToolTip(tr("Copy this version's files into a folder, verified by SHA-256"));
    m_export = new QPushButton(tr("Export Zip\u2026"));
    m_export->setObjectName(QStringLiteral("exportModelButton"));
    m_export->setToolTip(tr("A Keras model as one .zip: model.json, model.h5 and the version's metadata"));
    m_archive = new QPushButton(tr("Archive"));
    m_archive->setObjectName(QStringLiteral("archiveModelButton"));
    auto *deploy = new QPushButton(tr("Deploy\u2026"));
    deploy->setObjectName(QStringLiteral("deployModelButton"));
    deploy->setToolTip(tr("Serve this Keras model version as a scoring endpoint (Endpoints pane)"));
    connect(deploy, &QPushButton::clicked, this, [this] {
        if (const auto v = currentVersion())
            emit deployRequested(v->name, v->version);
    });
    connect(this, &ModelsPane::versionShown, deploy, [deploy](bool keras) { deploy->setEnabled(keras); });
    auto *actions = new QHBoxLayout;
    actions->addWidget(m_download);
    actions->addWidget(m_export);
    actions->addWidget(deploy);
    actions->addWidget(m_archive);
    actions->addStretch(1);

    m_fileView = makeTableView(QStringLiteral("modelFilesTable"), m_files, false);
    m_fileView->horizontalHeader()->resizeSection(0, 220);
    m_propertyView = makeTableView(QStringLiteral("modelPropertiesTable"), m_properties, false);
    m_propertyView->horizontalHeader()->resizeSection(0, 220);

    m_tags = new QListWidget;
    m_tags->setObjectName(QStringLiteral("modelTagsList"));
    m_tags->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_tagEdit = new QLineEdit;
    m_tagEdit->setObjectName(QStringLiteral("modelTagEdit"));
    m_tagEdit->setPlaceholderText(tr("key=value or key"));
    auto *addTagButton = new QPushButton(tr("Add Tag"));
    addTagButton->setObjectName(QStringLiteral("addTagButton"));
    auto *removeTagButton = new QPushButton(tr("Remove Selected"));
    removeTagButton->setObjectName(QStringLiteral("removeTagButton"));
    auto *tagRow = new QHBoxLayout;
    tagRow->addWidget(m_tagEdit, 1);
    tagRow->addWidget(addTagButton);
    tagRow->addWidget(removeTagButton);
    auto *tagPage = new QWidget;
    auto *tagLayout = new QVBoxLayout(tagPage);
    tagLayout->addWidget(m_tags, 1);
    tagLayout->addLayout(tagRow);

    m_lineage = new QTextBrowser;
    m_lineage->setObjectName(QStringLiteral("modelLineage"));
    m_lineage->setOpenLinks(false);

    auto *tabs = new QTabWidget;
    tabs->setObjectName(QStringLiteral("modelDetailTabs"));
    tabs->setDocumentMode(true);
    tabs->addTab(m_fileView, tr("Files"));
    tabs->addTab(m_lineage, tr("Lineage"));
    tabs->addTab(m_propertyView, tr("Properties"));
    tabs->addTab(tagPage, tr("Tags"));

    auto *box = new QWidget;
    auto *layout = new QVBoxLayout(box);
    layout->setContentsMargins(0, 6, 0, 0);
    layout->addLayout(actions);
    layout->addWidget(tabs, 1);

    connect(m_download, &QPushButton::clicked, this, &ModelsPane::download);
    connect(m_export, &QPushButton::clicked, this, &ModelsPane::exportZip);
    connect(m_archive, &QPushButton::clicked, this, &ModelsPane::toggleArchived);
    connect(addTagButton, &QPushButton::clicked, this, [this] { addTag(m_tagEdit->text()); });
    connect(m_tagEdit, &QLineEdit::returnPressed, addTagButton, &QPushButton::click);
    connect(removeTagButton, &QPushButton::clicked, this, &ModelsPane::removeSelectedTags);
    connect(m_lineage, &QTextBrowser::anchorClicked, this, [this](const QUrl &url) {
        const QString target = url.path();
        if (url.scheme() == u"run") {
            emit openRunRequested(target);
        } else if (url.scheme() == u"dataset") {
            const qsizetype colon = target.lastIndexOf(u':');
            emit openDatasetRequested(target.left(colon), target.mid(colon + 1).toInt());
        }
    });
    return box;
}

void ModelsPane::setWorkspace(core::Workspace *workspace)
{
    if (workspace != m_workspace || !workspace) {
        if (m_job->isRunning()) {
            m_job->cancel();
            m_job->showMessage(QString(), false);
        }
        // A finished job object may still wait for deleteLater; jobs never outlive the pool (JobStatus waits).
        m_service.reset();
        m_reader.reset(); // its reads in flight are dropped with it
        m_workspace = workspace;
        if (workspace) {
            m_service = std::make_unique<core::ModelService>(*workspace);
            m_reader = std::make_unique<core::StoreReader>(workspace->database());
        }
        // Another workspace's rows must not stay while this one's are read.
        m_models->setRows({});
        m_wantedModel.clear();
        m_wantedVersion = 0;
        loadVersions();
    }
    reload();
}

void ModelsPane::focusFind()
{
    m_filter->setFocus(Qt::ShortcutFocusReason);
    m_filter->selectAll();
}

QString ModelsPane::messageText() const
{
    return m_message->isHidden() ? QString() : m_message->text();
}

void ModelsPane::showMessage(const QString &text)
{
    m_message->setText(text);
    m_message->setVisible(!text.isEmpty());
}

QString ModelsPane::currentModel() const
{
    return m_modelView->currentIndex().data(TableModel::KeyRole).toString();
}

struct ModelsPane::Listed {
    bool ok = false; // false: the read failed (said in the log)
    QList<TableModel::Row> rows;
};

void ModelsPane::reload()
{
    const quint64 sequence = ++m_reloadsStarted;
    m_toolbar->setVisible(m_workspace != nullptr);
    showMessage(QString());
    if (!m_workspace) {
        m_reloadShown = sequence;
        m_models->setRows({});
        showCount(nullptr, 0, {}, {}, {}, {});
        m_stack->setCurrentIndex(0);
        loadVersions();
        return;
    }
    core::ModelFilter filter;
    try {
        if (!m_filter->text().trimmed().isEmpty())
            filter = core::ModelFilter::parse(m_filter->text().trimmed());
    } catch (const core::ModelFilterError &e) {
        showMessage(tr("Filter: %1").arg(e.message()));
    }
    if (m_models->rowCount() == 0)
        m_stack->setCurrentIndex(1); // the (empty) tables until the answer says whether there is anything
    // The registry's reads use no blob; the workspace (and its BlobStore) outlives the reader (setWorkspace).
    m_reader->read(
        this,
        [filter, archived = m_showArchived->isChecked(), blobs = &m_workspace->blobs()](core::Database &db) {
            Listed listed;
            try {
                for (const core::ModelSummary &m : core::ModelRegistry(db, *blobs).list(filter, archived)) {
                    listed.rows.append({m.name,
                                        {{m.name},
                                         {QString::number(m.latest.version), m.latest.version},
                                         {m.latest.framework},
                                         {QString::number(m.versionCount), m.versionCount},
                                         {joinTags(m.latest.tags)},
                                         {TableModel::formatDate(m.latest.created), m.latest.created},
                                         {m.description.isEmpty() ? m.latest.description : m.description}}});
                }
                listed.ok = true;
            } catch (const std::exception &e) {
                qWarning("models: reading the models failed: %s", e.what());
            }
            return listed;
        },
        [this, sequence](Listed listed) { showLoaded(sequence, std::move(listed)); });
}

void ModelsPane::showLoaded(quint64 sequence, Listed listed)
{
    if (sequence != m_reloadsStarted)
        return; // a newer reload is in flight (another filter, an edit): its answer follows
    m_reloadShown = sequence;
    if (!listed.ok) {
        showMessage(tr("Could not read the models of this workspace; see the log. Try View > Refresh (F5)."));
        emit loaded();
        return;
    }
    // The selection is kept by name and version across the reset; a model asked for before it was listed is
    // selected now.
    const bool wanted = !m_wantedModel.isEmpty();
    const QString selected = wanted ? m_wantedModel : currentModel();
    const std::optional<core::ModelVersion> shown = currentVersion();
    const int version = wanted || m_wantedVersion > 0      ? m_wantedVersion
                        : shown && shown->name == selected ? shown->version
                                                           : 0;
    m_wantedModel.clear();
    m_selecting = true;
    m_models->setRows(std::move(listed.rows));
    int row = m_models->rowOfKey(selected);
    if (row < 0 && m_models->rowCount() > 0)
        row = 0; // the first listed (by name)
    if (row >= 0) {
        const QModelIndex index = m_proxy->mapFromSource(m_models->index(row, 0));
        m_modelView->setCurrentIndex(index);
        m_modelView->scrollTo(index);
    }
    m_selecting = false;
    const int count = m_models->rowCount();
    const bool filtered = !m_filter->text().trimmed().isEmpty();
    showCount(m_workspace, count,
              filtered ? tr("No model matches the filter") : tr("No models registered in this workspace yet"),
              tr("model"), tr("models"),
              filtered ? tr("Change or clear the filter above.")
                       : tr("Open a completed run, go to its Outputs tab, select the model folder and choose "
                            "\u201cRegister Model\u2026\u201d."));
    m_stack->setCurrentIndex(count == 0 && !filtered ? 0 : 1);
    m_wantedVersion = currentModel() == selected ? version : 0;
    loadVersions();
    emit loaded();
}

void ModelsPane::selectModel(const QString &name, int version)
{
    int row = m_models->rowOfKey(name);
    if (row < 0 && m_reloadShown < m_reloadsStarted) {
        // Not listed yet (a reload in flight, e.g. after a registration): selected when the list comes.
        m_wantedModel = name;
        m_wantedVersion = version;
        return;
    }
    if (row < 0) {
        if (m_models->rowCount() == 0)
            return;
        row = 0;
    }
    const QModelIndex index = m_proxy->mapFromSource(m_models->index(row, 0));
    const QString key = m_models->index(row, 0).data(TableModel::KeyRole).toString();
    if (currentModel() == key && m_versionsOf == key) {
        // Its versions are shown: only the version moves (unless it is still to be read).
        const int versionRow = version > 0 ? m_versions->rowOfKey(version) : -1;
        if (versionRow >= 0)
            m_versionView->setCurrentIndex(m_versions->index(versionRow, 0));
        else if (version > 0)
            m_wantedVersion = version;
        return;
    }
    m_selecting = true;
    m_modelView->setCurrentIndex(index);
    m_modelView->scrollTo(index);
    m_selecting = false;
    m_wantedVersion = version;
    loadVersions();
}

void ModelsPane::loadVersions()
{
    const quint64 sequence = ++m_versionsStarted;
    const QString name = currentModel();
    if (name != m_versionsOf || name.isEmpty()) {
        // Another model's versions (or any, when none is current) must not stay: Delete, Download, Deploy and the
        // tags would act on them. The actions stay disabled until the versions come.
        m_selecting = true;
        m_shownVersions.clear();
        m_versions->setRows({});
        m_selecting = false;
        m_versionsOf.clear();
        showDetails();
    }
    if (!m_reader || name.isEmpty()) {
        m_wantedVersion = 0;
        emit versionsLoaded();
        return;
    }
    m_reader->read(
        this,
        [name, archived = m_showArchived->isChecked(), blobs = &m_workspace->blobs()](core::Database &db) {
            QList<core::ModelVersion> versions;
            try {
                versions = core::ModelRegistry(db, *blobs).versions(name, archived);
                std::reverse(versions.begin(), versions.end()); // newest first
            } catch (const core::WorkspaceError &) {
                // Deleted by another process since the list was read: the next refresh drops it.
            }
            return versions;
        },
        [this, sequence, name](QList<core::ModelVersion> versions) {
            showVersions(sequence, name, std::move(versions));
        });
}

void ModelsPane::showVersions(quint64 sequence, const QString &name, QList<core::ModelVersion> versions)
{
    // Dropped when another model (or the same one again) was asked for since: that answer follows.
    if (sequence != m_versionsStarted || name != currentModel())
        return;
    const std::optional<core::ModelVersion> shown = currentVersion();
    const int version = m_wantedVersion > 0 ? m_wantedVersion : shown && shown->name == name ? shown->version : 0;
    m_wantedVersion = 0;
    QList<TableModel::Row> rows;
    for (const core::ModelVersion &v : std::as_const(versions)) {
        rows.append({v.version,
                     {{QString::number(v.version), v.version},
                      {TableModel::formatDate(v.created), v.created},
                      {joinTags(v.tags)},
                      {TableModel::formatBytes(v.totalBytes()), v.totalBytes()},
                      {QString::number(v.files.size()), qint64(v.files.size())},
                      {v.runUid.isEmpty() ? tr("local files") : v.runUid, {}, v.source},
                      {v.framework},
                      {v.archived ? tr("Archived") : tr("Active")}}});
    }
    m_selecting = true;
    m_shownVersions = std::move(versions);
    m_versions->setRows(rows);
    m_versionsOf = name;
    const int row = version > 0 ? m_versions->rowOfKey(version) : -1;
    if (!rows.isEmpty())
        m_versionView->setCurrentIndex(m_versions->index(row >= 0 ? row : 0, 0));
    m_selecting = false;
    showDetails();
    emit versionsLoaded();
}

QString ModelsPane::selectedForDeletion() const
{
    const std::optional<core::ModelVersion> v = currentVersion();
    return v ? v->qualifiedName() : QString();
}

std::optional<core::ModelVersion> ModelsPane::currentVersion() const
{
    const int row = m_versionView->currentIndex().row();
    if (row < 0 || row >= m_shownVersions.size())
        return std::nullopt;
    return m_shownVersions.at(row);
}

void ModelsPane::showDetails()
{
    const std::optional<core::ModelVersion> v = currentVersion();
    for (QWidget *w : {static_cast<QWidget *>(m_download), static_cast<QWidget *>(m_export),
                       static_cast<QWidget *>(m_archive), static_cast<QWidget *>(m_tagEdit)})
        w->setEnabled(v.has_value());
    m_export->setEnabled(v && v->framework == u"Keras");
    emit versionShown(v && v->framework == u"Keras");
    m_archive->setText(v && v->archived ? tr("Restore") : tr("Archive"));
    m_archive->setToolTip(v && v->archived ? tr("Bring this version back into the default lists")
                                           : tr("Hide this version from the default lists (it is kept)"));

    QList<TableModel::Row> files;
    QList<TableModel::Row> properties;
    m_tags->clear();
    if (v) {
        for (const core::ManifestEntry &f : v->files)
            files.append(
                {f.path, {{f.path}, {TableModel::formatBytes(f.size), f.size}, {f.hash.left(16), {}, f.hash}}});
        for (auto it = v->properties.cbegin(); it != v->properties.cend(); ++it)
            properties.append({it.key(), {{it.key()}, {it.value()}}});
        for (auto it = v->tags.cbegin(); it != v->tags.cend(); ++it) {
            auto *item = new QListWidgetItem(it.value().isEmpty() ? it.key() : it.key() + u'=' + it.value(), m_tags);
            item->setData(Qt::UserRole, it.key());
        }
    }
    m_files->setRows(files);
    m_properties->setRows(properties);
    m_lineage->clear();
    const quint64 sequence = ++m_lineageStarted;
    if (!v || !m_reader)
        return;
    m_reader->read(
        this,
        [version = *v](core::Database &db) {
            std::optional<core::ModelLineageInfo> lineage;
            try {
                lineage = core::ModelLineage(db).of(version);
            } catch (const core::WorkspaceError &) {
                // Deleted by another process since the versions were read: the next refresh drops it.
            }
            return lineage;
        },
        [this, sequence, version = *v](std::optional<core::ModelLineageInfo> lineage) {
            const std::optional<core::ModelVersion> current = currentVersion();
            if (sequence != m_lineageStarted || !current || current->qualifiedName() != version.qualifiedName())
                return; // another version is shown since
            if (lineage)
                showLineage(version, *lineage);
            emit lineageLoaded();
        });
}

void ModelsPane::showLineage(const core::ModelVersion &v, const core::ModelLineageInfo &lineage)
{
    auto row = [](const QString &key, const QString &value) {
        return QStringLiteral("<tr><td style='padding-right:16px'><b>%1</b></td><td>%2</td></tr>")
            .arg(key.toHtmlEscaped(), value);
    };
    QString html = QStringLiteral("<table cellspacing=4>");
    html += row(tr("Model"), v.qualifiedName().toHtmlEscaped());
    if (!v.description.isEmpty())
        html += row(tr("Description"), v.description.toHtmlEscaped());
    if (lineage.runUid.isEmpty()) {
        html += row(tr("Source"), tr("local files: %1").arg(v.source.toHtmlEscaped()));
    } else {
        html += row(tr("Run"), QStringLiteral("<a href='run:%1'>%2</a> (%3)")
                                   .arg(QString::fromUtf8(QUrl::toPercentEncoding(lineage.runUid)),
                                        lineage.runUid.toHtmlEscaped(), lineage.runState.toHtmlEscaped()));
        html += row(tr("Path in the run"), v.source.toHtmlEscaped());
        html += row(tr("Experiment"), lineage.experiment.toHtmlEscaped());
        if (!lineage.environment.isEmpty())
            html += row(tr("Environment"), lineage.environment.toHtmlEscaped());
        if (!lineage.computeTarget.isEmpty())
            html += row(tr("Compute"), lineage.computeTarget.toHtmlEscaped());
    }
    QStringList datasets;
    for (const QString &d : lineage.datasets)
        datasets.append(QStringLiteral("<a href='dataset:%1'>%2</a>")
                            .arg(QString::fromUtf8(QUrl::toPercentEncoding(d, ":")), d.toHtmlEscaped()));
    if (!datasets.isEmpty())
        html += row(tr("Datasets"), datasets.join(QStringLiteral(", ")));
    for (auto it = lineage.metrics.cbegin(); it != lineage.metrics.cend(); ++it)
        html += row(it.key(), QString::number(it.value(), 'g', 6));
    html += QStringLiteral("</table>");
    m_lineage->setHtml(html);
}

void ModelsPane::reloadAndSelect(const QString &name, int version)
{
    m_wantedModel = name; // selected again when the reload's answer lists it
    m_wantedVersion = version;
    reload();
}

void ModelsPane::download()
{
    const std::optional<core::ModelVersion> v = currentVersion();
    if (!v || !m_service)
        return;
    const QString folder = m_folderChooser(this, tr("Download %1 Into").arg(v->qualifiedName()));
    if (folder.isEmpty())
        return;
    m_job->setActivityList(activityList());
    m_job->runDownload(m_service->download(*v, folder, false), m_service->pool(),
                       tr("Downloading model %1").arg(v->qualifiedName()));
}

void ModelsPane::exportZip()
{
    const std::optional<core::ModelVersion> v = currentVersion();
    if (!v || !m_service)
        return;
    const QString suggested = QDir::home().filePath(QStringLiteral("%1-%2.zip").arg(v->name).arg(v->version));
    QString zip = m_zipChooser(this, suggested);
    if (zip.isEmpty())
        return;
    if (!zip.endsWith(QStringLiteral(".zip"), Qt::CaseInsensitive))
        zip += QStringLiteral(".zip");
    m_job->setActivityList(activityList());
    // The file dialog already asked about replacing an existing file.
    m_job->runExport(m_service->exportZip(*v, zip, true), m_service->pool(),
                     tr("Exporting model %1").arg(v->qualifiedName()));
}

void ModelsPane::toggleArchived()
{
    const std::optional<core::ModelVersion> v = currentVersion();
    if (!v || !m_workspace)
        return;
    try {
        core::ModelRegistry(m_workspace->database(), m_workspace->blobs()).setArchived(*v, !v->archived);
    } catch (const core::WorkspaceError &e) {
        showMessage(e.message());
        return;
    }
    reloadAndSelect(v->name, v->version);
}

void ModelsPane::addTag(const QString &keyValue)
{
    const std::optional<core::ModelVersion> v = currentVersion();
    const QString text = keyValue.trimmed();
    if (!v || !m_workspace || text.isEmpty())
        return;
    try {
        // "key" alone is a tag without a value (as the filter's tag:key).
        const auto [key, value] = text.contains(u'=') ? core::ModelRegistry::parseKeyValue(text, tr("A tag"))
                                                      : std::pair<QString, QString>(text, QString());
        core::ModelRegistry(m_workspace->database(), m_workspace->blobs()).setTags(*v, {{key, value}}, {});
    } catch (const core::WorkspaceError &e) {
        showMessage(e.message());
        return;
    }
    m_tagEdit->clear();
    reloadAndSelect(v->name, v->version);
}

void ModelsPane::removeSelectedTags()
{
    const std::optional<core::ModelVersion> v = currentVersion();
    if (!v || !m_workspace)
        return;
    QStringList keys;
    for (const QListWidgetItem *item : m_tags->selectedItems())
        keys.append(item->data(Qt::UserRole).toString());
    if (keys.isEmpty()) {
        showMessage(tr("Select the tags to remove in the list first."));
        return;
    }
    try {
        core::ModelRegistry(m_workspace->database(), m_workspace->blobs()).setTags(*v, {}, keys);
    } catch (const core::WorkspaceError &e) {
        showMessage(e.message());
        return;
    }
    reloadAndSelect(v->name, v->version);
}

} // namespace mldesk::ui
