// DatasetRegistry: datasets and their versions in workspace.db - each version a manifest of files (relative path,
// size, SHA-256 blob, source). Lookup, listing and the one transactional commit of a new version.
// Fetching and hashing the sources is DatasetRegistrationJob's; presenting a version to a run, DatasetMaterializer's.
#pragma once

#include <QDateTime>
#include <QList>
#include <QMap>
#include <QString>

#include <optional>

namespace mldesk::core {

class Database;

struct DatasetFile {
    QString relativePath; // '/'-separated, no '..', no leading '/'
    qint64 size = 0;
    QString hash;   // SHA-256, lower-case hex: the blob
    QString source; // URL or absolute local path it was registered from
};

struct DatasetVersion {
    qint64 id = 0; // dataset_versions.id
    QString name;
    int version = 0;
    QString description;
    QString manifestHash;
    int fileCount = 0;
    qint64 totalBytes = 0;
    QDateTime created; // UTC
    QMap<QString, QString> tags;
};

struct DatasetSummary {
    qint64 id = 0;
    QString name;
    QString description;
    QDateTime created; // UTC
    int latestVersion = 0;
    int versionCount = 0;
    int latestFileCount = 0;
    qint64 latestTotalBytes = 0;
};

struct DatasetCommit {
    DatasetVersion version;
    bool unchanged = false; // identical to the latest version, which is returned
};

class DatasetRegistry final {
public:
    explicit DatasetRegistry(Database &db) : m_db(db) {}

    QList<DatasetSummary> list() const; // by name
    std::optional<DatasetSummary> find(const QString &name) const;
    // All versions, oldest first. Throws WorkspaceError for an unknown name.
    QList<DatasetVersion> versions(const QString &name) const;
    // version 0 = latest. Throws WorkspaceError naming the versions there are.
    DatasetVersion version(const QString &name, int version = 0) const;
    // "NAME" or "NAME:VERSION" (as typed on the command line); throws WorkspaceError.
    DatasetVersion resolve(const QString &nameAndVersion) const;
    QList<DatasetFile> files(const DatasetVersion &version) const; // by relative path

    // Records files as a new version of name in one transaction. Identical content to the latest version returns
    // it with unchanged = true. Different content under an existing name needs createNewVersion (Azure ML's
    // create_new_version), else WorkspaceError. Throws WorkspaceError for a bad name or empty file list.
    DatasetCommit commit(const QString &name, const QString &description, const QMap<QString, QString> &tags,
                         QList<DatasetFile> files, bool createNewVersion);

    // True when some dataset version lists the blob (used to clean up after a failed registration).
    bool isBlobReferenced(const QString &hash) const;

    // SHA-256 over the sorted "path\tsize\thash\n" lines: equal manifests, equal content (sources do not count).
    static QString manifestHash(const QList<DatasetFile> &files);
    // Letters, digits, '_', '-', '.', starting with a letter or digit, at most 255 characters.
    static bool isValidName(const QString &name);
    static bool isValidRelativePath(const QString &path);
    static QString tagEntityKind() { return QStringLiteral("dataset_version"); }

private:
    DatasetVersion readVersion(qint64 datasetId, const QString &name, int version) const;

    Database &m_db;
};

} // namespace mldesk::core
