// ManifestDownload: verified, atomic copies of manifest entries from the blob store; see the header.
#include "core/models/ManifestDownload.h"

#include "core/store/BlobStore.h"
#include "core/workspace/WorkspaceError.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFileInfo>
#include <QSet>
#include <QTemporaryFile>

#include <cstdio>
#include <filesystem>
#include <memory>

#include <unistd.h>

using namespace Qt::StringLiterals;

namespace mldesk::core {

namespace {

constexpr qint64 kChunk = 1 << 20;

QString hashOfOpenFile(QFile &file)
{
    QCryptographicHash sha(QCryptographicHash::Sha256);
    file.seek(0);
    QByteArray chunk;
    while (!(chunk = file.read(kChunk)).isEmpty())
        sha.addData(chunk);
    return QString::fromLatin1(sha.result().toHex());
}

// Is path (existing) inside root (existing)? Both canonical, so symbolic links cannot lead out.
bool isInside(const QString &root, const QString &path)
{
    const QString r = QFileInfo(root).canonicalFilePath();
    const QString p = QFileInfo(path).canonicalFilePath();
    return !r.isEmpty() && !p.isEmpty() && (p == r || p.startsWith(r + u'/'));
}

} // namespace

bool ManifestDownload::isSafeRelativePath(const QString &path)
{
    if (path.isEmpty() || path.startsWith(u'/') || path.contains(u'\\') || path.contains(QChar(0)))
        return false;
    if (path.size() >= 2 && path[1] == u':') // "C:..." never names a relative file
        return false;
    const QStringList parts = path.split(u'/');
    for (const QString &p : parts) {
        if (p.isEmpty() || p == u"."_s || p == u".."_s)
            return false;
    }
    return true;
}

QList<ManifestEntry> ManifestDownload::select(const QList<ManifestEntry> &entries, const QString &prefix)
{
    QString clean = prefix;
    while (clean.endsWith(u'/'))
        clean.chop(1);
    while (clean.startsWith(u"./"_s))
        clean = clean.mid(2);
    QList<ManifestEntry> result;
    for (const ManifestEntry &e : entries) {
        if (clean.isEmpty()) {
            result.append(e);
        } else if (e.path == clean) {
            result.append(ManifestEntry{clean.section(u'/', -1), e.hash, e.size});
        } else if (e.path.startsWith(clean + u'/')) {
            result.append(ManifestEntry{e.path.mid(clean.size() + 1), e.hash, e.size});
        }
    }
    return result;
}

ManifestDownloadResult ManifestDownload::execute(const ManifestDownloadParams &params, const Progress &progress,
                                                 const std::atomic_bool *cancel)
{
    const QString what = params.what.isEmpty() ? u"the files"_s : params.what;
    if (params.targetFolder.isEmpty())
        throw WorkspaceError(u"no target folder given for %1; name one (--to DIR)"_s.arg(what));
    const QString folder = QDir(params.targetFolder).absolutePath();
    if (QFileInfo(folder).exists() && !QFileInfo(folder).isDir())
        throw WorkspaceError(u"%1 exists and is not a folder; choose another place to download %2"_s.arg(folder, what));
    if (params.entries.isEmpty())
        throw WorkspaceError(u"%1 has no files to download"_s.arg(what));

    // Everything is checked before the first byte is written.
    const BlobStore blobs(params.blobRoot);
    QSet<QString> seen;
    QStringList existing;
    qint64 total = 0;
    for (const ManifestEntry &e : params.entries) {
        if (!isSafeRelativePath(e.path))
            throw WorkspaceError(
                u"%1 lists the unsafe path '%2' (absolute, or with '..' or empty parts); refusing "
                u"to write outside %3. The manifest is damaged or was crafted; nothing was written"_s.arg(what, e.path,
                                                                                                          folder));
        if (seen.contains(e.path))
            throw WorkspaceError(u"%1 lists '%2' twice; nothing was written"_s.arg(what, e.path));
        seen.insert(e.path);
        if (!BlobStore::isValidHash(e.hash) || !QFileInfo(blobs.pathFor(e.hash)).isFile())
            throw WorkspaceError(u"the stored copy of '%1' (%2) is missing from the workspace's blob store; nothing "
                                 u"was written"_s.arg(e.path, what));
        const QFileInfo target(QDir(folder).filePath(e.path));
        if (target.exists() || target.isSymLink()) {
            if (!target.isFile() || target.isSymLink())
                throw WorkspaceError(
                    u"%1 exists and is not a plain file; move it away to download %2"_s.arg(target.filePath(), what));
            existing.append(e.path);
        }
        total += e.size;
    }
    if (!existing.isEmpty() && !params.overwrite)
        throw WorkspaceError(u"%1 already holds %2; nothing was written. Choose an empty folder or pass --overwrite "
                             u"to replace them"_s.arg(folder, existing.join(u", "_s)));
    if (!QDir().mkpath(folder))
        throw WorkspaceError(u"cannot create %1; check permissions"_s.arg(folder));

    ManifestDownloadResult result;
    qint64 done = 0;
    if (progress)
        progress(0, total, {});
    for (const ManifestEntry &e : params.entries) {
        const QString target = QDir(folder).filePath(e.path);
        const QString parent = QFileInfo(target).absolutePath();
        if (!QDir().mkpath(parent))
            throw WorkspaceError(u"cannot create %1; check permissions"_s.arg(parent));
        if (!isInside(folder, parent))
            throw WorkspaceError(
                u"%1 leads outside %2 (a symbolic link?); refusing to write '%3'"_s.arg(parent, folder, e.path));
        std::unique_ptr<QFile> source = blobs.open(e.hash);
        QTemporaryFile out(parent + u"/."_s + QFileInfo(target).fileName() + u".mldesk-partial-XXXXXX"_s);
        out.setAutoRemove(true); // a failure or cancel leaves nothing behind
        if (!out.open())
            throw WorkspaceError(u"cannot write into %1: %2"_s.arg(parent, out.errorString()));
        QCryptographicHash sha(QCryptographicHash::Sha256);
        QByteArray chunk;
        while (!(chunk = source->read(kChunk)).isEmpty()) {
            if (cancel && *cancel)
                throw WorkspaceError(u"download of %1 canceled at '%2'; %3 of %4 files were written to %5"_s.arg(
                    what, e.path, QString::number(result.files.size()), QString::number(params.entries.size()),
                    folder));
            sha.addData(chunk);
            if (out.write(chunk) != chunk.size())
                throw WorkspaceError(u"cannot write %1: %2"_s.arg(target, out.errorString()));
            done += chunk.size();
            if (progress)
                progress(done, total, e.path);
        }
        if (source->error() != QFileDevice::NoError)
            throw WorkspaceError(u"cannot read the stored copy of '%1': %2"_s.arg(e.path, source->errorString()));
        if (!out.flush() || ::fsync(out.handle()) != 0)
            throw WorkspaceError(u"cannot write %1: %2"_s.arg(target, out.errorString()));
        // Verified after writing: what is on disk now, not only what was read.
        const QString streamed = QString::fromLatin1(sha.result().toHex());
        const QString written = hashOfOpenFile(out);
        if (streamed != e.hash || written != e.hash)
            throw WorkspaceError(u"'%1' of %2 failed verification: its SHA-256 is %3, the manifest says %4. The "
                                 u"workspace's stored copy is damaged; nothing was written under %5"_s.arg(
                                     e.path, what, streamed != e.hash ? streamed : written, e.hash, target));
        out.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ReadGroup |
                           QFileDevice::ReadOther);
        if (!params.overwrite && QFileInfo::exists(target)) // appeared while we were copying
            throw WorkspaceError(u"%1 appeared during the download; nothing was written under it. Pass --overwrite "
                                 u"to replace it"_s.arg(target));
        // rename(2) replaces atomically: a reader sees the old file or the new one, never half of one.
        std::error_code error;
        std::filesystem::rename(out.fileName().toStdString(), target.toStdString(), error);
        if (error)
            throw WorkspaceError(u"cannot move the downloaded '%1' into place at %2: %3"_s.arg(
                e.path, target, QString::fromStdString(error.message())));
        out.setAutoRemove(false);
        result.files.append(target);
        result.bytes += e.size;
    }
    QFile dir(folder);
    if (dir.open(QIODevice::ReadOnly))
        ::fsync(dir.handle());
    return result;
}

} // namespace mldesk::core
