// DatasetMaterializer: presents a dataset version to a run - "mount" (a read-only folder of symbolic links into the
// blob store, at the files' relative paths; nothing copied) or "download" (verified copies).
#pragma once

#include "core/datasets/DatasetRegistry.h"

#include <QString>

#include <atomic>
#include <functional>

namespace mldesk::core {

class BlobStore;

class DatasetMaterializer final {
public:
    // Creates folder (which must be absent or empty) holding a link per file; its folders are made read-only.
    // Throws WorkspaceError when a blob is missing or the folder cannot be made.
    static void mount(const BlobStore &blobs, const QList<DatasetFile> &files, const QString &folder);
    // Removes a folder made by mount() (restoring write permission on its folders first); blobs are untouched.
    static bool unmount(const QString &folder);

    // Copies the files into folder (created when missing; existing files with the same content are kept),
    // verifying each SHA-256. progress(bytesDone, bytesTotal) after each chunk. Throws WorkspaceError.
    static void download(const BlobStore &blobs, const QList<DatasetFile> &files, const QString &folder,
                         const std::function<void(qint64, qint64)> &progress = {},
                         const std::atomic_bool *cancel = nullptr);
};

} // namespace mldesk::core
