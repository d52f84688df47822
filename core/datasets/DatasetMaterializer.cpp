// DatasetMaterializer: links or copies a version's blobs into a folder; see the header.
#include "core/datasets/DatasetMaterializer.h"

#include "core/store/BlobStore.h"
#include "core/workspace/WorkspaceError.h"

#include <QCryptographicHash>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>

using namespace Qt::StringLiterals;

namespace mldesk::core {

namespace {

constexpr QFileDevice::Permissions kReadOnlyDir = QFileDevice::ReadOwner | QFileDevice::ExeOwner |
                                                  QFileDevice::ReadGroup | QFileDevice::ExeGroup |
                                                  QFileDevice::ReadOther | QFileDevice::ExeOther;

void checkTarget(const QString &folder)
{
    const QFileInfo info(folder);
    if (info.exists() && !info.isDir())
        throw WorkspaceError(u"%1 exists and is not a folder; choose another place"_s.arg(folder));
}

QString safeTarget(const QString &folder, const QString &relativePath)
{
    if (!DatasetRegistry::isValidRelativePath(relativePath))
        throw WorkspaceError(u"the dataset lists an unsafe path '%1'; refusing to write it"_s.arg(relativePath));
    return QDir(folder).filePath(relativePath);
}

} // namespace

void DatasetMaterializer::mount(const BlobStore &blobs, const QList<DatasetFile> &files, const QString &folder)
{
    checkTarget(folder);
    QDir dir(folder);
    if (dir.exists() && !dir.isEmpty(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot))
        throw WorkspaceError(u"cannot mount a dataset into %1: the folder is not empty"_s.arg(folder));
    if (!QDir().mkpath(folder))
        throw WorkspaceError(u"cannot create %1; check permissions"_s.arg(folder));
    QStringList folders{QDir(folder).absolutePath()};
    try {
        for (const DatasetFile &f : files) {
            const QString target = safeTarget(folder, f.relativePath);
            const QString blob = blobs.pathFor(f.hash);
            if (!QFileInfo(blob).isFile())
                throw WorkspaceError(
                    u"the blob of '%1' (%2) is missing from the workspace; re-register the dataset"_s.arg(
                        f.relativePath, f.hash));
            const QString parent = QFileInfo(target).absolutePath();
            if (!QDir().mkpath(parent))
                throw WorkspaceError(u"cannot create %1"_s.arg(parent));
            if (!folders.contains(parent))
                folders.append(parent);
            if (!QFile::link(QFileInfo(blob).absoluteFilePath(), target))
                throw WorkspaceError(u"cannot create the link %1"_s.arg(target));
        }
    } catch (...) {
        unmount(folder);
        throw;
    }
    // Deepest first, so a parent never loses write permission before its children are done.
    std::sort(folders.begin(), folders.end(), [](const QString &a, const QString &b) { return a.size() > b.size(); });
    for (const QString &f : folders)
        QFile::setPermissions(f, kReadOnlyDir);
}

bool DatasetMaterializer::unmount(const QString &folder)
{
    if (!QFileInfo(folder).isDir())
        return !QFileInfo::exists(folder);
    const QFileDevice::Permissions writable = kReadOnlyDir | QFileDevice::WriteOwner;
    QFile::setPermissions(folder, writable);
    QDirIterator it(folder, QDir::Dirs | QDir::NoDotAndDotDot | QDir::Hidden | QDir::NoSymLinks,
                    QDirIterator::Subdirectories);
    while (it.hasNext())
        QFile::setPermissions(it.next(), writable);
    return QDir(folder).removeRecursively(); // removes links, never follows them
}

void DatasetMaterializer::download(const BlobStore &blobs, const QList<DatasetFile> &files, const QString &folder,
                                   const std::function<void(qint64, qint64)> &progress, const std::atomic_bool *cancel)
{
    checkTarget(folder);
    if (!QDir().mkpath(folder))
        throw WorkspaceError(u"cannot create %1; check permissions"_s.arg(folder));
    qint64 total = 0;
    for (const DatasetFile &f : files)
        total += f.size;
    qint64 done = 0;
    if (progress)
        progress(0, total);
    for (const DatasetFile &f : files) {
        const QString target = safeTarget(folder, f.relativePath);
        if (QFileInfo(target).isFile() && QFileInfo(target).size() == f.size && BlobStore::hashFile(target) == f.hash) {
            done += f.size;
            if (progress)
                progress(done, total);
            continue;
        }
        if (!QDir().mkpath(QFileInfo(target).absolutePath()))
            throw WorkspaceError(u"cannot create %1"_s.arg(QFileInfo(target).absolutePath()));
        std::unique_ptr<QFile> source = blobs.open(f.hash);
        QSaveFile out(target); // written aside and renamed: a reader never sees half a file
        if (!out.open(QIODevice::WriteOnly))
            throw WorkspaceError(u"cannot write %1: %2"_s.arg(target, out.errorString()));
        QCryptographicHash sha(QCryptographicHash::Sha256);
        QByteArray chunk;
        while (!(chunk = source->read(1 << 20)).isEmpty()) {
            if (cancel && *cancel)
                throw WorkspaceError(u"download of the dataset into %1 canceled"_s.arg(folder));
            sha.addData(chunk);
            if (out.write(chunk) != chunk.size())
                throw WorkspaceError(u"cannot write %1: %2"_s.arg(target, out.errorString()));
            done += chunk.size();
            if (progress)
                progress(done, total);
        }
        if (QString::fromLatin1(sha.result().toHex()) != f.hash)
            throw WorkspaceError(u"the stored copy of '%1' is damaged (its SHA-256 does not match %2); re-register "
                                 u"the dataset"_s.arg(f.relativePath, f.hash));
        if (!out.commit())
            throw WorkspaceError(u"cannot write %1: %2"_s.arg(target, out.errorString()));
    }
}

} // namespace mldesk::core
