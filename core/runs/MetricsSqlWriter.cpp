// MetricsSqlWriter: run_metrics inserts - SQLite C API when the connection is SQLite, QtSql otherwise.
#include "core/runs/MetricsSqlWriter.h"

#include "core/store/Database.h"

#include <QSqlDriver>
#include <QSqlError>
#include <QSqlQuery>

#include <sqlite3.h>

#include <cmath>
#include <stdexcept>

using namespace Qt::StringLiterals;

namespace mldesk::core {

namespace {

const char *const kInsert =
    "INSERT INTO run_metrics (run_id, name, step, value, logged_at, text_value) VALUES (?, ?, ?, ?, ?, ?)";

sqlite3 *sqliteHandle(const QSqlDatabase &connection)
{
    if (connection.driverName() != u"QSQLITE"_s)
        return nullptr;
    const QVariant handle = connection.driver()->handle();
    if (qstrcmp(handle.typeName(), "sqlite3*") != 0)
        return nullptr;
    return *static_cast<sqlite3 *const *>(handle.data());
}

void insertSqlite(sqlite3 *handle, qint64 runId, const QList<MetricPoint> &points)
{
    // A larger page cache keeps the (run_id, name, step) index's hot pages in memory during bulk appends
    // (SQLite's default is 2 MB); per connection, so set on first use.
    static thread_local QList<sqlite3 *> tuned;
    if (!tuned.contains(handle)) {
        sqlite3_exec(handle, "PRAGMA cache_size = -65536", nullptr, nullptr, nullptr);
        tuned.append(handle);
    }
    sqlite3_stmt *statement = nullptr;
    if (sqlite3_prepare_v2(handle, kInsert, -1, &statement, nullptr) != SQLITE_OK)
        throw std::runtime_error(std::string("cannot store metrics: ") + sqlite3_errmsg(handle));
    QByteArray name;
    QString lastName;
    for (const MetricPoint &p : points) {
        if (p.name != lastName) { // series come in runs of one name: convert once per run
            lastName = p.name;
            name = p.name.toUtf8();
        }
        sqlite3_bind_int64(statement, 1, runId);
        sqlite3_bind_text(statement, 2, name.constData(), int(name.size()), SQLITE_STATIC);
        sqlite3_bind_int64(statement, 3, p.step);
        if (std::isnan(p.value))
            sqlite3_bind_null(statement, 4);
        else
            sqlite3_bind_double(statement, 4, p.value);
        sqlite3_bind_int64(statement, 5, p.timeMs);
        QByteArray text;
        if (p.text.isEmpty()) {
            sqlite3_bind_null(statement, 6);
        } else {
            text = p.text.toUtf8();
            sqlite3_bind_text(statement, 6, text.constData(), int(text.size()), SQLITE_TRANSIENT);
        }
        if (sqlite3_step(statement) != SQLITE_DONE) {
            const std::string message = sqlite3_errmsg(handle);
            sqlite3_finalize(statement);
            throw std::runtime_error("cannot store metrics: " + message);
        }
        sqlite3_reset(statement);
    }
    sqlite3_finalize(statement);
}

void insertQtSql(Database &db, qint64 runId, const QList<MetricPoint> &points)
{
    QVariantList runIds, names, steps, values, times, texts;
    for (const MetricPoint &p : points) {
        runIds.append(runId);
        names.append(p.name);
        steps.append(p.step);
        values.append(std::isnan(p.value) ? QVariant() : QVariant(p.value));
        times.append(p.timeMs);
        texts.append(p.text.isEmpty() ? QVariant() : QVariant(p.text));
    }
    QSqlQuery insert(db.connection());
    insert.prepare(QString::fromLatin1(kInsert));
    for (const QVariantList *column : {&runIds, &names, &steps, &values, &times, &texts})
        insert.addBindValue(*column);
    if (!insert.execBatch())
        throw std::runtime_error("cannot store metrics: " + insert.lastError().text().toStdString());
}

} // namespace

void MetricsSqlWriter::insert(Database &db, qint64 runId, const QList<MetricPoint> &points)
{
    if (points.isEmpty())
        return;
    if (sqlite3 *handle = sqliteHandle(db.connection()))
        insertSqlite(handle, runId, points);
    else
        insertQtSql(db, runId, points);
}

} // namespace mldesk::core
