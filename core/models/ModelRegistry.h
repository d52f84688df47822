// ModelRegistry: registered models in workspace.db - each registration of a name is a new immutable version
// (ID "name:N"), a manifest of blob hashes with framework, tags, properties and the run it came from. Register (from
// local files or a completed run's outputs), browse, tag, archive/restore and delete.
#pragma once

#include "core/models/ManifestDownload.h"
#include "core/models/ModelFilter.h"

#include <QDateTime>
#include <QList>
#include <QMap>
#include <QString>
#include <QStringList>
#include <QVariant>

namespace mldesk::core {

class BlobStore;
class Database;

struct ModelVersion {
    qint64 id = 0; // model_versions.id
    QString name;
    int version = 0;
    QString description;
    QString framework; // "Keras" or "Custom"
    QMap<QString, QString> tags;
    QMap<QString, QString> properties;
    QList<ManifestEntry> files; // by path
    QString manifestHash;
    bool archived = false;
    QDateTime created; // UTC
    qint64 runId = 0;  // 0: registered from local files (or the run was deleted)
    QString runUid;
    QString source; // "outputs/model" of the run, or the local paths registered

    QString qualifiedName() const { return name + u':' + QString::number(version); }
    qint64 totalBytes() const;
};

struct ModelSummary {
    QString name;
    QString description;
    ModelVersion latest;   // the newest version shown (not archived unless asked; matching the filter)
    int versionCount = 0;  // versions shown
    int archivedCount = 0; // of all versions
};

struct ModelRegistration {
    QString name;
    QString description;
    QMap<QString, QString> tags;
    QMap<QString, QString> properties;
    QStringList files; // local files and folders (a folder's files keep their paths inside it)
    QString runUid;    // or a completed run ...
    QString runPath;   // ... and a file or folder inside its outputs ("outputs/model")
};

class ModelRegistry final {
public:
    ModelRegistry(Database &db, BlobStore &blobs) : m_db(db), m_blobs(blobs) {}

    // From local files: stores each in the blob store, then commits. Throws WorkspaceError.
    ModelVersion registerFiles(const ModelRegistration &registration);
    // From a run: refused unless the run is Completed and runPath is in its captured outputs (the message lists
    // what is there). Copies the run's final scalar metrics in as properties the caller did not set, and records
    // the run's environment version and dataset versions. Throws WorkspaceError.
    ModelVersion registerFromRun(const ModelRegistration &registration);

    QList<ModelSummary> list(const ModelFilter &filter = {}, bool includeArchived = false) const; // by name
    // All versions of name, oldest first (archived ones only when asked). Throws WorkspaceError for an unknown name.
    QList<ModelVersion> versions(const QString &name, bool includeArchived = true) const;
    // "NAME" (its latest version not archived) or "NAME:VERSION" (any, archived too). requireVersion refuses "NAME".
    // Throws WorkspaceError naming the versions there are.
    ModelVersion resolve(const QString &nameAndVersion, bool requireVersion = false) const;

    void setTags(const ModelVersion &version, const QMap<QString, QString> &set, const QStringList &remove);
    void setArchived(const ModelVersion &version, bool archived);
    // Deletes the version's record (its blobs stay: other manifests may share them). Version numbers are never
    // reused. Throws WorkspaceError when something depends on it.
    void remove(const ModelVersion &version);

    // Letters, digits, '_', '-', '.', starting with a letter or digit, at most 255 characters.
    static bool isValidName(const QString &name);
    // "k=v" -> (k, v); throws WorkspaceError naming what (e.g. "--tag") was malformed.
    static std::pair<QString, QString> parseKeyValue(const QString &text, const QString &what);
    // "Keras" when a model.json in the manifest is a Keras model description, else "Custom".
    static QString detectFramework(const BlobStore &blobs, const QList<ManifestEntry> &files);
    static QString manifestHash(const QList<ManifestEntry> &files);
    static QString tagEntityKind() { return QStringLiteral("model_version"); }

private:
    struct Commit {
        ModelRegistration registration;
        QList<ManifestEntry> files;
        QString source;
        qint64 runId = 0;
        qint64 environmentVersionId = 0;
        QList<qint64> datasetVersionIds;
    };
    ModelVersion commit(Commit commit);
    ModelVersion read(qint64 versionId) const;
    QList<ModelVersion> readWhere(const QString &where, const QVariantList &bindings) const;
    [[noreturn]] void throwUnknownModel(const QString &name) const;

    Database &m_db;
    BlobStore &m_blobs;
};

} // namespace mldesk::core
