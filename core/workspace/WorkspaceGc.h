// WorkspaceGc: `mldesk-cli workspace gc` and the GUI's Clean Up - removes the blobs nothing in workspace.db refers
// to (dataset files, run snapshots and outputs, model files) and leftovers in blobs/tmp, showing what is freed.
// A grace period keeps young blobs: a registration stores its blobs before it commits the rows naming them, and
// BlobStore refreshes a blob's time when it is stored again, so a blob about to be referenced is never taken.
#pragma once

#include <QList>
#include <QSet>
#include <QString>

namespace mldesk::core {

class BlobStore;
class Database;
class Workspace;

// A row whose blob references are left out of referencedBlobs(): what a deletion would free.
struct BlobOwner {
    enum class Kind { None, Run, DatasetVersion, ModelVersion };
    Kind kind = Kind::None;
    qint64 id = 0; // runs.id, dataset_versions.id, model_versions.id
};

struct GcOptions {
    bool dryRun = false;
    qint64 graceSeconds = 3600; // blobs and temporary files younger than this stay
};

struct GcItem {
    QString path; // relative to the workspace: blobs/sha256/ab/cd..., blobs/tmp/...
    qint64 bytes = 0;
};

struct GcResult {
    QList<GcItem> blobs;     // unreferenced blobs removed (or, with dryRun, that would be)
    QList<GcItem> temporary; // leftovers under blobs/tmp
    int referencedCount = 0; // blobs kept because something refers to them
    int youngCount = 0;      // unreferenced blobs kept for the grace period
    qint64 freedBytes() const;
};

class WorkspaceGc final {
public:
    explicit WorkspaceGc(Workspace &workspace);
    // For a worker thread: its own connection (Database::openForThisThread) and the workspace's blob store.
    WorkspaceGc(Database &db, BlobStore &blobs, QString workspacePath)
        : m_db(db), m_blobs(blobs), m_path(std::move(workspacePath))
    {
    }

    // Every blob hash a row of workspace.db names, except those of `except`.
    QSet<QString> referencedBlobs(const BlobOwner &except = {}) const;
    // The hashes `owner` itself names.
    QSet<QString> blobsOf(const BlobOwner &owner) const;
    // The blobs of `owner` that nothing else names (what deleting it hands to gc), and their size on disk.
    QSet<QString> exclusiveBlobs(const BlobOwner &owner, qint64 *bytes = nullptr) const;

    // Throws WorkspaceError, removing nothing, for a schema newer than reviewedSchemaVersion().
    GcResult collect(const GcOptions &options);

    // The newest schema whose blob-naming columns sources() lists. A migration may add such a column: gc refuses a
    // newer schema until the list is checked and this number raised (TestWorkspaceGc fails meanwhile).
    static int reviewedSchemaVersion() { return 9; }

private:
    QSet<QString> hashes(const BlobOwner &only, const BlobOwner &except) const;

    Database &m_db;
    BlobStore &m_blobs;
    QString m_path;
};

} // namespace mldesk::core
