// EnvironmentRegistry: environments and their versions in workspace.db - a conda specification (original text and
// parsed view), an optional docker base image and environment variables - plus the two curated environments every
// workspace has: MLDesk-Native (the built-in mldesk-train) and System-Python (python3 on PATH).
#pragma once

#include "core/environments/CondaSpec.h"

#include <QDateTime>
#include <QList>
#include <QMap>
#include <QString>

#include <optional>

namespace mldesk::core {

class Database;

struct EnvironmentVersion {
    enum class Kind { Conda, Native, SystemPython };
    qint64 id = 0; // environment_versions.id (what a run records)
    QString name;
    int version = 0;
    Kind kind = Kind::Conda;
    QString description;
    QString specText; // the conda YAML as given
    CondaSpec conda;  // parsed view (Kind::Conda)
    QString dockerImage;
    QString dockerfile;            // Dockerfile text; with dockerImage or alone (its own FROM)
    bool containerNetwork = false; // a container run gets a network only when the environment asks for it
    QMap<QString, QString> variables;
    QString specHash;  // SHA-256 of text, image and variables: equal hash, equal environment
    QDateTime created; // UTC

    bool isCurated() const { return kind != Kind::Conda; }
    // Local runs execute inside a container (core/containers) when the environment names an image or a Dockerfile.
    bool isContainer() const { return !dockerImage.isEmpty() || !dockerfile.isEmpty(); }
    static QString kindName(Kind kind);
};

struct EnvironmentSummary {
    qint64 id = 0;
    QString name;
    QString description;
    EnvironmentVersion::Kind kind = EnvironmentVersion::Kind::Conda;
    int latestVersion = 0;
    int versionCount = 0;
    QDateTime created;
};

// The container part of an environment version (--docker-image goes in createFromConda's dockerImage).
struct EnvironmentContainerOptions {
    QString dockerfile;
    bool network = false;
};

struct EnvironmentCommit {
    EnvironmentVersion version;
    bool unchanged = false; // identical to the latest version, which is returned
};

class EnvironmentRegistry final {
public:
    static QString nativeName() { return QStringLiteral("MLDesk-Native"); }
    static QString systemPythonName() { return QStringLiteral("System-Python"); }

    // Makes sure the curated environments exist (idempotent, safe with several processes).
    explicit EnvironmentRegistry(Database &db);

    QList<EnvironmentSummary> list() const;                                 // curated first, then by name
    QList<EnvironmentVersion> versions(const QString &name) const;          // throws WorkspaceError for an unknown name
    EnvironmentVersion version(const QString &name, int version = 0) const; // 0 = latest; throws WorkspaceError
    EnvironmentVersion resolve(const QString &nameAndVersion) const;        // "NAME" or "NAME:VERSION"
    EnvironmentVersion byId(qint64 versionId) const;

    // A new version of name from a conda YAML (parsed first: a bad file throws WorkspaceError with its line and
    // sourceName). The YAML may be empty when a docker image or a Dockerfile is given (the image's own python3).
    // Identical to the latest version: returned with unchanged = true.
    EnvironmentCommit createFromConda(const QString &name, const QString &condaYaml, const QString &dockerImage = {},
                                      const QMap<QString, QString> &variables = {}, const QString &description = {},
                                      const QString &sourceName = {},
                                      const EnvironmentContainerOptions &container = {});

    static bool isValidName(const QString &name);
    static bool isValidDockerImage(const QString &image);
    static QString specHashOf(const QString &text, const QString &dockerImage, const QMap<QString, QString> &variables,
                              const EnvironmentContainerOptions &container = {});

private:
    EnvironmentVersion readVersion(const QString &where, const QVariantList &bindings) const;

    Database &m_db;
};

} // namespace mldesk::core
