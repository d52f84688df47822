// Database: connection setup, dialect details (SQLite) and the migration runner for workspace.db.
#include "core/store/Database.h"

#include "core/store/Migrations.h"
#include "core/workspace/WorkspaceError.h"

#include <QDir>
#include <QFileInfo>
#include <QSqlError>
#include <QSqlRecord>
#include <QUuid>

#include <stdexcept>

using namespace Qt::StringLiterals;

namespace mldesk::core {

namespace {

constexpr int kBusyTimeoutMs = 10000;

// The dialect adapter: the only SQLite-specific spellings outside connection setup.
QString adaptSql(QString sql)
{
    return sql.replace(QStringLiteral("{ID}"), QStringLiteral("INTEGER PRIMARY KEY AUTOINCREMENT"))
        .replace(QStringLiteral("{BLOB}"), QStringLiteral("BLOB"));
}

[[noreturn]] void throwSqlError(const QString &what, const QSqlError &error)
{
    throw std::runtime_error(QString(what + u": "_s + error.text()).toStdString());
}

} // namespace

Database::Database(QString file, QString connectionName)
    : m_file(std::move(file)), m_connectionName(std::move(connectionName)), m_thread(QThread::currentThread())
{
}

Database::~Database()
{
    {
        QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
        if (db.isOpen())
            db.close();
    }
    QSqlDatabase::removeDatabase(m_connectionName);
}

int Database::latestSchemaVersion()
{
    return migrations().isEmpty() ? 0 : migrations().constLast().version;
}

int Database::schemaVersion() const
{
    return m_schemaVersion;
}

std::unique_ptr<Database> Database::open(const QString &file, bool createIfMissing, int targetVersion)
{
    const QFileInfo info(file);
    if (!info.exists() && !createIfMissing)
        throw WorkspaceError(u"the workspace database %1 is missing; the folder is not a complete workspace "
                             u"(restore workspace.db from a backup or create a new workspace)"_s.arg(file));
    if (info.exists() && !info.isFile())
        throw WorkspaceError(u"%1 is not a file; move it aside and try again"_s.arg(file));
    if (targetVersion < 0)
        targetVersion = latestSchemaVersion();

    const QString name = u"mldesk-"_s + QUuid::createUuid().toString(QUuid::WithoutBraces);
    std::unique_ptr<Database> db(new Database(QDir::cleanPath(info.absoluteFilePath()), name));
    QSqlDatabase connection = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
    connection.setDatabaseName(db->m_file);
    if (!connection.open())
        throw WorkspaceError(u"cannot open the workspace database %1: %2"_s.arg(file, connection.lastError().text()));

    // Pragmas that do not write to the file come first: the checks below must leave a refused file untouched.
    db->exec(u"PRAGMA busy_timeout = %1"_s.arg(kBusyTimeoutMs));
    db->exec(QStringLiteral("PRAGMA foreign_keys = ON"));
    const int found = db->readSchemaVersion();
    if (found > latestSchemaVersion())
        throw WorkspaceError(u"the workspace database %1 was written by a newer MLDesk (schema version %2; this "
                             u"build knows up to %3); it was left unchanged: update MLDesk to open it"_s.arg(
                                 file, QString::number(found), QString::number(latestSchemaVersion())));
    db->m_schemaVersion = found;
    db->applyPragmas();
    if (found < targetVersion)
        db->migrateTo(targetVersion);
    return db;
}

std::unique_ptr<Database> Database::openForThisThread() const
{
    return open(m_file, false, m_schemaVersion);
}

void Database::applyPragmas()
{
    QSqlQuery mode = exec(QStringLiteral("PRAGMA journal_mode = WAL"));
    if (!mode.next() || mode.value(0).toString().compare(u"wal"_s, Qt::CaseInsensitive) != 0)
        throw WorkspaceError(u"the workspace database %1 cannot use write-ahead logging (is the folder on a network "
                             u"filesystem or read-only?); move the workspace to a local, writable disk"_s.arg(m_file));
    exec(QStringLiteral("PRAGMA synchronous = NORMAL"));
}

int Database::readSchemaVersion()
{
    QSqlQuery tables(connection());
    if (!tables.exec(QStringLiteral("SELECT name FROM sqlite_master WHERE type = 'table'")))
        throw WorkspaceError(
            u"%1 is not a readable workspace database (%2); it was left untouched: restore it from a "
            u"backup, or move it aside to start an empty workspace"_s.arg(m_file, tables.lastError().databaseText()));
    bool any = false;
    bool hasVersionTable = false;
    while (tables.next()) {
        any = true;
        if (tables.value(0).toString() == u"schema_version"_s)
            hasVersionTable = true;
    }
    if (!any)
        return 0; // a new, empty database
    if (!hasVersionTable)
        throw WorkspaceError(
            u"%1 is an SQLite database but not an MLDesk workspace database (it has no "
            u"schema_version table); it was left untouched: move it aside or pick another folder"_s.arg(m_file));
    QSqlQuery version(connection());
    if (!version.exec(QStringLiteral("SELECT version FROM schema_version")) || !version.next())
        throw WorkspaceError(u"%1 has an unreadable schema version (%2); it was left untouched: restore it from a "
                             u"backup"_s.arg(m_file, version.lastError().text()));
    return version.value(0).toInt();
}

void Database::migrateTo(int targetVersion)
{
    writeTransaction([&] {
        // Another process may have migrated since we looked: read the version again under the write lock.
        if (!scalar(QStringLiteral("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"))
                 .isValid()) {
            exec(QStringLiteral("CREATE TABLE schema_version (version INTEGER NOT NULL)"));
            exec(QStringLiteral("INSERT INTO schema_version (version) VALUES (0)"));
        }
        int current = scalar(QStringLiteral("SELECT version FROM schema_version")).toInt();
        for (const Migration &step : migrations()) {
            if (step.version <= current || step.version > targetVersion)
                continue;
            for (const QString &statement : step.statements)
                exec(statement);
            if (step.migrate)
                step.migrate(*this);
            exec(QStringLiteral("UPDATE schema_version SET version = ?"), {step.version});
            current = step.version;
        }
        m_schemaVersion = current;
    });
}

QSqlDatabase Database::connection() const
{
    if (QThread::currentThread() != m_thread)
        throw std::logic_error("Database used from a thread that did not open it; use openForThisThread()");
    return QSqlDatabase::database(m_connectionName, false);
}

QSqlQuery Database::exec(const QString &sql, const QVariantList &bindings)
{
    QSqlQuery query = prepare(sql);
    run(query, bindings);
    return query;
}

QSqlQuery Database::prepare(const QString &sql)
{
    QSqlQuery query(connection());
    const QString adapted = adaptSql(sql);
    if (!query.prepare(adapted))
        throwSqlError(u"SQL error preparing \"%1\""_s.arg(adapted), query.lastError());
    return query;
}

void Database::run(QSqlQuery &query, const QVariantList &bindings)
{
    for (int i = 0; i < bindings.size(); ++i) {
        const QVariant &value = bindings[i];
        // A null QString would bind as SQL NULL; callers mean "empty text". SQL NULL is an invalid QVariant.
        if (value.metaType().id() == QMetaType::QString && value.toString().isNull())
            query.bindValue(i, QString(0, QChar()));
        else
            query.bindValue(i, value);
    }
    if (!query.exec())
        throwSqlError(u"SQL error running \"%1\""_s.arg(query.lastQuery()), query.lastError());
}

QVariant Database::scalar(const QString &sql, const QVariantList &bindings)
{
    QSqlQuery query = exec(sql, bindings);
    return query.next() ? query.value(0) : QVariant();
}

qint64 Database::insert(const QString &sql, const QVariantList &bindings)
{
    const QSqlQuery query = exec(sql, bindings);
    const QVariant id = query.lastInsertId();
    if (!id.isValid())
        throw std::runtime_error("INSERT did not return a row id");
    return id.toLongLong();
}

void Database::writeTransaction(const std::function<void()> &work)
{
    // BEGIN IMMEDIATE takes the write lock now (waiting up to the busy timeout), so a transaction never fails
    // half-way when another process writes. SQLite spelling; PostgreSQL would use plain BEGIN.
    exec(QStringLiteral("BEGIN IMMEDIATE"));
    try {
        work();
    } catch (...) {
        QSqlQuery rollback(connection());
        rollback.exec(QStringLiteral("ROLLBACK"));
        throw;
    }
    exec(QStringLiteral("COMMIT"));
}

} // namespace mldesk::core
