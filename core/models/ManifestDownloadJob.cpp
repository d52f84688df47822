// ManifestDownloadJob: runs ManifestDownload::execute on a pool thread and re-posts its signals; see the header.
#include "core/models/ManifestDownloadJob.h"
#include "core/jobs/JobOutcome.h"

#include <QElapsedTimer>
#include <QThreadPool>
#include <QtConcurrentRun>

#include <exception>

namespace mldesk::core {

ManifestDownloadJob::ManifestDownloadJob(ManifestDownloadParams params, QObject *parent)
    : QObject(parent), m_params(std::move(params))
{
}

ManifestDownloadJob::~ManifestDownloadJob()
{
    m_cancel = true;
    m_future.waitForFinished();
}

void ManifestDownloadJob::start(QThreadPool *pool)
{
    if (m_running.exchange(true))
        return;
    m_cancel = false;
    m_future = QtConcurrent::run(pool ? pool : QThreadPool::globalInstance(), [this] {
        QElapsedTimer throttle;
        throttle.start();
        qint64 lastPost = -1000;
        auto onProgress = [&](qint64 done, qint64 total, const QString &file) {
            if (done != 0 && done != total && throttle.elapsed() - lastPost < 100)
                return;
            lastPost = throttle.elapsed();
            QMetaObject::invokeMethod(
                this, [this, done, total, file] { emit progress(done, total, file); }, Qt::QueuedConnection);
        };
        postJobOutcome(
            this, m_running, [&] { return ManifestDownload::execute(m_params, onProgress, &m_cancel); },
            [this](const auto &result) { emit succeeded(result); },
            [this](const QString &message) { emit failed(message); });
    });
}

} // namespace mldesk::core
