// Workspace: create/open/discover a workspace folder and validate its config.json before touching the database.
#include "core/workspace/Workspace.h"

#include "core/store/BlobStore.h"
#include "core/store/Database.h"
#include "core/workspace/WorkspaceError.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>
#include <QStandardPaths>
#include <QTemporaryFile>

using namespace Qt::StringLiterals;

namespace mldesk::core {

namespace {

QString cleanAbsolute(const QString &folder)
{
    return QDir::cleanPath(QFileInfo(folder).absoluteFilePath());
}

// Fails with a clear message when folder cannot take new files (also for root, by really writing one).
void requireWritableFolder(const QString &folder)
{
    QTemporaryFile probe(folder + u"/.mldesk-write-test-XXXXXX"_s);
    if (!probe.open())
        throw WorkspaceError(u"the folder %1 is not writable (%2); pick a folder you can write to or fix its "
                             u"permissions"_s.arg(folder, probe.errorString()));
}

struct Config {
    QString name;
};

Config readConfig(const QString &folder)
{
    const QString file = folder + u'/' + Workspace::configFileName();
    QFile in(file);
    if (!in.open(QIODevice::ReadOnly))
        throw WorkspaceError(u"cannot read %1 (%2); check its permissions"_s.arg(file, in.errorString()));
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(in.readAll(), &error);
    if (error.error != QJsonParseError::NoError)
        throw WorkspaceError(u"%1 is not valid JSON (%2 at byte %3); fix the file or restore it from a backup"_s.arg(
            file, error.errorString(), QString::number(error.offset)));
    if (!doc.isObject())
        throw WorkspaceError(
            u"%1 must hold a JSON object with \"workspace_name\" and \"format\"; fix the file"_s.arg(file));
    const QJsonObject object = doc.object();
    const QJsonValue format = object.value(u"format"_s);
    if (!format.isDouble())
        throw WorkspaceError(u"%1 has no numeric \"format\"; this build reads format %2 (add \"format\": %2 if the "
                             u"workspace was made by MLDesk)"_s.arg(file, QString::number(Workspace::kConfigFormat)));
    if (format.toInt() != Workspace::kConfigFormat || format.toDouble() != format.toInt())
        throw WorkspaceError(u"%1 has workspace format %2, but this build of MLDesk reads only format %3; use the "
                             u"MLDesk version that made it"_s.arg(file, QString::number(format.toDouble()),
                                                                  QString::number(Workspace::kConfigFormat)));
    const QString name = object.value(u"workspace_name"_s).toString();
    if (name.trimmed().isEmpty())
        throw WorkspaceError(
            u"%1 has no \"workspace_name\"; add one, e.g. \"workspace_name\": \"my-workspace\""_s.arg(file));
    return Config{name};
}

void writeConfig(const QString &folder, const QString &name)
{
    QJsonObject object;
    object.insert(u"workspace_name"_s, name);
    object.insert(u"format"_s, Workspace::kConfigFormat);
    object.insert(u"created"_s, QDateTime::currentDateTimeUtc().toString(Qt::ISODate));
    object.insert(u"created_by"_s, u"MLDesk " MLDESK_VERSION ""_s);
    QSaveFile out(folder + u'/' + Workspace::configFileName());
    if (!out.open(QIODevice::WriteOnly) || out.write(QJsonDocument(object).toJson()) < 0 || !out.commit())
        throw WorkspaceError(u"cannot write %1 (%2)"_s.arg(out.fileName(), out.errorString()));
}

void makeFolder(const QString &folder)
{
    if (!QDir().mkpath(folder))
        throw WorkspaceError(
            u"cannot create the folder %1; check that its parent exists and is writable"_s.arg(folder));
}

} // namespace

Workspace::Workspace(QString path, QString name, std::unique_ptr<Database> db, std::unique_ptr<BlobStore> blobs)
    : m_path(std::move(path)), m_name(std::move(name)), m_db(std::move(db)), m_blobs(std::move(blobs))
{
}

Workspace::~Workspace() = default;

std::unique_ptr<Workspace> Workspace::create(const QString &folder, const QString &name)
{
    if (folder.trimmed().isEmpty())
        throw WorkspaceError(u"no workspace folder given; name the folder to create the workspace in"_s);
    if (name.trimmed().isEmpty())
        throw WorkspaceError(u"the workspace name is empty; give a name, e.g. --name my-workspace"_s);
    const QString path = cleanAbsolute(folder);
    const QFileInfo info(path);
    if (info.exists() && !info.isDir())
        throw WorkspaceError(u"%1 is a file, not a folder; choose a folder path for the new workspace"_s.arg(path));
    if (QFileInfo::exists(path + u'/' + configFileName()))
        throw WorkspaceError(
            u"%1 already holds a workspace (it has %2); open it instead, or choose an empty folder"_s.arg(
                path, configFileName()));
    if (QFileInfo::exists(path + u'/' + databaseFileName()))
        throw WorkspaceError(u"%1 already has a %2 but no %3; move the database aside or choose another folder"_s.arg(
            path, databaseFileName(), configFileName()));
    makeFolder(path);
    requireWritableFolder(path);

    auto db = Database::open(path + u'/' + databaseFileName(), true);
    auto blobs = std::make_unique<BlobStore>(path + u"/blobs"_s);
    makeFolder(path + u"/runs"_s);
    // config.json last: a folder only counts as a workspace once everything it needs is in place.
    writeConfig(path, name.trimmed());
    return std::unique_ptr<Workspace>(new Workspace(path, name.trimmed(), std::move(db), std::move(blobs)));
}

std::unique_ptr<Workspace> Workspace::open(const QString &folder)
{
    if (folder.trimmed().isEmpty())
        throw WorkspaceError(u"no workspace folder given"_s);
    const QString path = cleanAbsolute(folder);
    const QFileInfo info(path);
    if (!info.exists())
        throw WorkspaceError(
            u"the workspace folder %1 does not exist; check the path or create a workspace there"_s.arg(path));
    if (!info.isDir())
        throw WorkspaceError(
            u"%1 is a file, not a workspace folder; give the folder that holds %2"_s.arg(path, configFileName()));
    if (!QFileInfo::exists(path + u'/' + configFileName()))
        throw WorkspaceError(u"%1 is not a workspace (no %2 there); create one with `mldesk-cli workspace create %1 "
                             u"--name NAME`"_s.arg(path, configFileName()));
    const Config config = readConfig(path);
    requireWritableFolder(path);
    auto db = Database::open(path + u'/' + databaseFileName());
    auto blobs = std::make_unique<BlobStore>(path + u"/blobs"_s);
    return std::unique_ptr<Workspace>(new Workspace(path, config.name, std::move(db), std::move(blobs)));
}

QString Workspace::discover(const QString &startFolder)
{
    QDir dir(cleanAbsolute(startFolder.isEmpty() ? QDir::currentPath() : startFolder));
    while (true) {
        const QFileInfo config(dir.filePath(configFileName()));
        if (config.isFile())
            return dir.absolutePath();
        if (!dir.cdUp())
            return {};
    }
}

QString Workspace::defaultLocation()
{
    return QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation) + u"/mldesk/workspaces/default"_s;
}

std::unique_ptr<Workspace> Workspace::openOrCreateDefault()
{
    const QString path = defaultLocation();
    if (QFileInfo::exists(path + u'/' + configFileName()))
        return open(path);
    return create(path, u"default"_s);
}

QString Workspace::name() const
{
    return m_name;
}

QString Workspace::path() const
{
    return m_path;
}

int Workspace::schemaVersion() const
{
    return m_db->schemaVersion();
}

Workspace::Counts Workspace::counts() const
{
    auto count = [this](const char *table) {
        return m_db->scalar(u"SELECT COUNT(*) FROM "_s + QLatin1StringView(table)).toInt();
    };
    Counts c;
    c.experiments = count("experiments");
    c.runs = count("runs");
    c.datasets = count("datasets");
    c.environments = count("environments");
    c.computeTargets = count("compute_targets");
    c.models = count("models");
    return c;
}

Database &Workspace::database()
{
    return *m_db;
}

BlobStore &Workspace::blobs()
{
    return *m_blobs;
}

} // namespace mldesk::core
