// Database: one named QtSql connection to a workspace's workspace.db, its pragmas (WAL, foreign keys, busy
// timeout) and forward schema migrations. The only place that knows the SQL dialect (SQLite now, PostgreSQL later).
#pragma once

#include <QSqlDatabase>
#include <QSqlQuery>
#include <QString>
#include <QThread>
#include <QVariant>
#include <QVariantList>

#include <functional>
#include <memory>

namespace mldesk::core {

class Database final {
public:
    // Opens file (which must exist unless createIfMissing), checks it is a workspace store of a schema this build
    // understands, and migrates it forward to targetVersion (default: latest). Throws WorkspaceError when the file
    // is missing, not a database, corrupt, or from a newer MLDesk; in those cases the file is left unchanged.
    static std::unique_ptr<Database> open(const QString &file, bool createIfMissing = false, int targetVersion = -1);
    ~Database();
    Database(const Database &) = delete;
    Database &operator=(const Database &) = delete;

    // The newest schema version this build knows (see Migrations.cpp).
    static int latestSchemaVersion();
    int schemaVersion() const;
    QString filePath() const { return m_file; }

    // A Database's connection belongs to the thread that opened it. A worker thread opens its own with this
    // (same file, no migration) and drops it before the thread ends.
    std::unique_ptr<Database> openForThisThread() const;

    // Runs sql with positional bindings ("?"; a null QString binds as '', an invalid QVariant as NULL) and returns the
    // active query. Throws std::runtime_error on failure (with the driver's message); "database is locked" cannot
    // happen short of a 10 s stall (busy timeout).
    QSqlQuery exec(const QString &sql, const QVariantList &bindings = {});
    // The same in two halves, for a statement run many times (a batch of metric chunks): prepared once, then run
    // with each row's bindings.
    QSqlQuery prepare(const QString &sql);
    void run(QSqlQuery &query, const QVariantList &bindings);
    // First column of the first row, or an invalid QVariant when there is no row.
    QVariant scalar(const QString &sql, const QVariantList &bindings = {});
    // INSERT and return the new row's id.
    qint64 insert(const QString &sql, const QVariantList &bindings = {});

    // Runs work inside one short write transaction (taken up front, so two writers queue on the busy timeout
    // instead of failing). Commits when work returns, rolls back and rethrows when it throws.
    void writeTransaction(const std::function<void()> &work);

    QSqlDatabase connection() const;

private:
    Database(QString file, QString connectionName);
    void applyPragmas();
    int readSchemaVersion();
    void migrateTo(int targetVersion);

    QString m_file;
    QString m_connectionName;
    QThread *m_thread = nullptr;
    int m_schemaVersion = 0;
};

} // namespace mldesk::core
