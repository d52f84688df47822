// ModelService: the model registry's long jobs for one workspace - it owns the thread pool they run on (CONVENTIONS
// 6) and builds download/export jobs from a model version. The GUI's Models pane and the CLI start jobs through it.
#pragma once

#include "core/models/ManifestDownloadJob.h"
#include "core/models/ModelExport.h"

#include <QObject>
#include <QThreadPool>

#include <memory>

namespace mldesk::core {

class Workspace;

class ModelService final : public QObject {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ModelService)
public:
    // workspace must outlive the service.
    explicit ModelService(Workspace &workspace, QObject *parent = nullptr);
    ~ModelService() override; // waits for running jobs

    // A job copying version's files into folder, not yet started: connect to it, then job->start(pool()).
    std::unique_ptr<ManifestDownloadJob> download(const ModelVersion &version, const QString &folder, bool overwrite);
    // A job writing the Keras export of version to zipPath, not yet started (job->start(pool())).
    std::unique_ptr<ModelExportJob> exportZip(const ModelVersion &version, const QString &zipPath, bool overwrite);

    QThreadPool *pool() { return &m_pool; }

private:
    Workspace &m_workspace;
    QThreadPool m_pool;
};

} // namespace mldesk::core
