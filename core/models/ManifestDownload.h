// ManifestDownload: copies the files of a manifest (relative path, SHA-256 blob, size) out of the blob store into a
// folder - streamed, written under temporary names, verified by SHA-256 after writing, then renamed. Never writes
// outside the folder, never replaces an existing file unless asked. Used for model versions and run files.
#pragma once

#include <QList>
#include <QString>
#include <QStringList>

#include <atomic>
#include <functional>

namespace mldesk::core {

struct ManifestEntry {
    QString path; // '/'-separated, relative: no '..', no leading '/'
    QString hash; // SHA-256 of the content, lower-case hex: the blob
    qint64 size = 0;
};

struct ManifestDownloadParams {
    QString blobRoot; // <workspace>/blobs
    QList<ManifestEntry> entries;
    QString targetFolder; // created when missing
    bool overwrite = false;
    QString what; // for messages: "model keras-mnist:1", "run keras-mnist_17..._ab12"
};

struct ManifestDownloadResult {
    QStringList files; // absolute paths written, in manifest order
    qint64 bytes = 0;
};

class ManifestDownload final {
public:
    using Progress = std::function<void(qint64 bytesDone, qint64 bytesTotal, const QString &file)>;

    // Checks everything first (safe paths, no duplicates, existing files, blobs present), then copies file by file.
    // Throws WorkspaceError naming the file and what to do: an unsafe path, an existing file (without overwrite),
    // a missing or damaged blob, a write error, or cancel. A failing file leaves nothing under its final name;
    // files finished before the failure stay.
    static ManifestDownloadResult execute(const ManifestDownloadParams &params, const Progress &progress = {},
                                          const std::atomic_bool *cancel = nullptr);

    // Relative, '/'-separated, no empty, '.' or '..' parts, no backslash, no NUL, no drive letter.
    static bool isSafeRelativePath(const QString &path);
    // The entries at or below prefix ("outputs/model" takes "outputs/model/x", not "outputs/model2"), their paths
    // made relative to prefix; a prefix naming one file gives that file under its own name. Empty prefix: all.
    static QList<ManifestEntry> select(const QList<ManifestEntry> &entries, const QString &prefix);
};

} // namespace mldesk::core
