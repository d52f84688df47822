// DatasetRegistry: SQL for datasets, dataset_versions, dataset_files and their tags; see the header.
#include "core/datasets/DatasetRegistry.h"

#include "core/store/Database.h"
#include "core/workspace/WorkspaceError.h"

#include <QCryptographicHash>
#include <QRegularExpression>
#include <QSqlQuery>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace mldesk::core {

namespace {

QDateTime fromMs(const QVariant &ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms.toLongLong(), Qt::UTC);
}

QString versionList(const QList<int> &versions)
{
    QStringList parts;
    for (int v : versions)
        parts.append(QString::number(v));
    return parts.join(u", "_s);
}

} // namespace

bool DatasetRegistry::isValidName(const QString &name)
{
    static const QRegularExpression pattern(u"^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$"_s);
    return pattern.match(name).hasMatch();
}

bool DatasetRegistry::isValidRelativePath(const QString &path)
{
    if (path.isEmpty() || path.startsWith(u'/') || path.contains(u'\\') || path.contains(QChar(0)))
        return false;
    const QStringList parts = path.split(u'/');
    return std::none_of(parts.begin(), parts.end(),
                        [](const QString &p) { return p.isEmpty() || p == u"."_s || p == u".."_s; });
}

QString DatasetRegistry::manifestHash(const QList<DatasetFile> &files)
{
    QStringList lines;
    for (const DatasetFile &f : files)
        lines.append(f.relativePath + u'\t' + QString::number(f.size) + u'\t' + f.hash + u'\n');
    lines.sort();
    return QString::fromLatin1(
        QCryptographicHash::hash(lines.join(QString()).toUtf8(), QCryptographicHash::Sha256).toHex());
}

QList<DatasetSummary> DatasetRegistry::list() const
{
    QList<DatasetSummary> out;
    QSqlQuery q = m_db.exec(u"SELECT d.id, d.name, d.description, d.created_at,"
                            u" (SELECT COUNT(*) FROM dataset_versions v WHERE v.dataset_id = d.id),"
                            u" (SELECT MAX(v.version) FROM dataset_versions v WHERE v.dataset_id = d.id)"
                            u" FROM datasets d ORDER BY d.name"_s);
    while (q.next()) {
        DatasetSummary s;
        s.id = q.value(0).toLongLong();
        s.name = q.value(1).toString();
        s.description = q.value(2).toString();
        s.created = fromMs(q.value(3));
        s.versionCount = q.value(4).toInt();
        s.latestVersion = q.value(5).toInt();
        out.append(s);
    }
    for (DatasetSummary &s : out) {
        QSqlQuery v = m_db.exec(u"SELECT file_count, total_bytes FROM dataset_versions"
                                u" WHERE dataset_id = ? AND version = ?"_s,
                                {s.id, s.latestVersion});
        if (v.next()) {
            s.latestFileCount = v.value(0).toInt();
            s.latestTotalBytes = v.value(1).toLongLong();
        }
    }
    return out;
}

std::optional<DatasetSummary> DatasetRegistry::find(const QString &name) const
{
    for (const DatasetSummary &s : list()) {
        if (s.name == name)
            return s;
    }
    return std::nullopt;
}

DatasetVersion DatasetRegistry::readVersion(qint64 datasetId, const QString &name, int version) const
{
    QSqlQuery q = m_db.exec(u"SELECT id, version, description, manifest_hash, file_count, total_bytes, created_at"
                            u" FROM dataset_versions WHERE dataset_id = ? AND version = ?"_s,
                            {datasetId, version});
    if (!q.next())
        throw WorkspaceError(u"dataset '%1' has no version %2"_s.arg(name).arg(version));
    DatasetVersion v;
    v.id = q.value(0).toLongLong();
    v.name = name;
    v.version = q.value(1).toInt();
    v.description = q.value(2).toString();
    v.manifestHash = q.value(3).toString();
    v.fileCount = q.value(4).toInt();
    v.totalBytes = q.value(5).toLongLong();
    v.created = fromMs(q.value(6));
    QSqlQuery t = m_db.exec(u"SELECT tag_key, tag_value FROM tags WHERE entity_kind = ? AND entity_id = ?"_s,
                            {tagEntityKind(), v.id});
    while (t.next())
        v.tags.insert(t.value(0).toString(), t.value(1).toString());
    return v;
}

QList<DatasetVersion> DatasetRegistry::versions(const QString &name) const
{
    const QVariant id = m_db.scalar(u"SELECT id FROM datasets WHERE name = ?"_s, {name});
    if (!id.isValid()) {
        QStringList names;
        for (const DatasetSummary &s : list())
            names.append(s.name);
        throw WorkspaceError(names.isEmpty()
                                 ? u"there is no dataset '%1'; this workspace has no datasets yet (register one with "
                                   u"'mldesk-cli dataset register %1 SOURCE...')"_s.arg(name)
                                 : u"there is no dataset '%1'; datasets are: %2"_s.arg(name, names.join(u", "_s)));
    }
    QList<int> numbers;
    QSqlQuery q = m_db.exec(u"SELECT version FROM dataset_versions WHERE dataset_id = ? ORDER BY version"_s, {id});
    while (q.next())
        numbers.append(q.value(0).toInt());
    QList<DatasetVersion> out;
    for (int n : numbers)
        out.append(readVersion(id.toLongLong(), name, n));
    return out;
}

DatasetVersion DatasetRegistry::version(const QString &name, int version) const
{
    const QList<DatasetVersion> all = versions(name);
    if (all.isEmpty())
        throw WorkspaceError(u"dataset '%1' has no versions"_s.arg(name));
    if (version == 0)
        return all.last();
    for (const DatasetVersion &v : all) {
        if (v.version == version)
            return v;
    }
    QList<int> numbers;
    for (const DatasetVersion &v : all)
        numbers.append(v.version);
    throw WorkspaceError(
        u"dataset '%1' has no version %2; versions are %3"_s.arg(name).arg(version).arg(versionList(numbers)));
}

DatasetVersion DatasetRegistry::resolve(const QString &nameAndVersion) const
{
    const int colon = nameAndVersion.lastIndexOf(u':');
    if (colon < 0)
        return version(nameAndVersion, 0);
    bool ok = false;
    const QString number = nameAndVersion.mid(colon + 1);
    const int v = number.toInt(&ok);
    if (number == u"latest"_s)
        return version(nameAndVersion.left(colon), 0);
    if (!ok || v <= 0)
        throw WorkspaceError(
            u"'%1' is not NAME or NAME:VERSION (VERSION is a number from 1, or 'latest')"_s.arg(nameAndVersion));
    return version(nameAndVersion.left(colon), v);
}

QList<DatasetFile> DatasetRegistry::files(const DatasetVersion &version) const
{
    QList<DatasetFile> out;
    QSqlQuery q = m_db.exec(u"SELECT relative_path, size_bytes, blob_hash, source FROM dataset_files"
                            u" WHERE dataset_version_id = ? ORDER BY relative_path"_s,
                            {version.id});
    while (q.next())
        out.append(
            DatasetFile{q.value(0).toString(), q.value(1).toLongLong(), q.value(2).toString(), q.value(3).toString()});
    return out;
}

bool DatasetRegistry::isBlobReferenced(const QString &hash) const
{
    return m_db.scalar(u"SELECT COUNT(*) FROM dataset_files WHERE blob_hash = ?"_s, {hash}).toLongLong() > 0;
}

DatasetCommit DatasetRegistry::commit(const QString &name, const QString &description,
                                      const QMap<QString, QString> &tags, QList<DatasetFile> files,
                                      bool createNewVersion)
{
    if (!isValidName(name))
        throw WorkspaceError(u"'%1' is not a valid dataset name: use letters, digits, '_', '-' and '.', starting "
                             u"with a letter or digit (at most 255 characters)"_s.arg(name));
    if (files.isEmpty())
        throw WorkspaceError(u"dataset '%1' would have no files; give at least one file, folder or URL"_s.arg(name));
    std::sort(files.begin(), files.end(),
              [](const DatasetFile &a, const DatasetFile &b) { return a.relativePath < b.relativePath; });
    qint64 total = 0;
    for (int i = 0; i < files.size(); ++i) {
        if (!isValidRelativePath(files[i].relativePath))
            throw WorkspaceError(u"'%1' is not a valid relative path inside a dataset"_s.arg(files[i].relativePath));
        if (i > 0 && files[i].relativePath == files[i - 1].relativePath)
            throw WorkspaceError(u"two sources give the file '%1'; rename one of them"_s.arg(files[i].relativePath));
        total += files[i].size;
    }
    const QString manifest = manifestHash(files);
    DatasetCommit result;
    qint64 datasetId = 0;
    int newVersion = 0;
    m_db.writeTransaction([&] {
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        const QVariant existing = m_db.scalar(u"SELECT id FROM datasets WHERE name = ?"_s, {name});
        if (existing.isValid()) {
            datasetId = existing.toLongLong();
        } else {
            datasetId = m_db.insert(u"INSERT INTO datasets (name, description, created_at) VALUES (?, ?, ?)"_s,
                                    {name, description, now});
        }
        QSqlQuery latest = m_db.exec(u"SELECT version, manifest_hash FROM dataset_versions WHERE dataset_id = ?"
                                     u" ORDER BY version DESC LIMIT 1"_s,
                                     {datasetId});
        int latestVersion = 0;
        if (latest.next()) {
            latestVersion = latest.value(0).toInt();
            if (latest.value(1).toString() == manifest) {
                result.unchanged = true;
                newVersion = latestVersion;
                return;
            }
            if (!createNewVersion)
                throw WorkspaceError(u"dataset '%1' already exists (latest version %2) with different content; pass "
                                     u"--new-version to register this as version %3"_s.arg(name)
                                         .arg(latestVersion)
                                         .arg(latestVersion + 1));
        }
        newVersion = latestVersion + 1;
        const qint64 versionId = m_db.insert(
            u"INSERT INTO dataset_versions (dataset_id, version, manifest_hash, file_count, total_bytes, description,"
            u" created_at) VALUES (?, ?, ?, ?, ?, ?, ?)"_s,
            {datasetId, newVersion, manifest, int(files.size()), total, description, now});
        for (const DatasetFile &f : files)
            m_db.exec(u"INSERT INTO dataset_files (dataset_version_id, relative_path, blob_hash, size_bytes, source)"
                      u" VALUES (?, ?, ?, ?, ?)"_s,
                      {versionId, f.relativePath, f.hash, f.size, f.source});
        for (auto it = tags.begin(); it != tags.end(); ++it)
            m_db.exec(u"INSERT INTO tags (entity_kind, entity_id, tag_key, tag_value) VALUES (?, ?, ?, ?)"_s,
                      {tagEntityKind(), versionId, it.key(), it.value()});
        if (!description.isEmpty())
            m_db.exec(u"UPDATE datasets SET description = ? WHERE id = ?"_s, {description, datasetId});
    });
    result.version = readVersion(datasetId, name, newVersion);
    return result;
}

} // namespace mldesk::core
