// TestMigrations: the migration list is well-formed and portable, a fresh store has every table the product
// needs, and a store left at the previous schema version migrates forward with its data intact.
#include "CoreTestSupport.h"

#include "core/experiments/ExperimentStore.h"
#include "core/runs/RunStore.h"
#include "core/store/Database.h"
#include "core/store/MetricChunks.h"
#include "core/store/Migrations.h"
#include "core/workspace/WorkspaceError.h"

#include <QRegularExpression>
#include <QSqlDatabase>
#include <QSqlRecord>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace mldesk::core;
using namespace mldesk::test;

class TestMigrations final : public QObject {
    Q_OBJECT

private:
    static QStringList tables(Database &db) { return db.connection().tables(); }
    static bool hasIndex(Database &db, const QString &name)
    {
        return db.scalar(u"SELECT name FROM sqlite_master WHERE type = 'index' AND name = ?"_s, {name}).isValid();
    }

private slots:
    void listIsOrderedWithoutGaps()
    {
        const QList<Migration> &list = migrations();
        QVERIFY2(list.size() >= 2, "ship at least two migrations so 'migrate from the previous version' is real");
        for (qsizetype i = 0; i < list.size(); ++i) {
            QCOMPARE(list[i].version, int(i + 1));
            QVERIFY(!list[i].description.isEmpty());
            QVERIFY(!list[i].statements.isEmpty());
        }
        QCOMPARE(Database::latestSchemaVersion(), list.constLast().version);
    }

    void sqlIsPortable()
    {
        // SQLite-only spellings belong in Database (the adapter), never in the shared migration SQL.
        static const QRegularExpression sqliteOnly(
            u"\\b(AUTOINCREMENT|PRAGMA|WITHOUT\\s+ROWID|INSERT\\s+OR|REPLACE\\s+INTO|sqlite_\\w+|GLOB|STRICT)\\b"_s,
            QRegularExpression::CaseInsensitiveOption);
        for (const Migration &m : migrations()) {
            for (const QString &statement : m.statements) {
                const auto match = sqliteOnly.match(statement);
                QVERIFY2(!match.hasMatch(), qPrintable(u"migration %1 uses '%2': %3"_s.arg(
                                                QString::number(m.version), match.captured(0), statement)));
            }
        }
    }

    void freshStoreHasEveryTable()
    {
        QTemporaryDir dir;
        auto db = Database::open(dir.filePath(u"workspace.db"_s), true);
        QCOMPARE(db->schemaVersion(), Database::latestSchemaVersion());
        const QStringList have = tables(*db);
        for (const char *table :
             {"schema_version", "experiments", "runs", "run_metric_chunks", "run_metric_latest", "run_log_offsets",
              "run_dataset_inputs", "datasets", "dataset_versions", "dataset_files", "environments",
              "environment_versions", "compute_targets", "models", "model_versions", "model_version_datasets", "tags"})
            QVERIFY2(have.contains(QLatin1StringView(table)), table);
        QVERIFY(!have.contains(u"run_metrics"_s)); // one row per point: moved into chunks at schema 6
        QVERIFY(hasIndex(*db, u"run_metric_chunks_by_run_seq"_s));
        // The columns a run needs (DESIGN.md "A run, as data flowing through").
        const QSqlRecord runs = db->connection().record(u"runs"_s);
        for (const char *column : {"state", "created_at", "started_at", "ended_at", "configuration_json", "exit_code",
                                   "failure_reason", "compute_target_id", "environment_version_id"})
            QVERIFY2(runs.contains(QLatin1StringView(column)), column);
    }

    // A store with data written at schema 1 (no tags, no log offsets, no metric index) migrates to the latest with
    // its rows intact; migrateFromEveryVersion covers the other starting points.
    void migrateFromVersion1WithData()
    {
        QTemporaryDir dir;
        const QString file = dir.filePath(u"workspace.db"_s);
        const int previous = 1;
        qint64 runId = 0;
        {
            auto old = Database::open(file, true, previous);
            QCOMPARE(old->schemaVersion(), previous);
            QVERIFY(!tables(*old).contains(u"tags"_s));
            QVERIFY(!hasIndex(*old, u"run_metrics_by_run_name_step"_s));
            ExperimentStore(*old).create(u"mnist"_s, u"before the upgrade"_s);
            old->writeTransaction([&] {
                const qint64 experiment =
                    old->scalar(u"SELECT id FROM experiments WHERE name = 'mnist'"_s).toLongLong();
                runId =
                    old->insert(u"INSERT INTO runs (run_uid, experiment_id, state, created_at) VALUES (?, ?, ?, ?)"_s,
                                {u"mnist_1"_s, experiment, u"Completed"_s, 1000});
                for (int step = 0; step < 5; ++step)
                    old->insert(
                        u"INSERT INTO run_metrics (run_id, name, step, value, logged_at) VALUES (?, ?, ?, ?, ?)"_s,
                        {runId, u"Loss"_s, step, 1.0 / (step + 1), 1000 + step});
            });
        }
        auto db = Database::open(file);
        QCOMPARE(db->schemaVersion(), Database::latestSchemaVersion());
        QCOMPARE(db->scalar(u"SELECT version FROM schema_version"_s).toInt(), Database::latestSchemaVersion());
        QVERIFY(tables(*db).contains(u"tags"_s));
        QVERIFY(tables(*db).contains(u"run_log_offsets"_s));
        QVERIFY(!tables(*db).contains(u"run_metrics"_s));
        const auto experiment = ExperimentStore(*db).find(u"mnist"_s);
        QVERIFY(experiment.has_value());
        QCOMPARE(experiment->description, u"before the upgrade"_s);
        QCOMPARE(experiment->runCount, 1);
        // The per-row points moved into chunks, in step order, with their latest value and watermark (issue 12).
        const MetricColumns loss = MetricChunks::series(*db, runId, u"Loss"_s);
        QCOMPARE(loss.steps, (QList<qint64>{0, 1, 2, 3, 4}));
        QCOMPARE(loss.values.constLast(), 1.0 / 5);
        QCOMPARE(loss.times.constFirst(), qint64(1000));
        QCOMPARE(MetricChunks::count(*db, runId), qint64(5));
        QCOMPARE(MetricChunks::lastSeq(*db, runId), qint64(1));
        QCOMPARE(MetricChunks::latest(*db, runId).constFirst().step, qint64(4));
        // The new tables work with the old rows.
        db->exec(u"INSERT INTO tags (entity_kind, entity_id, tag_key, tag_value) VALUES ('run', ?, 'seed', '42')"_s,
                 {runId});
        db->exec(u"INSERT INTO run_log_offsets (run_id, file_name, byte_offset, updated_at) VALUES (?, ?, ?, ?)"_s,
                 {runId, u"logs/stdout.txt"_s, 123, 2000});
        QCOMPARE(db->scalar(u"SELECT byte_offset FROM run_log_offsets WHERE run_id = ?"_s, {runId}).toInt(), 123);
    }

    // Issue 12 item 1: a workspace made at schema 8 (no priorities) migrates to 9 with its runs at normal priority;
    // the scheduler's order (RunStore::queued) works on the old rows, and new rows take a priority.
    void migrateFromVersion8GivesRunsNormalPriority()
    {
        QTemporaryDir dir;
        const QString file = dir.filePath(u"workspace.db"_s);
        qint64 older = 0, newer = 0;
        {
            auto old = Database::open(file, true, 8);
            QCOMPARE(old->schemaVersion(), 8);
            QVERIFY(!old->connection().record(u"runs"_s).contains(u"priority"_s));
            ExperimentStore(*old).create(u"mnist"_s);
            old->writeTransaction([&] {
                const qint64 experiment =
                    old->scalar(u"SELECT id FROM experiments WHERE name = 'mnist'"_s).toLongLong();
                for (qint64 *id : {&older, &newer})
                    *id = old->insert(
                        u"INSERT INTO runs (run_uid, experiment_id, state, created_at) VALUES (?, ?, 'Queued', ?)"_s,
                        {u"mnist_%1"_s.arg(id == &older ? 1 : 2), experiment, id == &older ? 1000 : 2000});
            });
        }
        auto db = Database::open(file);
        QCOMPARE(db->schemaVersion(), 9);
        QVERIFY(hasIndex(*db, u"runs_by_state_priority"_s));
        RunStore store(*db);
        QCOMPARE(store.findById(older)->priority, 0);
        QCOMPARE(store.findById(newer)->priority, 0);
        QList<qint64> order;
        for (const RunRecord &r : store.queued())
            order.append(r.id);
        QCOMPARE(order, (QList<qint64>{older, newer})); // equal priorities: first come, first served
        store.setPriority(u"mnist_2"_s, 100);
        order.clear();
        for (const RunRecord &r : store.queued())
            order.append(r.id);
        QCOMPARE(order, (QList<qint64>{newer, older}));
        // The column refuses nothing by itself, but it is NOT NULL with its default.
        QVERIFY_THROWS_EXCEPTION(std::runtime_error,
                                 db->exec(u"UPDATE runs SET priority = NULL WHERE id = ?"_s, {older}));
    }

    void migrateFromEveryVersion()
    {
        for (int start = 0; start < Database::latestSchemaVersion(); ++start) {
            QTemporaryDir dir;
            const QString file = dir.filePath(u"workspace.db"_s);
            if (start > 0)
                QCOMPARE(Database::open(file, true, start)->schemaVersion(), start);
            auto db = Database::open(file, true);
            QCOMPARE(db->schemaVersion(), Database::latestSchemaVersion());
            auto again = Database::open(file); // already current: nothing to do, no error
            QCOMPARE(again->schemaVersion(), Database::latestSchemaVersion());
        }
    }

    void foreignKeysAreEnforced()
    {
        QTemporaryDir dir;
        auto db = Database::open(dir.filePath(u"workspace.db"_s), true);
        QVERIFY_THROWS_EXCEPTION(std::runtime_error,
                                 db->exec(u"INSERT INTO runs (run_uid, experiment_id, state, created_at) "
                                          u"VALUES ('x', 999, 'Queued', 0)"_s));
    }

    void failedTransactionRollsBack()
    {
        QTemporaryDir dir;
        auto db = Database::open(dir.filePath(u"workspace.db"_s), true);
        QVERIFY_THROWS_EXCEPTION(WorkspaceError, db->writeTransaction([&] {
            db->exec(u"INSERT INTO experiments (name, created_at) VALUES ('half', 0)"_s);
            throw WorkspaceError(u"stop"_s);
        }));
        QCOMPARE(db->scalar(u"SELECT COUNT(*) FROM experiments"_s).toInt(), 0);
        ExperimentStore(*db).create(u"after"_s); // the connection is usable again
        QCOMPARE(db->scalar(u"SELECT COUNT(*) FROM experiments"_s).toInt(), 1);
    }

    void aheadIsRefusedUnchanged()
    {
        QTemporaryDir dir;
        const QString file = dir.filePath(u"workspace.db"_s);
        {
            auto db = Database::open(file, true);
            db->exec(u"UPDATE schema_version SET version = ?"_s, {Database::latestSchemaVersion() + 1});
            db->exec(u"PRAGMA wal_checkpoint(TRUNCATE)"_s);
        }
        const QByteArray before = readAll(file);
        QVERIFY_THROWS_EXCEPTION(WorkspaceError, Database::open(file));
        QCOMPARE(readAll(file), before);
    }
};

QTEST_GUILESS_MAIN(TestMigrations)
#include "TestMigrations.moc"
