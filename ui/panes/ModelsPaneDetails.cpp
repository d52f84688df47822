// ModelsPane's details side: the selected version's card (files, lineage, tags), and the actions on it - download
// and export jobs, archive/restore and tag edits (short writes on the GUI thread, then a re-read on the pane's reader).
// The list side (the tables and their reads) is ModelsPane.cpp.
#include "ui/panes/ModelsPane.h"

#include "core/models/ModelLineage.h"
#include "core/models/ModelService.h"
#include "core/store/Database.h"
#include "core/workspace/Workspace.h"
#include "core/workspace/WorkspaceError.h"
#include "ui/models/TableModel.h"
#include "ui/widgets/TableViews.h"

#include <QDir>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QTabWidget>
#include <QTableView>
#include <QTextBrowser>
#include <QUrl>
#include <QVBoxLayout>

#include <algorithm>

namespace mldesk::ui {

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
    const quint64 sequence = m_lineageReads.start();
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
            if (!m_lineageReads.isNewest(sequence) || !current || current->qualifiedName() != version.qualifiedName())
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
