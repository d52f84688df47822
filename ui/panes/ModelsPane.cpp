// ModelsPane: the list side - the models and versions tables, read from ModelRegistry on the pane's StoreReader
// (stale answers dropped, the selection kept by key). The details card and the actions are ModelsPaneDetails.cpp.
#include "ui/panes/ModelsPane.h"

#include "core/models/ModelService.h"
#include "core/store/Database.h"
#include "core/workspace/Workspace.h"
#include "core/workspace/WorkspaceError.h"
#include "ui/models/TableModel.h"
#include "ui/widgets/TableViews.h"

#include <QCheckBox>
#include <QFileDialog>
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
    const quint64 sequence = m_reloads.start();
    m_toolbar->setVisible(m_workspace != nullptr);
    showMessage(QString());
    if (!m_workspace) {
        m_reloads.answer(sequence);
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
    if (!m_reloads.answer(sequence))
        return; // a newer reload is in flight (another filter, an edit): its answer follows
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
    // None of it listed: the first listed (by name).
    setRowsKeepingCurrent(m_modelView, *m_models, std::move(listed.rows), {selected}, IfNoneListed::FirstRow);
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
    if (row < 0 && m_reloads.inFlight()) {
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
    const QString key = m_models->row(row).key.toString();
    if (currentModel() == key && m_versionsOf == key) {
        // Its versions are shown: only the version moves (unless it is still to be read).
        if (version > 0 && !setCurrentKey(m_versionView, *m_versions, version))
            m_wantedVersion = version;
        return;
    }
    m_selecting = true;
    setCurrentRow(m_modelView, *m_models, row);
    m_selecting = false;
    m_wantedVersion = version;
    loadVersions();
}

void ModelsPane::loadVersions()
{
    const quint64 sequence = m_versionReads.start();
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
    if (!m_versionReads.isNewest(sequence) || name != currentModel())
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
    setRowsKeepingCurrent(m_versionView, *m_versions, std::move(rows), {version}, IfNoneListed::FirstRow);
    m_versionsOf = name;
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

} // namespace mldesk::ui
