// ModelService: jobs for model versions on the service's own pool; see the header.
#include "core/models/ModelService.h"

#include "core/models/ModelLineage.h"
#include "core/store/BlobStore.h"
#include "core/workspace/Workspace.h"

using namespace Qt::StringLiterals;

namespace mldesk::core {

ModelService::ModelService(Workspace &workspace, QObject *parent) : QObject(parent), m_workspace(workspace)
{
    m_pool.setMaxThreadCount(2); // file copies are disk-bound: more threads only interleave seeks
}

ModelService::~ModelService()
{
    m_pool.waitForDone();
}

std::unique_ptr<ManifestDownloadJob> ModelService::download(const ModelVersion &version, const QString &folder,
                                                            bool overwrite)
{
    ManifestDownloadParams params;
    params.blobRoot = m_workspace.blobs().root();
    params.entries = version.files;
    params.targetFolder = folder;
    params.overwrite = overwrite;
    params.what = u"model "_s + version.qualifiedName();
    return std::make_unique<ManifestDownloadJob>(params);
}

std::unique_ptr<ModelExportJob> ModelService::exportZip(const ModelVersion &version, const QString &zipPath,
                                                        bool overwrite)
{
    ModelExportParams params;
    params.blobRoot = m_workspace.blobs().root();
    params.version = version;
    params.lineage = ModelLineage(m_workspace.database()).of(version); // read here: the worker has no connection
    params.zipPath = zipPath;
    params.overwrite = overwrite;
    return std::make_unique<ModelExportJob>(params);
}

} // namespace mldesk::core
