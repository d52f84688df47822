// DeleteActions: the confirmation, refusal and clean-up boxes, and the gc on a worker thread.
#include "ui/dialogs/DeleteActions.h"

#include "core/store/BlobStore.h"
#include "core/store/Database.h"
#include "core/workspace/Workspace.h"
#include "core/workspace/WorkspaceError.h"

#include <QFutureWatcher>
#include <QLocale>
#include <QMessageBox>
#include <QPushButton>
#include <QtConcurrent>

namespace mldesk::ui {

namespace {

QString bullets(const QStringList &lines)
{
    QString html = QStringLiteral("<ul>");
    for (const QString &line : lines)
        html += QStringLiteral("<li>%1</li>").arg(line.toHtmlEscaped());
    return html + QStringLiteral("</ul>");
}

QString human(qint64 bytes)
{
    return QLocale::c().formattedDataSize(bytes, 1, QLocale::DataSizeTraditionalFormat);
}

} // namespace

DeleteActions::DeleteActions(QWidget *window, WorkspaceGetter workspace)
    : QObject(window), m_window(window), m_workspace(std::move(workspace))
{
}

QMessageBox *DeleteActions::box(const QString &objectName, const QString &title, const QString &text,
                                const QString &info)
{
    auto *b = new QMessageBox(m_window);
    b->setObjectName(objectName);
    b->setAttribute(Qt::WA_DeleteOnClose);
    b->setWindowTitle(title);
    b->setTextFormat(Qt::RichText);
    b->setText(text);
    b->setInformativeText(info);
    return b;
}

void DeleteActions::confirmAndDelete(Kind kind, const QStringList &keys)
{
    core::Workspace *ws = m_workspace();
    if (!ws || keys.isEmpty())
        return;
    QList<core::DeletionPlan> plans;
    QStringList goes, refusals;
    try {
        core::WorkspaceDeleter deleter(*ws);
        for (const QString &key : keys) {
            core::DeletionPlan plan = kind == Kind::Run              ? deleter.planRun(key)
                                      : kind == Kind::DatasetVersion ? deleter.planDatasetVersion(key)
                                      : kind == Kind::ModelVersion   ? deleter.planModelVersion(key)
                                                                     : deleter.planEnvironmentVersion(key);
            goes += plan.goes;
            for (const QString &why : std::as_const(plan.refusal))
                refusals.append(plan.what + QStringLiteral(": ") + why);
            plans.append(plan);
        }
    } catch (const core::WorkspaceError &e) {
        box(QStringLiteral("deleteErrorBox"), tr("Delete"), e.message().toHtmlEscaped(), {})->open();
        return;
    }
    const QString what = plans.size() == 1 ? plans.first().what : tr("%n item(s)", nullptr, int(plans.size()));
    if (!refusals.isEmpty()) {
        QMessageBox *b =
            box(QStringLiteral("deleteRefusedBox"), tr("Cannot Delete"),
                tr("<b>%1</b> cannot be deleted; nothing was changed.").arg(what.toHtmlEscaped()), bullets(refusals));
        b->setIcon(QMessageBox::Information);
        b->setStandardButtons(QMessageBox::Close);
        b->open();
        return;
    }
    QMessageBox *b = box(QStringLiteral("deleteConfirmBox"), tr("Delete"),
                         tr("Delete <b>%1</b>? This cannot be undone.").arg(what.toHtmlEscaped()),
                         tr("This deletes:") + bullets(goes));
    b->setIcon(QMessageBox::Warning);
    QPushButton *yes = b->addButton(tr("Delete"), QMessageBox::DestructiveRole);
    yes->setObjectName(QStringLiteral("confirmDeleteButton"));
    QPushButton *no = b->addButton(QMessageBox::Cancel);
    no->setObjectName(QStringLiteral("cancelDeleteButton"));
    b->setDefaultButton(no);
    connect(yes, &QPushButton::clicked, this, [this, ws, plans] {
        if (m_workspace() != ws)
            return; // another workspace was opened meanwhile: its plans do not apply
        QStringList done;
        try {
            core::WorkspaceDeleter deleter(*ws);
            for (const core::DeletionPlan &plan : plans) {
                deleter.execute(plan);
                done.append(plan.what);
            }
        } catch (const core::WorkspaceError &e) {
            box(QStringLiteral("deleteErrorBox"), tr("Delete"), e.message().toHtmlEscaped(), {})->open();
        }
        if (!done.isEmpty())
            emit deleted(done);
    });
    b->open();
}

void DeleteActions::cleanUp()
{
    collectInBackground(true);
}

void DeleteActions::collectInBackground(bool dryRun)
{
    core::Workspace *ws = m_workspace();
    if (!ws || m_collecting)
        return;
    m_collecting = true;
    const QString dbFile = ws->database().filePath();
    const QString blobRoot = ws->blobs().root();
    const QString path = ws->path();
    // The walk of blobs/ can take seconds on a big workspace: a worker thread with its own connection.
    auto *watcher = new QFutureWatcher<core::GcResult>(this);
    connect(watcher, &QFutureWatcher<core::GcResult>::finished, this, [this, watcher, dryRun, ws] {
        watcher->deleteLater();
        m_collecting = false;
        if (m_workspace() != ws)
            return;
        try {
            const core::GcResult result = watcher->result();
            if (dryRun) {
                showCleanUpPreview(result);
                return;
            }
            QMessageBox *b =
                box(QStringLiteral("cleanUpResultBox"), tr("Clean Up Workspace"),
                    tr("Freed <b>%1</b>.").arg(human(result.freedBytes())),
                    tr("Removed %n stored file(s) nothing referred to", nullptr, int(result.blobs.size())) +
                        tr(" and %n temporary leftover(s).", nullptr, int(result.temporary.size())));
            b->setStandardButtons(QMessageBox::Close);
            b->open();
            emit cleanedUp(result);
        } catch (const std::exception &e) {
            box(QStringLiteral("deleteErrorBox"), tr("Clean Up Workspace"), QString::fromUtf8(e.what()).toHtmlEscaped(),
                {})
                ->open();
        }
    });
    watcher->setFuture(QtConcurrent::run([dbFile, blobRoot, path, dryRun] {
        std::unique_ptr<core::Database> db = core::Database::open(dbFile);
        core::BlobStore blobs(blobRoot);
        core::GcOptions options;
        options.dryRun = dryRun;
        core::GcResult result = core::WorkspaceGc(*db, blobs, path).collect(options);
        db.reset();
        return result;
    }));
}

void DeleteActions::showCleanUpPreview(const core::GcResult &preview)
{
    const int count = int(preview.blobs.size() + preview.temporary.size());
    if (count == 0) {
        QMessageBox *b = box(QStringLiteral("cleanUpBox"), tr("Clean Up Workspace"),
                             tr("Nothing to clean up: every stored file is in use."),
                             tr("%n unreferenced file(s) younger than an hour are kept (a registration may be about "
                                "to use them).",
                                nullptr, preview.youngCount));
        b->setStandardButtons(QMessageBox::Close);
        b->open();
        return;
    }
    QStringList paths;
    for (const core::GcItem &item : preview.blobs + preview.temporary)
        paths.append(QStringLiteral("%1  %2").arg(human(item.bytes), item.path));
    QMessageBox *b =
        box(QStringLiteral("cleanUpBox"), tr("Clean Up Workspace"),
            tr("Remove <b>%1</b> of stored files nothing refers to any more?").arg(human(preview.freedBytes())),
            tr("%n unreferenced stored file(s)", nullptr, int(preview.blobs.size())) +
                tr(" and %n temporary leftover(s). Datasets, runs and models in use keep all their files.", nullptr,
                   int(preview.temporary.size())));
    b->setDetailedText(paths.join(u'\n'));
    QPushButton *remove = b->addButton(tr("Remove"), QMessageBox::DestructiveRole);
    remove->setObjectName(QStringLiteral("confirmCleanUpButton"));
    b->addButton(QMessageBox::Cancel);
    connect(remove, &QPushButton::clicked, this, [this] { collectInBackground(false); });
    b->open();
}

} // namespace mldesk::ui
