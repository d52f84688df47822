// BlobStore: streaming SHA-256 into a temporary file, fsync, then rename into blobs/sha256/ab/cdef...
#include "core/store/BlobStore.h"

#include "core/workspace/WorkspaceError.h"

#include <QBuffer>
#include <QCryptographicHash>
#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QTemporaryFile>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <unistd.h>

using namespace Qt::StringLiterals;

namespace mldesk::core {

namespace {

constexpr qint64 kChunk = 1 << 20;

QString tempFolder(const QString &root)
{
    return root + u"/tmp"_s;
}

// fsync a folder so a rename into it survives a power cut.
void syncFolder(const QString &folder)
{
    QFile dir(folder);
    if (dir.open(QIODevice::ReadOnly))
        ::fsync(dir.handle());
}

} // namespace

BlobStore::BlobStore(QString root) : m_root(QDir::cleanPath(std::move(root)))
{
    if (!QDir().mkpath(m_root + u"/sha256"_s) || !QDir().mkpath(tempFolder(m_root)))
        throw WorkspaceError(u"cannot create the blob store folders under %1; check permissions"_s.arg(m_root));
}

bool BlobStore::isValidHash(const QString &hash)
{
    if (hash.size() != 64)
        return false;
    for (const QChar c : hash) {
        if (!((c >= u'0' && c <= u'9') || (c >= u'a' && c <= u'f')))
            return false;
    }
    return true;
}

QString BlobStore::pathFor(const QString &hash) const
{
    if (!isValidHash(hash))
        throw WorkspaceError(u"'%1' is not a blob hash (expected 64 lower-case hex digits of a SHA-256)"_s.arg(hash));
    return m_root + u"/sha256/"_s + hash.left(2) + u'/' + hash.mid(2);
}

bool BlobStore::exists(const QString &hash) const
{
    return isValidHash(hash) && QFileInfo(pathFor(hash)).isFile();
}

QString BlobStore::putFile(const QString &sourcePath)
{
    QFile source(sourcePath);
    if (!QFileInfo(sourcePath).isFile() || !source.open(QIODevice::ReadOnly))
        throw WorkspaceError(u"cannot read %1 (%2); check that the file exists and is readable"_s.arg(
            sourcePath, QFileInfo(sourcePath).isDir() ? u"it is a folder"_s : source.errorString()));
    // A small file whose content is stored already (a snapshot of an unchanged source: every trial of a sweep) is
    // not written and fsynced again: read once, hashed, and only its blob's time refreshed (as putDevice does).
    if (source.size() <= 4 * 1024 * 1024) {
        QByteArray bytes = source.readAll();
        if (bytes.size() == source.size()) {
            const QString hash =
                QString::fromLatin1(QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex());
            QFile existing(pathFor(hash));
            if (existing.open(QIODevice::ReadOnly) && existing.size() == bytes.size()) {
                existing.setFileTime(QDateTime::currentDateTimeUtc(), QFileDevice::FileModificationTime);
                return hash;
            }
            QBuffer buffer(&bytes);
            buffer.open(QIODevice::ReadOnly);
            return putDevice(buffer);
        }
        source.seek(0);
    }
    return putDevice(source);
}

QString BlobStore::putBytes(const QByteArray &bytes)
{
    QByteArray copy = bytes;
    QBuffer buffer(&copy);
    buffer.open(QIODevice::ReadOnly);
    return putDevice(buffer);
}

namespace {

// Why a write to file failed, in words: Qt reports a full disk as "Unknown error", so errno has the last word.
std::string writeFailure(const QString &what, const QFileDevice &file)
{
    const int error = errno;
    QString why = file.errorString();
    if (error != 0 && (why.isEmpty() || why == u"Unknown error"_s || error == ENOSPC))
        why = QString::fromLocal8Bit(std::strerror(error));
    if (error == ENOSPC)
        why += u" (the disk holding the workspace is full; free space and try again)"_s;
    return QString(what + u" failed: "_s + why).toStdString();
}

} // namespace

QString BlobStore::putDevice(QIODevice &source)
{
    QTemporaryFile temp(tempFolder(m_root) + u"/incoming-XXXXXX"_s);
    if (!temp.open())
        throw std::runtime_error(
            u"cannot create a temporary file in %1: %2"_s.arg(tempFolder(m_root), temp.errorString()).toStdString());
    QCryptographicHash sha(QCryptographicHash::Sha256);
    QByteArray chunk;
    while (true) {
        chunk = source.read(kChunk);
        if (chunk.isEmpty()) {
            if (!source.atEnd())
                throw WorkspaceError(u"reading the source failed: %1"_s.arg(source.errorString()));
            break;
        }
        sha.addData(chunk);
        errno = 0;
        if (temp.write(chunk) != chunk.size())
            throw std::runtime_error(writeFailure(u"writing "_s + temp.fileName(), temp));
    }
    errno = 0;
    if (!temp.flush() || ::fsync(temp.handle()) != 0)
        throw std::runtime_error(writeFailure(u"writing "_s + temp.fileName(), temp));

    const QString hash = QString::fromLatin1(sha.result().toHex());
    const QString target = pathFor(hash);
    if (QFileInfo(target).isFile()) {
        // Same content already stored (temp is removed on scope exit). Its time is refreshed: workspace gc keeps
        // young blobs, so one about to be named by a registration's rows is not taken meanwhile.
        QFile existing(target);
        if (existing.open(QIODevice::ReadOnly))
            existing.setFileTime(QDateTime::currentDateTimeUtc(), QFileDevice::FileModificationTime);
        return hash;
    }
    const QString folder = QFileInfo(target).absolutePath();
    if (!QDir().mkpath(folder))
        throw std::runtime_error(u"cannot create %1"_s.arg(folder).toStdString());
    temp.setPermissions(QFileDevice::ReadOwner | QFileDevice::ReadGroup | QFileDevice::ReadOther);
    if (m_beforeRename)
        m_beforeRename(temp.fileName());
    // QTemporaryFile::rename is a plain rename(2) on the same filesystem (never copy + delete), so the blob
    // appears whole or not at all.
    if (!temp.rename(target)) {
        if (QFileInfo(target).isFile())
            return hash; // another writer stored the same content first
        throw std::runtime_error(
            u"cannot move the blob into place at %1: %2"_s.arg(target, temp.errorString()).toStdString());
    }
    temp.setAutoRemove(false);
    syncFolder(folder);
    return hash;
}

std::unique_ptr<QFile> BlobStore::open(const QString &hash) const
{
    auto file = std::make_unique<QFile>(pathFor(hash));
    if (!file->exists())
        throw WorkspaceError(u"there is no blob %1 in this workspace"_s.arg(hash));
    if (!file->open(QIODevice::ReadOnly))
        throw WorkspaceError(u"cannot read blob %1: %2"_s.arg(hash, file->errorString()));
    return file;
}

QByteArray BlobStore::read(const QString &hash) const
{
    return open(hash)->readAll();
}

QString BlobStore::hashFile(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        throw WorkspaceError(u"cannot read %1: %2"_s.arg(path, file.errorString()));
    QCryptographicHash sha(QCryptographicHash::Sha256);
    if (!sha.addData(&file))
        throw WorkspaceError(u"cannot read %1: %2"_s.arg(path, file.errorString()));
    return QString::fromLatin1(sha.result().toHex());
}

bool BlobStore::verify(const QString &hash) const
{
    return exists(hash) && hashFile(pathFor(hash)) == hash;
}

} // namespace mldesk::core
