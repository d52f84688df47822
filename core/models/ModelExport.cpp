// ModelExport: builds the export archive with ZipWriter, hashing each file as it streams; see the header.
#include "core/models/ModelExport.h"
#include "core/jobs/JobOutcome.h"

#include "core/models/ZipWriter.h"
#include "core/store/BlobStore.h"
#include "core/workspace/WorkspaceError.h"

#include <QCryptographicHash>
#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QThreadPool>
#include <QtConcurrentRun>

using namespace Qt::StringLiterals;

namespace mldesk::core {

namespace {

QJsonObject toObject(const QMap<QString, QString> &map)
{
    QJsonObject o;
    for (auto it = map.begin(); it != map.end(); ++it)
        o.insert(it.key(), it.value());
    return o;
}

// The manifest entry called fileName: at the top, else the only one of that name anywhere.
const ManifestEntry *findFile(const ModelVersion &v, const QString &fileName)
{
    const ManifestEntry *found = nullptr;
    int count = 0;
    for (const ManifestEntry &e : v.files) {
        if (e.path == fileName)
            return &e;
        if (e.path.section(u'/', -1) == fileName) {
            found = &e;
            ++count;
        }
    }
    return count == 1 ? found : nullptr;
}

} // namespace

QJsonObject ModelExport::metadata(const ModelVersion &v, const ModelLineageInfo &lineage)
{
    QJsonArray files;
    for (const ManifestEntry &e : v.files)
        files.append(QJsonObject{{u"path"_s, e.path}, {u"sha256"_s, e.hash}, {u"size"_s, double(e.size)}});
    QJsonObject metrics;
    for (auto it = lineage.metrics.begin(); it != lineage.metrics.end(); ++it)
        metrics.insert(it.key(), it.value());
    const QJsonObject lineageObject{
        {u"run"_s, lineage.runUid.isEmpty() ? QJsonValue() : QJsonValue(lineage.runUid)},
        {u"run_state"_s, lineage.runState},
        {u"experiment"_s, lineage.experiment},
        {u"environment"_s, lineage.environment},
        {u"compute_target"_s, lineage.computeTarget},
        {u"datasets"_s, QJsonArray::fromStringList(lineage.datasets)},
        {u"metrics"_s, metrics},
    };
    return QJsonObject{
        {u"format"_s, 1},
        {u"id"_s, v.qualifiedName()},
        {u"name"_s, v.name},
        {u"version"_s, v.version},
        {u"framework"_s, v.framework},
        {u"description"_s, v.description},
        {u"created"_s, v.created.toString(Qt::ISODateWithMs)},
        {u"source"_s, v.source},
        {u"tags"_s, toObject(v.tags)},
        {u"properties"_s, toObject(v.properties)},
        {u"manifest_sha256"_s, v.manifestHash},
        {u"files"_s, files},
        {u"lineage"_s, lineageObject},
    };
}

ModelExportResult ModelExport::execute(const ModelExportParams &params,
                                       const std::function<void(qint64, qint64)> &progress,
                                       const std::atomic_bool *cancel)
{
    const ModelVersion &v = params.version;
    if (v.framework != u"Keras"_s)
        throw WorkspaceError(u"model %1 is a %2 model; export makes Keras archives (model.json + model.h5). Use "
                             u"mldesk-cli model download %1 --to DIR instead"_s.arg(v.qualifiedName(), v.framework));
    const ManifestEntry *json = findFile(v, u"model.json"_s);
    const ManifestEntry *weights = findFile(v, u"model.h5"_s);
    if (!json || !weights)
        throw WorkspaceError(u"model %1 has no single %2; a Keras export needs model.json and model.h5"_s.arg(
            v.qualifiedName(), !json ? u"model.json"_s : u"model.h5"_s));
    if (params.zipPath.isEmpty())
        throw WorkspaceError(u"name the archive to write (--to FILE.zip)"_s);
    const QFileInfo target(params.zipPath);
    if (target.isDir())
        throw WorkspaceError(u"%1 is a folder; give the path of the .zip to write"_s.arg(target.absoluteFilePath()));
    if (target.exists() && !params.overwrite)
        throw WorkspaceError(u"%1 already exists; choose another name or pass --overwrite to replace it"_s.arg(
            target.absoluteFilePath()));
    if (!QDir().mkpath(target.absolutePath()))
        throw WorkspaceError(u"cannot create %1; check permissions"_s.arg(target.absolutePath()));

    const BlobStore blobs(params.blobRoot);
    const qint64 total = json->size + weights->size;
    qint64 done = 0;
    if (progress)
        progress(0, total);
    // The version's creation time stamps the entries, so exporting twice gives the same archive.
    ZipWriter zip(target.absoluteFilePath(), v.created.isValid() ? v.created : QDateTime::currentDateTimeUtc());
    for (const ManifestEntry *e : {json, weights}) {
        const QString name = e->path.section(u'/', -1);
        std::unique_ptr<QFile> source = blobs.open(e->hash);
        QCryptographicHash sha(QCryptographicHash::Sha256);
        zip.addDevice(name, *source, ZipWriter::Method::Deflated, [&](const QByteArray &chunk) {
            if (cancel && *cancel)
                throw WorkspaceError(u"export of model %1 canceled; no archive was written"_s.arg(v.qualifiedName()));
            sha.addData(chunk);
            done += chunk.size();
            if (progress)
                progress(done, total);
        });
        const QString actual = QString::fromLatin1(sha.result().toHex());
        if (actual != e->hash)
            throw WorkspaceError(u"'%1' of model %2 failed verification: its SHA-256 is %3, the manifest says %4. "
                                 u"The workspace's stored copy is damaged; no archive was written"_s.arg(
                                     e->path, v.qualifiedName(), actual, e->hash));
    }
    const QByteArray meta = QJsonDocument(metadata(v, params.lineage)).toJson(QJsonDocument::Indented);
    zip.addBytes(metadataFileName(), meta);
    zip.finish();
    ModelExportResult result;
    result.zipPath = target.absoluteFilePath();
    result.bytes = QFileInfo(result.zipPath).size();
    result.entries = {u"model.json"_s, u"model.h5"_s, metadataFileName()};
    return result;
}

ModelExportJob::ModelExportJob(ModelExportParams params, QObject *parent) : QObject(parent), m_params(std::move(params))
{
}

ModelExportJob::~ModelExportJob()
{
    m_cancel = true;
    m_future.waitForFinished();
}

void ModelExportJob::start(QThreadPool *pool)
{
    if (m_running.exchange(true))
        return;
    m_cancel = false;
    m_future = QtConcurrent::run(pool ? pool : QThreadPool::globalInstance(), [this] {
        QElapsedTimer throttle;
        throttle.start();
        qint64 lastPost = -1000;
        auto onProgress = [&](qint64 done, qint64 total) {
            if (done != 0 && done != total && throttle.elapsed() - lastPost < 100)
                return;
            lastPost = throttle.elapsed();
            QMetaObject::invokeMethod(
                this, [this, done, total] { emit progress(done, total); }, Qt::QueuedConnection);
        };
        postJobOutcome(
            this, m_running, [&] { return ModelExport::execute(m_params, onProgress, &m_cancel); },
            [this](const auto &result) { emit succeeded(result); },
            [this](const QString &message) { emit failed(message); });
    });
}

} // namespace mldesk::core
