// ModelExport: a Keras model version as one .zip - model.json + model.h5 (verified against the manifest while they
// are written) + mldesk-model.json (the version's metadata and lineage). ModelExportJob runs it as a long job
// (CONVENTIONS 6); the archive appears at its path only when complete.
#pragma once

#include "core/models/ModelLineage.h"
#include "core/models/ModelRegistry.h"

#include <QFuture>
#include <QJsonObject>
#include <QMetaType>
#include <QObject>

#include <atomic>
#include <functional>

class QThreadPool;

namespace mldesk::core {

struct ModelExportParams {
    QString blobRoot; // <workspace>/blobs
    ModelVersion version;
    ModelLineageInfo lineage;
    QString zipPath;
    bool overwrite = false;
};

struct ModelExportResult {
    QString zipPath;  // absolute
    qint64 bytes = 0; // of the archive
    QStringList entries;
};

class ModelExport final {
public:
    static QString metadataFileName() { return QStringLiteral("mldesk-model.json"); }
    // Throws WorkspaceError: not a Keras model, a file missing, a damaged blob (naming the file), an existing zip
    // without overwrite, a write error, cancel. Nothing is left at zipPath on failure.
    static ModelExportResult execute(const ModelExportParams &params,
                                     const std::function<void(qint64 done, qint64 total)> &progress = {},
                                     const std::atomic_bool *cancel = nullptr);
    // The content of mldesk-model.json.
    static QJsonObject metadata(const ModelVersion &version, const ModelLineageInfo &lineage);
};

class ModelExportJob final : public QObject {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ModelExportJob)
public:
    explicit ModelExportJob(ModelExportParams params, QObject *parent = nullptr);
    ~ModelExportJob() override; // cancels and waits

    void start(QThreadPool *pool = nullptr); // QThreadPool::globalInstance() when null
    void cancel() { m_cancel = true; }
    bool isRunning() const { return m_running; }

signals:
    void progress(qint64 bytesDone, qint64 bytesTotal);
    void succeeded(const mldesk::core::ModelExportResult &result);
    void failed(const QString &message);

private:
    ModelExportParams m_params;
    std::atomic_bool m_cancel{false};
    std::atomic_bool m_running{false};
    QFuture<void> m_future;
};

} // namespace mldesk::core

Q_DECLARE_METATYPE(mldesk::core::ModelExportResult)
