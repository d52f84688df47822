// EnvironmentRegistry: SQL for environments and environment_versions; see the header.
#include "core/environments/EnvironmentRegistry.h"

#include "core/store/Database.h"
#include "core/workspace/WorkspaceError.h"

#include <QCryptographicHash>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSqlQuery>

using namespace Qt::StringLiterals;

namespace mldesk::core {

namespace {

EnvironmentVersion::Kind kindFromName(const QString &kind)
{
    if (kind == u"native"_s)
        return EnvironmentVersion::Kind::Native;
    if (kind == u"system-python"_s)
        return EnvironmentVersion::Kind::SystemPython;
    return EnvironmentVersion::Kind::Conda;
}

const QString kVersionColumns =
    u"v.id, e.name, v.version, v.kind, e.description, v.spec_text, v.spec_json, v.spec_hash,"
    u" v.created_at FROM environment_versions v JOIN environments e"
    u" ON e.id = v.environment_id"_s;

struct Curated {
    QString name;
    const char *kind;
    QString description;
};

QList<Curated> curated()
{
    return {{EnvironmentRegistry::nativeName(), "native",
             u"The built-in trainer mldesk-train (CUDA/cuBLAS or CPU); nothing to install"_s},
            {EnvironmentRegistry::systemPythonName(), "system-python",
             u"The python3 on PATH, with MLDesk's run-context module on PYTHONPATH"_s}};
}

} // namespace

QString EnvironmentVersion::kindName(Kind kind)
{
    switch (kind) {
    case Kind::Native:
        return u"native"_s;
    case Kind::SystemPython:
        return u"system-python"_s;
    case Kind::Conda:
        break;
    }
    return u"conda"_s;
}

EnvironmentRegistry::EnvironmentRegistry(Database &db) : m_db(db)
{
    auto missing = [&] {
        for (const Curated &c : curated()) {
            if (!m_db.scalar(u"SELECT id FROM environments WHERE name = ?"_s, {c.name}).isValid())
                return true;
        }
        return false;
    };
    if (!missing())
        return;
    m_db.writeTransaction([&] {
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        for (const Curated &c : curated()) {
            if (m_db.scalar(u"SELECT id FROM environments WHERE name = ?"_s, {c.name}).isValid())
                continue;
            const qint64 id =
                m_db.insert(u"INSERT INTO environments (name, description, created_at) VALUES (?, ?, ?)"_s,
                            {c.name, c.description, now});
            m_db.exec(u"INSERT INTO environment_versions (environment_id, version, kind, spec_text, spec_json,"
                      u" spec_hash, created_at) VALUES (?, 1, ?, '', '{}', ?, ?)"_s,
                      {id, QString::fromLatin1(c.kind), QString::fromLatin1(c.kind), now});
        }
    });
}

bool EnvironmentRegistry::isValidName(const QString &name)
{
    static const QRegularExpression re(u"^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$"_s);
    return re.match(name).hasMatch();
}

bool EnvironmentRegistry::isValidDockerImage(const QString &image)
{
    // [registry[:port]/]path[:tag][@sha256:digest], lower-case path components.
    static const QRegularExpression re(
        u"^(?:[A-Za-z0-9.-]+(?::[0-9]+)?/)?[a-z0-9]+(?:[._/-][a-z0-9]+)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?"
        u"(?:@sha256:[a-f0-9]{64})?$"_s);
    return re.match(image).hasMatch();
}

QString EnvironmentRegistry::specHashOf(const QString &text, const QString &dockerImage,
                                        const QMap<QString, QString> &variables,
                                        const EnvironmentContainerOptions &container)
{
    QCryptographicHash sha(QCryptographicHash::Sha256);
    sha.addData(text.toUtf8());
    sha.addData(QByteArray(1, '\0'));
    sha.addData(dockerImage.toUtf8());
    for (auto it = variables.begin(); it != variables.end(); ++it) {
        sha.addData(QByteArray(1, '\0'));
        sha.addData(QString(it.key() + u'=' + it.value()).toUtf8());
    }
    // Only when set, so versions made before containers existed keep their hash.
    if (!container.dockerfile.isEmpty()) {
        sha.addData(QByteArray("\0dockerfile\0", 12));
        sha.addData(container.dockerfile.toUtf8());
    }
    if (container.network)
        sha.addData(QByteArray("\0network", 8));
    return QString::fromLatin1(sha.result().toHex());
}

EnvironmentVersion EnvironmentRegistry::readVersion(const QString &where, const QVariantList &bindings) const
{
    QSqlQuery q = m_db.exec(u"SELECT "_s + kVersionColumns + u" WHERE "_s + where, bindings);
    if (!q.next())
        throw WorkspaceError(u"no such environment version"_s);
    EnvironmentVersion v;
    v.id = q.value(0).toLongLong();
    v.name = q.value(1).toString();
    v.version = q.value(2).toInt();
    v.kind = kindFromName(q.value(3).toString());
    v.description = q.value(4).toString();
    v.specText = q.value(5).toString();
    const QJsonObject spec = QJsonDocument::fromJson(q.value(6).toString().toUtf8()).object();
    v.conda = CondaSpec::fromJson(spec.value(u"conda"_s).toObject());
    v.dockerImage = spec.value(u"docker_image"_s).toString();
    v.dockerfile = spec.value(u"dockerfile"_s).toString();
    v.containerNetwork = spec.value(u"container_network"_s).toBool();
    const QJsonObject vars = spec.value(u"environment_variables"_s).toObject();
    for (auto it = vars.begin(); it != vars.end(); ++it)
        v.variables.insert(it.key(), it.value().toString());
    v.specHash = q.value(7).toString();
    v.created = QDateTime::fromMSecsSinceEpoch(q.value(8).toLongLong(), Qt::UTC);
    return v;
}

QList<EnvironmentSummary> EnvironmentRegistry::list() const
{
    QList<EnvironmentSummary> out;
    QSqlQuery q = m_db.exec(u"SELECT e.id, e.name, e.description, e.created_at,"
                            u" (SELECT COUNT(*) FROM environment_versions v WHERE v.environment_id = e.id),"
                            u" (SELECT MAX(v.version) FROM environment_versions v WHERE v.environment_id = e.id),"
                            u" (SELECT MIN(v.kind) FROM environment_versions v WHERE v.environment_id = e.id)"
                            u" FROM environments e ORDER BY e.name"_s);
    QList<EnvironmentSummary> curatedOnes;
    while (q.next()) {
        EnvironmentSummary s;
        s.id = q.value(0).toLongLong();
        s.name = q.value(1).toString();
        s.description = q.value(2).toString();
        s.created = QDateTime::fromMSecsSinceEpoch(q.value(3).toLongLong(), Qt::UTC);
        s.versionCount = q.value(4).toInt();
        s.latestVersion = q.value(5).toInt();
        s.kind = kindFromName(q.value(6).toString());
        (s.kind == EnvironmentVersion::Kind::Conda ? out : curatedOnes).append(s);
    }
    return curatedOnes + out;
}

QList<EnvironmentVersion> EnvironmentRegistry::versions(const QString &name) const
{
    const QVariant id = m_db.scalar(u"SELECT id FROM environments WHERE name = ?"_s, {name});
    if (!id.isValid()) {
        QStringList names;
        for (const EnvironmentSummary &s : list())
            names.append(s.name);
        throw WorkspaceError(u"there is no environment '%1'; environments are: %2"_s.arg(name, names.join(u", "_s)));
    }
    QList<EnvironmentVersion> out;
    QSqlQuery q =
        m_db.exec(u"SELECT version FROM environment_versions WHERE environment_id = ? ORDER BY version"_s, {id});
    QList<int> numbers;
    while (q.next())
        numbers.append(q.value(0).toInt());
    for (int n : numbers)
        out.append(readVersion(u"v.environment_id = ? AND v.version = ?"_s, {id, n}));
    return out;
}

EnvironmentVersion EnvironmentRegistry::version(const QString &name, int version) const
{
    const QList<EnvironmentVersion> all = versions(name);
    if (all.isEmpty())
        throw WorkspaceError(u"environment '%1' has no versions"_s.arg(name));
    if (version == 0)
        return all.last();
    QStringList numbers;
    for (const EnvironmentVersion &v : all) {
        if (v.version == version)
            return v;
        numbers.append(QString::number(v.version));
    }
    throw WorkspaceError(
        u"environment '%1' has no version %2; versions are %3"_s.arg(name).arg(version).arg(numbers.join(u", "_s)));
}

EnvironmentVersion EnvironmentRegistry::resolve(const QString &nameAndVersion) const
{
    const int colon = nameAndVersion.lastIndexOf(u':');
    if (colon < 0)
        return version(nameAndVersion, 0);
    const QString number = nameAndVersion.mid(colon + 1);
    if (number == u"latest"_s)
        return version(nameAndVersion.left(colon), 0);
    bool ok = false;
    const int v = number.toInt(&ok);
    if (!ok || v <= 0)
        throw WorkspaceError(
            u"'%1' is not NAME or NAME:VERSION (VERSION is a number from 1, or 'latest')"_s.arg(nameAndVersion));
    return version(nameAndVersion.left(colon), v);
}

EnvironmentVersion EnvironmentRegistry::byId(qint64 versionId) const
{
    try {
        return readVersion(u"v.id = ?"_s, {versionId});
    } catch (const WorkspaceError &) {
        throw WorkspaceError(u"environment version #%1 no longer exists"_s.arg(versionId));
    }
}

EnvironmentCommit EnvironmentRegistry::createFromConda(const QString &name, const QString &condaYaml,
                                                       const QString &dockerImage,
                                                       const QMap<QString, QString> &variables,
                                                       const QString &description, const QString &sourceName,
                                                       const EnvironmentContainerOptions &container)
{
    if (!isValidName(name))
        throw WorkspaceError(u"'%1' is not a valid environment name: use letters, digits, '_', '-' and '.', starting "
                             u"with a letter or digit"_s.arg(name));
    if (name == nativeName() || name == systemPythonName())
        throw WorkspaceError(u"'%1' is a curated environment and cannot be changed; choose another name"_s.arg(name));
    if (!dockerImage.isEmpty() && !isValidDockerImage(dockerImage))
        throw WorkspaceError(
            u"'%1' is not a docker image reference such as "
            u"mcr.microsoft.com/azureml/openmpi3.1.2-ubuntu18.04 or python:3.11-slim"_s.arg(dockerImage));
    static const QRegularExpression varName(u"^[A-Za-z_][A-Za-z0-9_]*$"_s);
    for (auto it = variables.begin(); it != variables.end(); ++it) {
        if (!varName.match(it.key()).hasMatch())
            throw WorkspaceError(u"'%1' is not an environment variable name (letters, digits and '_', not starting "
                                 u"with a digit)"_s.arg(it.key()));
    }
    if (!container.dockerfile.isEmpty() &&
        !QRegularExpression(u"^\\s*FROM\\s"_s,
                            QRegularExpression::MultilineOption | QRegularExpression::CaseInsensitiveOption)
             .match(container.dockerfile)
             .hasMatch() &&
        dockerImage.isEmpty())
        throw WorkspaceError(u"the Dockerfile has no FROM line and no --docker-image was given: add 'FROM IMAGE' to "
                             u"the Dockerfile or give the base image"_s);
    const bool containerOnly =
        condaYaml.trimmed().isEmpty() && (!dockerImage.isEmpty() || !container.dockerfile.isEmpty());
    if (condaYaml.trimmed().isEmpty() && !containerOnly)
        throw WorkspaceError(u"an environment needs a conda specification, a docker image or a Dockerfile"_s);
    CondaSpec spec;
    try {
        if (!containerOnly)
            spec = CondaSpec::parse(condaYaml);
    } catch (const CondaSpecError &e) {
        throw WorkspaceError((sourceName.isEmpty() ? QString() : sourceName + u", "_s) + e.message());
    }
    QJsonObject vars;
    for (auto it = variables.begin(); it != variables.end(); ++it)
        vars.insert(it.key(), it.value());
    QJsonObject json{{u"conda"_s, spec.toJson()}, {u"docker_image"_s, dockerImage}, {u"environment_variables"_s, vars}};
    if (!container.dockerfile.isEmpty())
        json.insert(u"dockerfile"_s, container.dockerfile);
    if (container.network)
        json.insert(u"container_network"_s, true);
    const QString hash = specHashOf(condaYaml, dockerImage, variables, container);
    EnvironmentCommit result;
    qint64 environmentId = 0;
    int newVersion = 0;
    m_db.writeTransaction([&] {
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        const QVariant existing = m_db.scalar(u"SELECT id FROM environments WHERE name = ?"_s, {name});
        environmentId =
            existing.isValid()
                ? existing.toLongLong()
                : m_db.insert(u"INSERT INTO environments (name, description, created_at) VALUES (?, ?, ?)"_s,
                              {name, description, now});
        QSqlQuery latest = m_db.exec(u"SELECT version, spec_hash FROM environment_versions WHERE environment_id = ?"
                                     u" ORDER BY version DESC LIMIT 1"_s,
                                     {environmentId});
        int latestVersion = 0;
        if (latest.next()) {
            latestVersion = latest.value(0).toInt();
            if (latest.value(1).toString() == hash) {
                result.unchanged = true;
                newVersion = latestVersion;
                return;
            }
        }
        newVersion = latestVersion + 1;
        m_db.exec(u"INSERT INTO environment_versions (environment_id, version, kind, spec_text, spec_json, spec_hash,"
                  u" created_at) VALUES (?, ?, 'conda', ?, ?, ?, ?)"_s,
                  {environmentId, newVersion, condaYaml,
                   QString::fromUtf8(QJsonDocument(json).toJson(QJsonDocument::Compact)), hash, now});
        if (!description.isEmpty())
            m_db.exec(u"UPDATE environments SET description = ? WHERE id = ?"_s, {description, environmentId});
    });
    result.version = version(name, newVersion);
    return result;
}

} // namespace mldesk::core
