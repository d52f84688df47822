// ModelRegistry: SQL for models, model_versions, their tags and dataset lineage; see the header.
#include "core/models/ModelRegistry.h"

#include "core/runs/RunStore.h"
#include "core/store/BlobStore.h"
#include "core/store/Database.h"
#include "core/workspace/WorkspaceError.h"

#include <QCryptographicHash>
#include <QDir>
#include <QDirIterator>
#include <QFileInfo>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSqlQuery>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace mldesk::core {

namespace {

constexpr qint64 kMaxModelJsonBytes = 16 * 1024 * 1024;
constexpr int kMaxListed = 20;

QString manifestJson(const QList<ManifestEntry> &files)
{
    QJsonArray array;
    for (const ManifestEntry &f : files)
        array.append(QJsonObject{{u"path"_s, f.path}, {u"hash"_s, f.hash}, {u"size"_s, double(f.size)}});
    return QString::fromUtf8(QJsonDocument(array).toJson(QJsonDocument::Compact));
}

QList<ManifestEntry> parseManifest(const QString &json)
{
    QList<ManifestEntry> files;
    const QJsonArray array = QJsonDocument::fromJson(json.toUtf8()).array();
    for (const QJsonValue &v : array) {
        const QJsonObject o = v.toObject();
        files.append(
            {o.value(u"path"_s).toString(), o.value(u"hash"_s).toString(), qint64(o.value(u"size"_s).toDouble())});
    }
    return files;
}

QMap<QString, QString> parseProperties(const QString &json)
{
    QMap<QString, QString> map;
    const QJsonObject o = QJsonDocument::fromJson(json.toUtf8()).object();
    for (auto it = o.begin(); it != o.end(); ++it)
        map.insert(it.key(), it.value().toString());
    return map;
}

QString propertiesJson(const QMap<QString, QString> &map)
{
    QJsonObject o;
    for (auto it = map.begin(); it != map.end(); ++it)
        o.insert(it.key(), it.value());
    return QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact));
}

QString listed(const QStringList &items)
{
    if (items.size() <= kMaxListed)
        return items.join(u", "_s);
    return items.mid(0, kMaxListed).join(u", "_s) + u" and %1 more"_s.arg(items.size() - kMaxListed);
}

void checkKeys(const QMap<QString, QString> &map, const QString &what)
{
    for (auto it = map.begin(); it != map.end(); ++it) {
        if (it.key().trimmed().isEmpty() || it.key().contains(u'=') || it.key().size() > 255)
            throw WorkspaceError(
                u"'%1' is not a valid %2 key: give 1-255 characters without '='"_s.arg(it.key(), what));
    }
}

} // namespace

qint64 ModelVersion::totalBytes() const
{
    qint64 total = 0;
    for (const ManifestEntry &f : files)
        total += f.size;
    return total;
}

bool ModelRegistry::isValidName(const QString &name)
{
    static const QRegularExpression re(u"^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$"_s);
    return re.match(name).hasMatch();
}

std::pair<QString, QString> ModelRegistry::parseKeyValue(const QString &text, const QString &what)
{
    const qsizetype eq = text.indexOf(u'=');
    if (eq <= 0)
        throw WorkspaceError(u"%1 takes KEY=VALUE, not '%2'"_s.arg(what, text));
    return {text.left(eq).trimmed(), text.mid(eq + 1)};
}

QString ModelRegistry::manifestHash(const QList<ManifestEntry> &files)
{
    QStringList lines;
    for (const ManifestEntry &f : files)
        lines.append(f.path + u'\t' + QString::number(f.size) + u'\t' + f.hash);
    lines.sort();
    return QString::fromLatin1(
        QCryptographicHash::hash((lines.join(u'\n') + u'\n').toUtf8(), QCryptographicHash::Sha256).toHex());
}

QString ModelRegistry::detectFramework(const BlobStore &blobs, const QList<ManifestEntry> &files)
{
    for (const ManifestEntry &f : files) {
        if (f.path.section(u'/', -1) != u"model.json"_s || f.size > kMaxModelJsonBytes || !blobs.exists(f.hash))
            continue;
        const QJsonObject o = QJsonDocument::fromJson(blobs.read(f.hash)).object();
        // A Keras model description (model.to_json()): {"class_name": "Sequential", "config": {...}, ...}.
        if (o.value(u"class_name"_s).isString() && o.value(u"config"_s).isObject())
            return u"Keras"_s;
    }
    return u"Custom"_s;
}

ModelVersion ModelRegistry::registerFiles(const ModelRegistration &r)
{
    if (!isValidName(r.name))
        throw WorkspaceError(u"'%1' is not a valid model name: use letters, digits, '_', '-' and '.', starting with a "
                             u"letter or digit (at most 255 characters)"_s.arg(r.name));
    checkKeys(r.tags, u"tag"_s); // before any blob is stored
    checkKeys(r.properties, u"property"_s);
    if (r.files.isEmpty())
        throw WorkspaceError(u"no files given for model '%1'; name files or folders (--files PATH...)"_s.arg(r.name));
    struct Local {
        QString path;
        QString absolute;
    };
    QList<Local> locals;
    QStringList sources;
    for (const QString &source : r.files) {
        const QFileInfo info(source);
        if (info.isFile()) {
            locals.append({info.fileName(), info.absoluteFilePath()});
        } else if (info.isDir()) {
            const QDir root(info.absoluteFilePath());
            QDirIterator it(root.absolutePath(), QDir::Files | QDir::Hidden | QDir::NoDotAndDotDot,
                            QDirIterator::Subdirectories);
            const qsizetype before = locals.size();
            while (it.hasNext()) {
                const QString file = it.next();
                locals.append({root.relativeFilePath(file), QFileInfo(file).absoluteFilePath()});
            }
            if (locals.size() == before)
                throw WorkspaceError(u"the folder %1 holds no files; nothing to register"_s.arg(root.absolutePath()));
        } else {
            throw WorkspaceError(u"'%1' is neither a file nor a folder; check the path given to --files"_s.arg(source));
        }
        sources.append(info.absoluteFilePath());
    }
    std::sort(locals.begin(), locals.end(), [](const Local &a, const Local &b) { return a.path < b.path; });
    for (qsizetype i = 1; i < locals.size(); ++i) {
        if (locals[i].path == locals[i - 1].path)
            throw WorkspaceError(u"two of the given paths provide '%1' (%2 and %3); register them separately or "
                                 u"rename one"_s.arg(locals[i].path, locals[i - 1].absolute, locals[i].absolute));
    }
    Commit c;
    c.registration = r;
    for (const Local &l : locals) {
        const QString hash = m_blobs.putFile(l.absolute);
        c.files.append({l.path, hash, QFileInfo(m_blobs.pathFor(hash)).size()});
    }
    c.source = sources.join(u", "_s);
    return commit(std::move(c));
}

ModelVersion ModelRegistry::registerFromRun(const ModelRegistration &r)
{
    if (!isValidName(r.name))
        throw WorkspaceError(u"'%1' is not a valid model name: use letters, digits, '_', '-' and '.', starting with a "
                             u"letter or digit (at most 255 characters)"_s.arg(r.name));
    const RunRecord run = RunStore(m_db).get(r.runUid); // throws "there is no run ..." with a hint
    const qint64 runId = run.id;
    const QString state = runStateName(run.state);
    const QString reason = run.failureReason;
    QList<ManifestEntry> outputs;
    for (const RunFileEntry &e : run.outputs)
        outputs.append({e.path, e.hash, e.size});
    const QVariant environment = m_db.scalar(u"SELECT environment_version_id FROM runs WHERE id = ?"_s, {runId});
    const qint64 environmentVersionId = environment.isNull() ? 0 : environment.toLongLong();
    if (run.state != RunState::Completed) {
        if (run.state == RunState::Failed || run.state == RunState::Canceled)
            throw WorkspaceError(u"run '%1' %2%3; only a Completed run's outputs can be registered as a model"_s.arg(
                r.runUid, run.state == RunState::Failed ? u"failed"_s : u"was canceled"_s,
                reason.isEmpty() ? QString() : u" (%1)"_s.arg(reason.simplified().left(300))));
        throw WorkspaceError(u"run '%1' is still %2; wait until it is Completed (mldesk-cli run logs %1 --follow), "
                             u"then register its outputs"_s.arg(r.runUid, state));
    }
    QString path = r.runPath.trimmed();
    while (path.endsWith(u'/'))
        path.chop(1);
    while (path.startsWith(u"./"_s))
        path = path.mid(2);
    if (path.isEmpty())
        throw WorkspaceError(u"name a file or folder of run '%1' to register (--path outputs/model)"_s.arg(r.runUid));
    const QList<ManifestEntry> selected = ManifestDownload::select(outputs, path);
    if (selected.isEmpty()) {
        QStringList there;
        for (const ManifestEntry &e : outputs)
            there.append(e.path);
        throw WorkspaceError(
            there.isEmpty()
                ? u"run '%1' captured no outputs, so there is no '%2' to register"_s.arg(r.runUid, path)
                : u"'%1' is not in the captured outputs of run '%2'; it has: %3"_s.arg(path, r.runUid, listed(there)));
    }
    Commit c;
    c.registration = r;
    c.files = selected;
    c.source = path;
    c.runId = runId;
    c.environmentVersionId = environmentVersionId;
    QSqlQuery d = m_db.exec(u"SELECT dataset_version_id FROM run_dataset_inputs WHERE run_id = ?"_s, {runId});
    while (d.next())
        c.datasetVersionIds.append(d.value(0).toLongLong());
    // The run's final scalar metrics, unless the caller set a property of that name (Azure's model properties
    // usually carry these by hand).
    QSqlQuery m = m_db.exec(
        u"SELECT name, value FROM run_metric_latest WHERE run_id = ? AND value IS NOT NULL ORDER BY name"_s, {runId});
    while (m.next()) {
        const QString name = m.value(0).toString();
        bool taken = false;
        for (auto it = c.registration.properties.begin(); it != c.registration.properties.end(); ++it)
            taken = taken || it.key().compare(name, Qt::CaseInsensitive) == 0;
        if (!taken)
            c.registration.properties.insert(name, QString::number(m.value(1).toDouble(), 'g', 10));
    }
    return commit(std::move(c));
}

ModelVersion ModelRegistry::commit(Commit c)
{
    const ModelRegistration &r = c.registration;
    checkKeys(r.tags, u"tag"_s);
    checkKeys(r.properties, u"property"_s);
    std::sort(c.files.begin(), c.files.end(),
              [](const ManifestEntry &a, const ManifestEntry &b) { return a.path < b.path; });
    for (qsizetype i = 0; i < c.files.size(); ++i) {
        if (!ManifestDownload::isSafeRelativePath(c.files[i].path))
            throw WorkspaceError(u"'%1' is not a valid relative path for a model file"_s.arg(c.files[i].path));
        if (i > 0 && c.files[i].path == c.files[i - 1].path)
            throw WorkspaceError(u"the model would list '%1' twice"_s.arg(c.files[i].path));
    }
    const QString framework = detectFramework(m_blobs, c.files);
    const QString manifest = manifestHash(c.files);
    qint64 versionId = 0;
    m_db.writeTransaction([&] {
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        const QVariant existing = m_db.scalar(u"SELECT id FROM models WHERE name = ?"_s, {r.name});
        qint64 modelId = 0;
        int next = 1;
        if (existing.isValid()) {
            modelId = existing.toLongLong();
            // last_version survives deletions, so a version number is never given twice.
            const int last = m_db.scalar(u"SELECT last_version FROM models WHERE id = ?"_s, {modelId}).toInt();
            const int highest =
                m_db.scalar(u"SELECT COALESCE(MAX(version), 0) FROM model_versions WHERE model_id = ?"_s, {modelId})
                    .toInt();
            next = std::max(last, highest) + 1;
        } else {
            modelId = m_db.insert(u"INSERT INTO models (name, description, created_at) VALUES (?, ?, ?)"_s,
                                  {r.name, r.description, now});
        }
        m_db.exec(u"UPDATE models SET last_version = ? WHERE id = ?"_s, {next, modelId});
        if (!r.description.isEmpty())
            m_db.exec(u"UPDATE models SET description = ? WHERE id = ?"_s, {r.description, modelId});
        versionId = m_db.insert(
            u"INSERT INTO model_versions (model_id, version, run_id, environment_version_id, manifest_json, "
            u"manifest_hash, description, created_at, framework, properties_json, archived, source_path) "
            u"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?)"_s,
            {modelId, next, c.runId ? QVariant(c.runId) : QVariant(),
             c.environmentVersionId ? QVariant(c.environmentVersionId) : QVariant(), manifestJson(c.files), manifest,
             r.description, now, framework, propertiesJson(r.properties), c.source});
        for (auto it = r.tags.begin(); it != r.tags.end(); ++it)
            m_db.exec(u"INSERT INTO tags (entity_kind, entity_id, tag_key, tag_value) VALUES (?, ?, ?, ?)"_s,
                      {tagEntityKind(), versionId, it.key().trimmed(), it.value()});
        for (qint64 dataset : c.datasetVersionIds)
            m_db.exec(u"INSERT INTO model_version_datasets (model_version_id, dataset_version_id) VALUES (?, ?)"_s,
                      {versionId, dataset});
    });
    return read(versionId);
}

QList<ModelVersion> ModelRegistry::readWhere(const QString &where, const QVariantList &bindings) const
{
    QList<ModelVersion> result;
    QSqlQuery q = m_db.exec(u"SELECT mv.id, m.name, mv.version, mv.description, mv.framework, mv.manifest_json, "
                            u"mv.manifest_hash, mv.archived, mv.created_at, mv.run_id, r.run_uid, mv.source_path, "
                            u"mv.properties_json FROM model_versions mv JOIN models m ON m.id = mv.model_id "
                            u"LEFT JOIN runs r ON r.id = mv.run_id WHERE "_s +
                                where + u" ORDER BY m.name, mv.version"_s,
                            bindings);
    QHash<qint64, qsizetype> index;
    while (q.next()) {
        ModelVersion v;
        v.id = q.value(0).toLongLong();
        v.name = q.value(1).toString();
        v.version = q.value(2).toInt();
        v.description = q.value(3).toString();
        v.framework = q.value(4).toString();
        v.files = parseManifest(q.value(5).toString());
        v.manifestHash = q.value(6).toString();
        v.archived = q.value(7).toInt() != 0;
        v.created = QDateTime::fromMSecsSinceEpoch(q.value(8).toLongLong(), Qt::UTC);
        v.runId = q.value(9).isNull() ? 0 : q.value(9).toLongLong();
        v.runUid = q.value(10).toString();
        v.source = q.value(11).toString();
        v.properties = parseProperties(q.value(12).toString());
        index.insert(v.id, result.size());
        result.append(v);
    }
    if (result.isEmpty())
        return result;
    QSqlQuery t =
        m_db.exec(u"SELECT entity_id, tag_key, tag_value FROM tags WHERE entity_kind = ?"_s, {tagEntityKind()});
    while (t.next()) {
        const auto it = index.constFind(t.value(0).toLongLong());
        if (it != index.constEnd())
            result[*it].tags.insert(t.value(1).toString(), t.value(2).toString());
    }
    return result;
}

ModelVersion ModelRegistry::read(qint64 versionId) const
{
    const QList<ModelVersion> list = readWhere(u"mv.id = ?"_s, {versionId});
    if (list.isEmpty())
        throw WorkspaceError(u"model version #%1 no longer exists"_s.arg(versionId));
    return list.first();
}

QList<ModelSummary> ModelRegistry::list(const ModelFilter &filter, bool includeArchived) const
{
    QList<ModelSummary> result;
    const QList<ModelVersion> all = readWhere(u"1 = 1"_s, {});
    for (qsizetype i = 0; i < all.size();) {
        ModelSummary s;
        s.name = all[i].name;
        for (; i < all.size() && all[i].name == s.name; ++i) {
            const ModelVersion &v = all[i];
            if (v.archived)
                ++s.archivedCount;
            if ((includeArchived || !v.archived) && filter.matches(v)) {
                s.latest = v;
                ++s.versionCount;
            }
        }
        if (s.versionCount > 0) {
            s.description = s.latest.description;
            result.append(s);
        }
    }
    return result;
}

void ModelRegistry::throwUnknownModel(const QString &name) const
{
    QStringList names;
    QSqlQuery q = m_db.exec(u"SELECT name FROM models ORDER BY name"_s);
    while (q.next())
        names.append(q.value(0).toString());
    throw WorkspaceError(names.isEmpty()
                             ? u"there is no model '%1'; this workspace has no models yet (register one with "
                               u"mldesk-cli model register)"_s.arg(name)
                             : u"there is no model '%1'; models are: %2"_s.arg(name, listed(names)));
}

QList<ModelVersion> ModelRegistry::versions(const QString &name, bool includeArchived) const
{
    if (!m_db.scalar(u"SELECT id FROM models WHERE name = ?"_s, {name}).isValid())
        throwUnknownModel(name);
    QList<ModelVersion> all = readWhere(u"m.name = ?"_s, {name});
    if (!includeArchived)
        all.removeIf([](const ModelVersion &v) { return v.archived; });
    return all;
}

ModelVersion ModelRegistry::resolve(const QString &nameAndVersion, bool requireVersion) const
{
    const qsizetype colon = nameAndVersion.lastIndexOf(u':');
    const QString name = colon < 0 ? nameAndVersion : nameAndVersion.left(colon);
    int number = 0;
    if (colon >= 0) {
        bool ok = false;
        number = nameAndVersion.mid(colon + 1).toInt(&ok);
        if (!ok || number <= 0)
            throw WorkspaceError(u"'%1' is not a version number; write NAME:VERSION, e.g. %2:1"_s.arg(
                nameAndVersion.mid(colon + 1), name));
    } else if (requireVersion) {
        throw WorkspaceError(u"name the version: %1:VERSION (mldesk-cli model show %1 lists them)"_s.arg(name));
    }
    const QList<ModelVersion> all = versions(name, true);
    QStringList numbers;
    for (const ModelVersion &v : all)
        numbers.append(QString::number(v.version) + (v.archived ? u" (archived)"_s : QString()));
    if (number > 0) {
        for (const ModelVersion &v : all) {
            if (v.version == number)
                return v;
        }
        throw WorkspaceError(all.isEmpty() ? u"model '%1' has no versions left"_s.arg(name)
                                           : u"model '%1' has no version %2; versions are %3"_s.arg(
                                                 name, QString::number(number), numbers.join(u", "_s)));
    }
    for (auto it = all.rbegin(); it != all.rend(); ++it) {
        if (!it->archived)
            return *it;
    }
    throw WorkspaceError(all.isEmpty()
                             ? u"model '%1' has no versions left"_s.arg(name)
                             : u"every version of model '%1' is archived (%2); name one (%1:VERSION) or "
                               u"restore one (mldesk-cli model restore %1:VERSION)"_s.arg(name, numbers.join(u", "_s)));
}

void ModelRegistry::setTags(const ModelVersion &version, const QMap<QString, QString> &set, const QStringList &remove)
{
    checkKeys(set, u"tag"_s);
    const ModelVersion current = read(version.id);
    for (const QString &key : remove) {
        if (!current.tags.contains(key))
            throw WorkspaceError(
                current.tags.isEmpty()
                    ? u"model %1 has no tags, so there is no '%2' to remove"_s.arg(current.qualifiedName(), key)
                    : u"model %1 has no tag '%2'; its tags are: %3"_s.arg(current.qualifiedName(), key,
                                                                          current.tags.keys().join(u", "_s)));
    }
    m_db.writeTransaction([&] {
        for (const QString &key : remove)
            m_db.exec(u"DELETE FROM tags WHERE entity_kind = ? AND entity_id = ? AND tag_key = ?"_s,
                      {tagEntityKind(), version.id, key});
        for (auto it = set.begin(); it != set.end(); ++it) {
            m_db.exec(u"DELETE FROM tags WHERE entity_kind = ? AND entity_id = ? AND tag_key = ?"_s,
                      {tagEntityKind(), version.id, it.key().trimmed()});
            m_db.exec(u"INSERT INTO tags (entity_kind, entity_id, tag_key, tag_value) VALUES (?, ?, ?, ?)"_s,
                      {tagEntityKind(), version.id, it.key().trimmed(), it.value()});
        }
    });
}

void ModelRegistry::setArchived(const ModelVersion &version, bool archived)
{
    m_db.exec(u"UPDATE model_versions SET archived = ? WHERE id = ?"_s, {archived ? 1 : 0, version.id});
}

void ModelRegistry::remove(const ModelVersion &version)
{
    const ModelVersion current = read(version.id);
    // Deleting is the second, explicit step after archiving: an archived version is out of every default list,
    // so nothing picks it up as "latest" any more. (Nothing else references model versions yet; deployments will.)
    if (!current.archived)
        throw WorkspaceError(u"model %1 is not archived; archive it first (mldesk-cli model archive %1), then "
                             u"delete it. Deleting cannot be undone"_s.arg(current.qualifiedName()));
    m_db.writeTransaction([&] {
        m_db.exec(u"DELETE FROM tags WHERE entity_kind = ? AND entity_id = ?"_s, {tagEntityKind(), current.id});
        m_db.exec(u"DELETE FROM model_version_datasets WHERE model_version_id = ?"_s, {current.id});
        m_db.exec(u"DELETE FROM model_versions WHERE id = ?"_s, {current.id});
    });
}

} // namespace mldesk::core
