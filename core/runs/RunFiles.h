// RunFiles: the files of a run - the source snapshot taken at submission (respecting .mldeskignore and a size
// limit), the capture of outputs/ and logs/ into the blob store at the end, manifests, and downloads.
#pragma once

#include "core/runs/RunTypes.h"

#include <QList>
#include <QString>

namespace mldesk::core {

class BlobStore;

// One timestamped line (or several) appended to the run's logs/mldesk_system.txt: what MLDesk itself did to the
// run. Best effort: a log that cannot be written never stops the run.
void appendSystemLog(const QString &runDir, const QString &text);

class RunFiles final {
public:
    static constexpr qint64 kDefaultSnapshotLimitBytes = 300LL * 1024 * 1024; // Azure ML's snapshot limit

    struct SourceFile {
        QString relativePath;
        QString absolutePath;
        qint64 size = 0;
    };
    // The files of sourceFolder a snapshot takes (.mldeskignore applied, .git/ always left out), by path.
    // Throws WorkspaceError when the folder is missing or the files total more than limitBytes (naming the
    // biggest ones and what to do).
    static QList<SourceFile> collectSnapshot(const QString &sourceFolder, qint64 limitBytes);
    // Stores the files in blobs and copies them into targetFolder; returns the manifest.
    static QList<RunFileEntry> snapshot(BlobStore &blobs, const QString &sourceFolder, const QString &targetFolder,
                                        qint64 limitBytes);

    // Every regular file under folder (recursively) into blobs; paths in the manifest are prefix + '/' + relative.
    static QList<RunFileEntry> capture(BlobStore &blobs, const QString &folder, const QString &prefix);

    static QString manifestJson(const QList<RunFileEntry> &files);
    // Copies the entries whose path starts with prefix (empty: all) into toFolder at their paths, verifying each
    // SHA-256. Returns the number of files. Throws WorkspaceError when nothing matches or a blob is missing/bad.
    static int download(const BlobStore &blobs, const QList<RunFileEntry> &files, const QString &prefix,
                        const QString &toFolder);
};

} // namespace mldesk::core
