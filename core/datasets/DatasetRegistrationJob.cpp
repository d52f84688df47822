// DatasetRegistrationJob: fetch, hash, store, commit; see the header for the guarantees.
#include "core/datasets/DatasetRegistrationJob.h"
#include "core/jobs/JobOutcome.h"

#include "core/store/BlobStore.h"
#include "core/workspace/Workspace.h"
#include "core/workspace/WorkspaceError.h"

#include <QCryptographicHash>
#include <QDir>
#include <QDirIterator>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QThreadPool>
#include <QtConcurrentRun>

using namespace Qt::StringLiterals;

namespace mldesk::core {

namespace {

struct Item {
    QString relativePath;
    QString source;    // as the manifest records it
    QUrl url;          // set for downloads
    QString localPath; // the file to hash and store (a download's temporary file once fetched)
    qint64 size = -1;
    QString hash;
};

void throwIfCanceled(const std::atomic_bool &cancel, const QString &name)
{
    if (cancel)
        throw WorkspaceError(u"registration of dataset '%1' canceled; nothing was registered"_s.arg(name));
}

QList<Item> expandSources(const DatasetRegistrationParams &params)
{
    if (params.sources.isEmpty())
        throw WorkspaceError(
            u"no sources given for dataset '%1': name files, folders or http(s) URLs"_s.arg(params.name));
    QList<Item> items;
    for (const QString &source : params.sources) {
        const QUrl url(source);
        const QString scheme = url.scheme().toLower();
        if (scheme == u"http"_s || scheme == u"https"_s) {
            QString file = url.fileName(QUrl::FullyDecoded);
            if (file.isEmpty())
                throw WorkspaceError(u"the URL %1 does not end in a file name; give the URL of a file"_s.arg(source));
            items.append(Item{file, url.toString(QUrl::FullyEncoded), url, {}, -1, {}});
            continue;
        }
        if (!scheme.isEmpty() && scheme != u"file"_s && !QFileInfo::exists(source))
            throw WorkspaceError(
                u"'%1' uses the scheme '%2:'; sources are http(s) URLs, files or folders"_s.arg(source, scheme));
        const QString path = scheme == u"file"_s ? url.toLocalFile() : source;
        const QFileInfo info(path);
        if (info.isFile()) {
            items.append(Item{info.fileName(), info.absoluteFilePath(), {}, info.absoluteFilePath(), info.size(), {}});
        } else if (info.isDir()) {
            const QDir root(info.absoluteFilePath());
            QDirIterator it(root.absolutePath(), QDir::Files | QDir::Hidden | QDir::NoDotAndDotDot,
                            QDirIterator::Subdirectories);
            int before = int(items.size());
            while (it.hasNext()) {
                const QString file = it.next();
                const QFileInfo fi(file);
                items.append(
                    Item{root.relativeFilePath(file), fi.absoluteFilePath(), {}, fi.absoluteFilePath(), fi.size(), {}});
            }
            if (items.size() == before)
                throw WorkspaceError(u"the folder %1 holds no files"_s.arg(info.absoluteFilePath()));
        } else {
            throw WorkspaceError(u"'%1' is neither an http(s) URL nor an existing file or folder"_s.arg(source));
        }
    }
    std::sort(items.begin(), items.end(), [](const Item &a, const Item &b) { return a.relativePath < b.relativePath; });
    for (int i = 1; i < items.size(); ++i) {
        if (items[i].relativePath == items[i - 1].relativePath)
            throw WorkspaceError(
                u"two sources give the file '%1' (%2 and %3); register them under different names"_s.arg(
                    items[i].relativePath, items[i - 1].source, items[i].source));
    }
    return items;
}

QString hashWithProgress(const QString &path, const std::atomic_bool &cancel, const QString &name,
                         const std::function<void(qint64)> &step)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        throw WorkspaceError(u"cannot read %1: %2"_s.arg(path, file.errorString()));
    QCryptographicHash sha(QCryptographicHash::Sha256);
    QByteArray chunk;
    qint64 done = 0;
    while (!(chunk = file.read(1 << 20)).isEmpty()) {
        throwIfCanceled(cancel, name);
        sha.addData(chunk);
        done += chunk.size();
        step(done);
    }
    if (!file.atEnd())
        throw WorkspaceError(u"reading %1 failed: %2"_s.arg(path, file.errorString()));
    return QString::fromLatin1(sha.result().toHex());
}

} // namespace

DatasetRegistrationJob::DatasetRegistrationJob(DatasetRegistrationParams params, std::shared_ptr<HttpClient> http,
                                               QObject *parent)
    : QObject(parent), m_params(std::move(params)), m_http(http ? std::move(http) : HttpClient::create())
{
    qRegisterMetaType<DatasetRegistrationProgress>();
    qRegisterMetaType<DatasetRegistrationResult>();
}

DatasetRegistrationJob::~DatasetRegistrationJob()
{
    m_cancel = true;
    m_future.waitForFinished();
}

void DatasetRegistrationJob::start(QThreadPool *pool)
{
    if (m_running.exchange(true))
        return;
    m_cancel = false;
    m_future = QtConcurrent::run(pool ? pool : QThreadPool::globalInstance(), [this] {
        QElapsedTimer throttle;
        throttle.start();
        qint64 lastPost = -1000;
        auto onProgress = [&](const DatasetRegistrationProgress &p) {
            // At most ~10 a second, but always the first and last of each file.
            const bool edge = p.bytes == 0 || (p.total >= 0 && p.bytes == p.total);
            if (!edge && throttle.elapsed() - lastPost < 100)
                return;
            lastPost = throttle.elapsed();
            QMetaObject::invokeMethod(
                this, [this, p] { emit progress(p); }, Qt::QueuedConnection);
        };
        postJobOutcome(
            this, m_running, [&] { return execute(m_params, *m_http, onProgress, m_cancel); },
            [this](const auto &result) { emit succeeded(result); },
            [this](const QString &message) { emit failed(message); });
    });
}

DatasetRegistrationResult
DatasetRegistrationJob::execute(const DatasetRegistrationParams &params, HttpClient &http,
                                const std::function<void(const DatasetRegistrationProgress &)> &progress,
                                const std::atomic_bool &cancel)
{
    using Phase = DatasetRegistrationProgress::Phase;
    if (!DatasetRegistry::isValidName(params.name))
        throw WorkspaceError(u"'%1' is not a valid dataset name: use letters, digits, '_', '-' and '.', starting "
                             u"with a letter or digit (at most 255 characters)"_s.arg(params.name));
    QList<Item> items = expandSources(params);
    std::unique_ptr<Workspace> workspace = Workspace::open(params.workspacePath);
    BlobStore &blobs = workspace->blobs();
    // Downloads land next to the blob store (same filesystem) and vanish with this folder whatever happens.
    QTemporaryDir downloads(blobs.root() + u"/tmp/register-XXXXXX"_s);
    if (!downloads.isValid())
        throw WorkspaceError(
            u"cannot create a temporary folder under %1/tmp: %2"_s.arg(blobs.root(), downloads.errorString()));
    const int count = int(items.size());
    auto report = [&](Phase phase, int index, qint64 bytes, qint64 total, double rate) {
        if (progress)
            progress(
                DatasetRegistrationProgress{phase, items[index].relativePath, index + 1, count, bytes, total, rate});
    };

    // 1. Fetch what is remote.
    for (int i = 0; i < count; ++i) {
        Item &item = items[i];
        if (!item.url.isValid())
            continue;
        throwIfCanceled(cancel, params.name);
        item.localPath = downloads.filePath(QString::number(i));
        report(Phase::Downloading, i, 0, -1, 0);
        const DownloadResult r = http.download(
            item.url, item.localPath, params.http,
            [&](const DownloadProgress &p) { report(Phase::Downloading, i, p.received, p.total, p.bytesPerSecond); },
            &cancel);
        if (r.canceled)
            throwIfCanceled(cancel, params.name);
        if (!r.ok)
            throw WorkspaceError(r.error + u"; nothing was registered"_s);
        item.size = r.bytes;
    }

    // 2. Hash everything (sources may be large: streamed, with progress).
    QList<DatasetFile> files;
    for (int i = 0; i < count; ++i) {
        Item &item = items[i];
        QElapsedTimer timer;
        timer.start();
        const qint64 size = QFileInfo(item.localPath).size();
        report(Phase::Hashing, i, 0, size, 0);
        item.hash = hashWithProgress(item.localPath, cancel, params.name, [&](qint64 done) {
            report(Phase::Hashing, i, done, size, done * 1000.0 / std::max<qint64>(timer.elapsed(), 1));
        });
        item.size = size;
        files.append(DatasetFile{item.relativePath, item.size, item.hash, item.source});
    }

    DatasetRegistry registry(workspace->database());
    // Same content as the latest version: nothing to store.
    if (const auto existing = registry.find(params.name); existing && existing->latestVersion > 0) {
        const DatasetVersion latest = registry.version(params.name, 0);
        if (latest.manifestHash == DatasetRegistry::manifestHash(files))
            return DatasetRegistrationResult{latest, true};
    }

    // 3. Store blobs, remembering those this registration adds, then commit; undo the blobs on any failure.
    QStringList added;
    try {
        for (int i = 0; i < count; ++i) {
            throwIfCanceled(cancel, params.name);
            const Item &item = items[i];
            report(Phase::Storing, i, 0, item.size, 0);
            const bool existed = blobs.exists(item.hash);
            const QString stored = blobs.putFile(item.localPath);
            if (!existed)
                added.append(stored);
            if (stored != item.hash)
                throw WorkspaceError(u"%1 changed while it was being registered; try again"_s.arg(item.source));
            report(Phase::Storing, i, item.size, item.size, 0);
        }
        throwIfCanceled(cancel, params.name);
        const DatasetCommit commit =
            registry.commit(params.name, params.description, params.tags, files, params.createNewVersion);
        return DatasetRegistrationResult{commit.version, commit.unchanged};
    } catch (...) {
        for (const QString &hash : added) {
            if (!registry.isBlobReferenced(hash))
                QFile::remove(blobs.pathFor(hash));
        }
        throw;
    }
}

} // namespace mldesk::core
