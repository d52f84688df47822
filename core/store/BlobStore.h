// BlobStore: content-addressed files under <workspace>/blobs/sha256/ab/cdef... (lower-case hex SHA-256).
// Writes stream into blobs/tmp/, are fsync'ed and renamed into place, so a blob is either complete or absent.
#pragma once

#include <QByteArray>
#include <QFile>
#include <QIODevice>
#include <QString>

#include <functional>
#include <memory>

namespace mldesk::core {

class BlobStore final {
public:
    // root is <workspace>/blobs; created when missing.
    explicit BlobStore(QString root);

    // Store content and return its hash. Throws WorkspaceError when the source cannot be read,
    // std::runtime_error when the store cannot be written.
    QString putFile(const QString &sourcePath);
    QString putBytes(const QByteArray &bytes);
    QString putDevice(QIODevice &source); // reads source to its end

    bool exists(const QString &hash) const;
    // Where the blob of hash lives (whether or not it exists). Throws WorkspaceError for a malformed hash.
    QString pathFor(const QString &hash) const;
    // Opened read-only; throws WorkspaceError when there is no such blob.
    std::unique_ptr<QFile> open(const QString &hash) const;
    QByteArray read(const QString &hash) const;
    // Re-hashes the stored file: false when it is missing or its content does not match its name.
    bool verify(const QString &hash) const;

    static bool isValidHash(const QString &hash);
    static QString hashFile(const QString &path); // streaming SHA-256 of any file; throws WorkspaceError
    QString root() const { return m_root; }

    // Test seam: called with the temporary file's path after it is written and synced, just before the rename.
    // A throwing hook simulates a write interrupted before the rename.
    void setBeforeRenameHook(std::function<void(const QString &tempPath)> hook) { m_beforeRename = std::move(hook); }

private:
    QString m_root;
    std::function<void(const QString &)> m_beforeRename;
};

} // namespace mldesk::core
