// ManifestDownloadJob: ManifestDownload as a long job (CONVENTIONS 6) - params in, result out, atomic cancel,
// progress/succeeded/failed signals delivered on the job's thread; the work runs on a thread pool.
#pragma once

#include "core/models/ManifestDownload.h"

#include <QFuture>
#include <QMetaType>
#include <QObject>

#include <atomic>

class QThreadPool;

namespace mldesk::core {

class ManifestDownloadJob final : public QObject {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ManifestDownloadJob)
public:
    explicit ManifestDownloadJob(ManifestDownloadParams params, QObject *parent = nullptr);
    ~ManifestDownloadJob() override; // cancels and waits, so the worker never outlives the job

    const ManifestDownloadParams &params() const { return m_params; }
    // Runs on pool (QThreadPool::globalInstance() when null).
    void start(QThreadPool *pool = nullptr);
    void cancel() { m_cancel = true; }
    bool isRunning() const { return m_running; }

signals:
    // At most ~10 a second, plus the first and the last.
    void progress(qint64 bytesDone, qint64 bytesTotal, const QString &file);
    void succeeded(const mldesk::core::ManifestDownloadResult &result);
    void failed(const QString &message);

private:
    ManifestDownloadParams m_params;
    std::atomic_bool m_cancel{false};
    std::atomic_bool m_running{false};
    QFuture<void> m_future;
};

} // namespace mldesk::core

Q_DECLARE_METATYPE(mldesk::core::ManifestDownloadResult)
