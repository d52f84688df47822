// WorkspaceGc: the reference set from workspace.db, then a walk of blobs/ removing what is outside it.
#include "core/workspace/WorkspaceGc.h"

#include "core/store/BlobStore.h"
#include "core/store/Database.h"
#include "core/workspace/Workspace.h"
#include "core/workspace/WorkspaceError.h"

#include <QDateTime>
#include <QDir>
#include <QDirIterator>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSqlQuery>

using namespace Qt::StringLiterals;

namespace mldesk::core {

namespace {

// Manifests are JSON arrays of {"path", "hash", "size"}.
void addManifestHashes(const QString &json, QSet<QString> &out)
{
    const QJsonArray entries = QJsonDocument::fromJson(json.toUtf8()).array();
    for (const QJsonValue &entry : entries) {
        const QString hash = entry.toObject().value(u"hash"_s).toString();
        if (BlobStore::isValidHash(hash))
            out.insert(hash);
    }
}

// One source of blob references: the owning row's id column, and a column holding a hash or a manifest.
struct Source {
    BlobOwner::Kind kind;
    QString table;
    QString idColumn;
    QString column;
    bool manifest;
};

// Every column that names blobs. A new one (a container image, an endpoint's files...) must be added here, or gc
// would take its blobs: TestWorkspaceGc checks each registry's blobs survive.
// Reviewed through schema 8: metric chunks (6), sweep columns and leases (7) and endpoints (8) name no blobs (an
// endpoint copies its model version's files into its own folder; the model version keeps naming them).
const QList<Source> &sources()
{
    static const QList<Source> list = {
        {BlobOwner::Kind::DatasetVersion, u"dataset_files"_s, u"dataset_version_id"_s, u"blob_hash"_s, false},
        {BlobOwner::Kind::Run, u"runs"_s, u"id"_s, u"snapshot_manifest_json"_s, true},
        {BlobOwner::Kind::Run, u"runs"_s, u"id"_s, u"outputs_manifest_json"_s, true},
        {BlobOwner::Kind::ModelVersion, u"model_versions"_s, u"id"_s, u"manifest_json"_s, true},
    };
    return list;
}

// A null cutoff (no grace asked for) takes every file: a blob stored in the same millisecond is no exception.
bool isOlderThan(const QFileInfo &info, const QDateTime &cutoff)
{
    return cutoff.isNull() || info.lastModified().toUTC() < cutoff;
}

} // namespace

qint64 GcResult::freedBytes() const
{
    qint64 total = 0;
    for (const GcItem &item : blobs)
        total += item.bytes;
    for (const GcItem &item : temporary)
        total += item.bytes;
    return total;
}

WorkspaceGc::WorkspaceGc(Workspace &workspace) : WorkspaceGc(workspace.database(), workspace.blobs(), workspace.path())
{
}

QSet<QString> WorkspaceGc::hashes(const BlobOwner &only, const BlobOwner &except) const
{
    QSet<QString> out;
    Database &db = m_db;
    for (const Source &source : sources()) {
        if (only.kind != BlobOwner::Kind::None && only.kind != source.kind)
            continue;
        QString sql = u"SELECT %1 FROM %2"_s.arg(source.column, source.table);
        QVariantList bindings;
        if (only.kind != BlobOwner::Kind::None) {
            sql += u" WHERE %1 = ?"_s.arg(source.idColumn);
            bindings.append(only.id);
        } else if (except.kind == source.kind) {
            sql += u" WHERE %1 <> ?"_s.arg(source.idColumn);
            bindings.append(except.id);
        }
        QSqlQuery q = db.exec(sql, bindings);
        while (q.next()) {
            const QString text = q.value(0).toString();
            if (source.manifest)
                addManifestHashes(text, out);
            else if (BlobStore::isValidHash(text))
                out.insert(text);
        }
    }
    return out;
}

QSet<QString> WorkspaceGc::referencedBlobs(const BlobOwner &except) const
{
    return hashes({}, except);
}

QSet<QString> WorkspaceGc::blobsOf(const BlobOwner &owner) const
{
    return owner.kind == BlobOwner::Kind::None ? QSet<QString>() : hashes(owner, {});
}

QSet<QString> WorkspaceGc::exclusiveBlobs(const BlobOwner &owner, qint64 *bytes) const
{
    QSet<QString> mine = blobsOf(owner);
    mine.subtract(referencedBlobs(owner));
    if (bytes) {
        *bytes = 0;
        for (const QString &hash : std::as_const(mine))
            *bytes += QFileInfo(m_blobs.pathFor(hash)).size();
    }
    return mine;
}

GcResult WorkspaceGc::collect(const GcOptions &options)
{
    if (m_db.schemaVersion() > reviewedSchemaVersion())
        throw WorkspaceError(
            u"workspace gc knows the stored-file references of schema versions up to %1, and this "
            u"workspace is at %2: nothing was removed (update MLDesk, or report this)"_s.arg(reviewedSchemaVersion())
                .arg(m_db.schemaVersion()));
    GcResult result;
    const QDateTime cutoff =
        options.graceSeconds > 0 ? QDateTime::currentDateTimeUtc().addSecs(-options.graceSeconds) : QDateTime();
    const QSet<QString> referenced = referencedBlobs();
    const QString root = m_blobs.root();
    const QDir workspace(m_path);

    QDirIterator it(root + u"/sha256"_s, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QFileInfo info(it.next());
        const QString hash = info.dir().dirName() + info.fileName();
        if (!BlobStore::isValidHash(hash) || m_blobs.pathFor(hash) != info.filePath())
            continue; // not a blob of this store's layout: left alone
        if (referenced.contains(hash)) {
            ++result.referencedCount;
            continue;
        }
        if (!isOlderThan(info, cutoff)) {
            ++result.youngCount;
            continue;
        }
        // Checked again just before removing: a registration may have stored it again meanwhile (it refreshes the
        // time), and its rows may now name it.
        if (!options.dryRun && !isOlderThan(QFileInfo(info.filePath()), cutoff)) {
            ++result.youngCount;
            continue;
        }
        const qint64 size = info.size(); // read before the file goes
        if (!options.dryRun && !QFile::remove(info.filePath()))
            continue;
        result.blobs.append({workspace.relativeFilePath(info.filePath()), size});
    }

    // blobs/tmp: half-written blobs and registration downloads of processes that did not finish.
    const QDir tmp(root + u"/tmp"_s);
    for (const QFileInfo &info : tmp.entryInfoList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot)) {
        // A folder (a registration's downloads) counts as young while anything in it is.
        bool young = !isOlderThan(info, cutoff);
        qint64 bytes = info.isDir() ? 0 : info.size();
        if (info.isDir()) {
            QDirIterator files(info.filePath(), QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot,
                               QDirIterator::Subdirectories);
            while (files.hasNext()) {
                const QFileInfo inner(files.next());
                young = young || !isOlderThan(inner, cutoff);
                bytes += inner.isFile() ? inner.size() : 0;
            }
        }
        if (young)
            continue;
        if (!options.dryRun) {
            const bool removed =
                info.isDir() ? QDir(info.filePath()).removeRecursively() : QFile::remove(info.filePath());
            if (!removed)
                continue;
        }
        result.temporary.append({workspace.relativeFilePath(info.filePath()), bytes});
    }
    return result;
}

} // namespace mldesk::core
