// JobStatus: wiring of a download/export job to the inline status row and the activity list.
#include "ui/widgets/JobStatus.h"

#include "ui/models/TableModel.h"
#include "ui/widgets/ActivityList.h"

#include <QDesktopServices>
#include <QDir>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QUrl>

namespace mldesk::ui {

JobStatus::JobStatus(QWidget *parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("jobStatus"));
    m_label = new QLabel;
    m_label->setObjectName(QStringLiteral("jobStatusLabel"));
    m_label->setWordWrap(true);
    m_label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_bar = new QProgressBar;
    m_bar->setObjectName(QStringLiteral("jobProgress"));
    m_bar->setMaximumWidth(260);
    m_cancel = new QPushButton(tr("Cancel"));
    m_cancel->setObjectName(QStringLiteral("jobCancelButton"));
    m_open = new QPushButton(tr("Open Folder"));
    m_open->setObjectName(QStringLiteral("openFolderButton"));
    m_close = new QPushButton(tr("Dismiss"));
    m_close->setObjectName(QStringLiteral("jobDismissButton"));
    m_close->setFlat(true);
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 2, 0, 2);
    layout->addWidget(m_label, 1);
    layout->addWidget(m_bar);
    layout->addWidget(m_cancel);
    layout->addWidget(m_open);
    layout->addWidget(m_close);
    m_opener = [](const QString &folder) {
        QDesktopServices::openUrl(QUrl::fromLocalFile(folder));
    };
    connect(m_cancel, &QPushButton::clicked, this, &JobStatus::cancel);
    connect(m_open, &QPushButton::clicked, this, [this] {
        if (!m_folder.isEmpty() && m_opener)
            m_opener(m_folder);
    });
    connect(m_close, &QPushButton::clicked, this, &QWidget::hide);
    hide();
}

JobStatus::~JobStatus()
{
    if (m_activity && m_activities)
        m_activities->finish(m_activity);
    m_job.reset(); // the job's destructor cancels and waits for its worker
}

bool JobStatus::begin(QObject *job, const QString &title, std::function<void()> cancel)
{
    if (m_job) {
        delete job;
        m_label->setText(tr("Wait for \u201c%1\u201d to finish or cancel it first.").arg(m_title));
        return false;
    }
    m_job.reset(job);
    m_title = title;
    m_folder.clear();
    m_label->setStyleSheet(QString());
    m_label->setText(title + QStringLiteral("\u2026"));
    m_bar->setRange(0, 0);
    m_bar->show();
    m_cancel->show();
    m_cancel->setEnabled(true);
    m_open->hide();
    m_close->hide();
    show();
    if (m_activities)
        m_activity = m_activities->start(title, std::move(cancel));
    return true;
}

bool JobStatus::runDownload(std::unique_ptr<core::ManifestDownloadJob> job, QThreadPool *pool, const QString &title)
{
    core::ManifestDownloadJob *raw = job.get();
    if (!begin(job.release(), title, [this] { cancel(); }))
        return false;
    const QString folder = raw->params().targetFolder;
    connect(raw, &core::ManifestDownloadJob::progress, this, &JobStatus::progress);
    connect(raw, &core::ManifestDownloadJob::succeeded, this, [this, folder](const core::ManifestDownloadResult &r) {
        end(true,
            tr("%1: %n file(s), %2, verified (SHA-256), in %3", nullptr, int(r.files.size()))
                .arg(m_title, TableModel::formatBytes(r.bytes), QDir::toNativeSeparators(folder)),
            folder);
    });
    connect(raw, &core::ManifestDownloadJob::failed, this, [this](const QString &m) { end(false, m, {}); });
    raw->start(pool);
    return true;
}

bool JobStatus::runExport(std::unique_ptr<core::ModelExportJob> job, QThreadPool *pool, const QString &title)
{
    core::ModelExportJob *raw = job.get();
    if (!begin(job.release(), title, [this] { cancel(); }))
        return false;
    connect(raw, &core::ModelExportJob::progress, this,
            [this](qint64 done, qint64 total) { progress(done, total, {}); });
    connect(raw, &core::ModelExportJob::succeeded, this, [this](const core::ModelExportResult &r) {
        end(true, tr("%1: %2 (%3)").arg(m_title, QDir::toNativeSeparators(r.zipPath), TableModel::formatBytes(r.bytes)),
            QFileInfo(r.zipPath).absolutePath());
    });
    connect(raw, &core::ModelExportJob::failed, this, [this](const QString &m) { end(false, m, {}); });
    raw->start(pool);
    return true;
}

void JobStatus::cancel()
{
    if (auto *d = qobject_cast<core::ManifestDownloadJob *>(m_job.get()))
        d->cancel();
    else if (auto *e = qobject_cast<core::ModelExportJob *>(m_job.get()))
        e->cancel();
    m_cancel->setEnabled(false);
}

void JobStatus::progress(qint64 done, qint64 total, const QString &file)
{
    if (total > 0) {
        m_bar->setRange(0, 1000);
        m_bar->setValue(int(1000.0 * double(done) / double(total)));
    }
    const QString detail = tr("%1 of %2").arg(TableModel::formatBytes(done), TableModel::formatBytes(total));
    m_label->setText(file.isEmpty() ? tr("%1: %2").arg(m_title, detail) : tr("%1: %2 (%3)").arg(m_title, detail, file));
    if (m_activities && m_activity)
        m_activities->update(m_activity, detail);
}

void JobStatus::end(bool ok, const QString &message, const QString &folder)
{
    if (m_activities && m_activity)
        m_activities->finish(m_activity);
    m_activity = 0;
    if (m_job)
        m_job.release()->deleteLater(); // we are inside its signal
    m_folder = ok ? folder : QString();
    showMessage(message, !ok);
    m_open->setVisible(ok && !folder.isEmpty());
    emit finished(ok, message);
}

void JobStatus::showMessage(const QString &text, bool error)
{
    m_label->setText(text);
    m_label->setStyleSheet(error ? QStringLiteral("color: #c0392b;") : QString());
    m_bar->hide();
    m_cancel->hide();
    m_open->hide();
    m_close->show();
    setVisible(!text.isEmpty());
}

QString JobStatus::message() const
{
    return m_label->text();
}

} // namespace mldesk::ui
