// RunOutputs: the outputs tree and its download / register-model actions.
#include "ui/runs/RunOutputs.h"

#include "core/models/ManifestDownload.h"
#include "core/store/BlobStore.h"
#include "core/workspace/Workspace.h"
#include "ui/dialogs/RegisterModelDialog.h"
#include "ui/models/TableModel.h"
#include "ui/widgets/JobStatus.h"

#include <QFileDialog>
#include <QHBoxLayout>
#include <QHash>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace mldesk::ui {

namespace {
constexpr int kPathRole = Qt::UserRole;       // the file's or folder's path in the run
constexpr int kFolderRole = Qt::UserRole + 1; // true for folders
} // namespace

RunOutputs::RunOutputs(QWidget *parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("runOutputs"));
    m_tree = new QTreeWidget;
    m_tree->setObjectName(QStringLiteral("outputsTree"));
    m_tree->setHeaderLabels({tr("File"), tr("Size")});
    m_tree->header()->setStretchLastSection(false);
    m_tree->header()->setSectionResizeMode(0, QHeaderView::Stretch);
    m_tree->header()->resizeSection(1, 110);
    m_download = new QPushButton(tr("Download\u2026"));
    m_download->setObjectName(QStringLiteral("downloadOutputButton"));
    m_download->setToolTip(tr("Copy the selected file or folder into a folder, verified by SHA-256"));
    m_register = new QPushButton(tr("Register Model\u2026"));
    m_register->setObjectName(QStringLiteral("registerModelButton"));
    m_register->setToolTip(tr("Register the selected folder of a completed run as a new model version"));
    auto *hint = new QLabel(tr("Select a file or folder."));
    hint->setForegroundRole(QPalette::PlaceholderText);
    m_job = new JobStatus;
    m_job->setObjectName(QStringLiteral("outputsJobStatus"));

    auto *tools = new QHBoxLayout;
    tools->addWidget(m_download);
    tools->addWidget(m_register);
    tools->addWidget(hint);
    tools->addStretch(1);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 6, 0, 0);
    layout->addLayout(tools);
    layout->addWidget(m_tree, 1);
    layout->addWidget(m_job);

    m_chooser = [](QWidget *parentWidget, const QString &title) {
        return QFileDialog::getExistingDirectory(parentWidget, title);
    };
    connect(m_tree, &QTreeWidget::currentItemChanged, this, &RunOutputs::updateButtons);
    connect(m_download, &QPushButton::clicked, this, &RunOutputs::download);
    connect(m_register, &QPushButton::clicked, this, &RunOutputs::openRegisterModel);
    updateButtons();
}

void RunOutputs::setWorkspace(core::Workspace *workspace)
{
    m_workspace = workspace;
    updateButtons();
}

void RunOutputs::setActivityList(ActivityList *activities)
{
    m_job->setActivityList(activities);
}

void RunOutputs::setRun(const core::RunRecord &run)
{
    const QString selected = selectedPath();
    m_run = run;
    m_tree->clear();
    QHash<QString, QTreeWidgetItem *> folders;
    std::function<QTreeWidgetItem *(const QString &)> folder = [&](const QString &path) -> QTreeWidgetItem * {
        if (path.isEmpty())
            return nullptr;
        if (auto *found = folders.value(path))
            return found;
        const qsizetype slash = path.lastIndexOf(u'/');
        QTreeWidgetItem *parent = folder(slash < 0 ? QString() : path.left(slash));
        auto *item = parent ? new QTreeWidgetItem(parent) : new QTreeWidgetItem(m_tree);
        item->setText(0, slash < 0 ? path : path.mid(slash + 1));
        item->setData(0, kPathRole, path);
        item->setData(0, kFolderRole, true);
        folders.insert(path, item);
        return item;
    };
    QHash<QTreeWidgetItem *, qint64> folderBytes;
    for (const core::RunFileEntry &f : run.outputs) {
        const qsizetype slash = f.path.lastIndexOf(u'/');
        QTreeWidgetItem *parent = folder(slash < 0 ? QString() : f.path.left(slash));
        auto *item = parent ? new QTreeWidgetItem(parent) : new QTreeWidgetItem(m_tree);
        item->setText(0, slash < 0 ? f.path : f.path.mid(slash + 1));
        item->setText(1, TableModel::formatBytes(f.size));
        item->setTextAlignment(1, Qt::AlignRight | Qt::AlignVCenter);
        item->setData(0, kPathRole, f.path);
        item->setData(0, kFolderRole, false);
        item->setToolTip(0, f.path + QStringLiteral("\nSHA-256 ") + f.hash);
        for (QTreeWidgetItem *p = parent; p; p = p->parent())
            folderBytes[p] += f.size;
    }
    for (auto it = folderBytes.cbegin(); it != folderBytes.cend(); ++it) {
        it.key()->setText(1, TableModel::formatBytes(it.value()));
        it.key()->setTextAlignment(1, Qt::AlignRight | Qt::AlignVCenter);
    }
    m_tree->expandAll();
    if (run.outputs.isEmpty()) {
        auto *item = new QTreeWidgetItem(m_tree);
        item->setText(0, run.isActive() ? tr("Outputs are captured when the run ends.") : tr("No outputs."));
        item->setDisabled(true);
    }
    // The seed's model folder is what people come here for: preselected, so Register Model is one click.
    if (selected.isEmpty() || !select(selected))
        select(QStringLiteral("outputs/model"));
    updateButtons();
}

bool RunOutputs::select(const QString &path)
{
    for (QTreeWidgetItemIterator it(m_tree); *it; ++it) {
        if ((*it)->data(0, kPathRole).toString() == path) {
            m_tree->setCurrentItem(*it);
            return true;
        }
    }
    return false;
}

QString RunOutputs::selectedPath() const
{
    const QTreeWidgetItem *item = m_tree->currentItem();
    return item ? item->data(0, kPathRole).toString() : QString();
}

void RunOutputs::updateButtons()
{
    const QString path = selectedPath();
    const QTreeWidgetItem *item = m_tree->currentItem();
    const bool folder = item && item->data(0, kFolderRole).toBool();
    m_download->setEnabled(m_workspace && !path.isEmpty());
    const bool completed = m_run.state == core::RunState::Completed;
    m_register->setEnabled(m_workspace && folder && completed && path.startsWith(QStringLiteral("outputs")));
    if (!completed)
        m_register->setToolTip(tr("Only a Completed run's outputs can be registered as a model"));
    else if (!folder)
        m_register->setToolTip(tr("Select the folder that holds the model (e.g. outputs/model)"));
    else
        m_register->setToolTip(tr("Register %1 as a new model version").arg(path));
}

void RunOutputs::download()
{
    const QString path = selectedPath();
    if (!m_workspace || path.isEmpty())
        return;
    QList<core::ManifestEntry> entries;
    for (const core::RunFileEntry &f : std::as_const(m_run.outputs))
        entries.append({f.path, f.hash, f.size});
    entries = core::ManifestDownload::select(entries, path);
    const QTreeWidgetItem *item = m_tree->currentItem();
    if (item && item->data(0, kFolderRole).toBool()) {
        // A folder arrives as a folder of its own name, as in a file manager.
        const QString name = path.section(u'/', -1);
        for (core::ManifestEntry &e : entries)
            e.path = name + u'/' + e.path;
    }
    const QString folder = m_chooser(this, tr("Download %1 Into").arg(path));
    if (folder.isEmpty())
        return;
    core::ManifestDownloadParams params;
    params.blobRoot = m_workspace->blobs().root();
    params.entries = entries;
    params.targetFolder = folder;
    params.what = tr("run %1").arg(m_run.uid);
    m_job->runDownload(std::make_unique<core::ManifestDownloadJob>(params), nullptr, tr("Downloading %1").arg(path));
}

RegisterModelDialog *RunOutputs::openRegisterModel()
{
    const QString path = selectedPath();
    if (!m_workspace || path.isEmpty())
        return nullptr;
    auto *dialog = new RegisterModelDialog(*m_workspace, m_run.uid, path, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &RegisterModelDialog::registered, this, [this](const core::ModelVersion &version) {
        m_job->showMessage(
            tr("Registered model %1 (%n file(s)); it is listed in the Models pane.", nullptr, int(version.files.size()))
                .arg(version.qualifiedName()),
            false);
        emit modelRegistered(version);
    });
    dialog->open();
    return dialog;
}

} // namespace mldesk::ui
