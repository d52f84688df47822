// TestWorkspace: create -> reopen, discovery from a subfolder, the default location, and every bad input
// (path is a file / unwritable, config.json not JSON / other format, db ahead / corrupt / missing).
#include "CoreTestSupport.h"

#include "core/experiments/ExperimentStore.h"
#include "core/store/Database.h"
#include "core/workspace/Workspace.h"
#include "core/workspace/WorkspaceError.h"

#include <QCoreApplication>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRandomGenerator>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace mldesk::core;
using namespace mldesk::test;

class TestWorkspace final : public QObject {
    Q_OBJECT

private:
    // Runs f, which must throw WorkspaceError whose message contains every part; returns the message.
    template <typename F> static QString expectError(F &&f, const QStringList &parts)
    {
        try {
            f();
        } catch (const WorkspaceError &e) {
            for (const QString &part : parts) {
                if (!e.message().contains(part, Qt::CaseInsensitive))
                    qWarning("message lacks '%s': %s", qPrintable(part), qPrintable(e.message()));
                if (!e.message().contains(part, Qt::CaseInsensitive))
                    return QString();
            }
            return e.message();
        }
        return QString();
    }

    // Permission bits do not bind root, so as root the unwritable-folder tests rerun this binary as 'nobody'
    // (setpriv, util-linux) and require that run to pass.
    static bool canRunAsNobody()
    {
        if (QStandardPaths::findExecutable(u"setpriv"_s).isEmpty())
            return false;
        // 'nobody' must be able to reach this binary: every folder above it searchable by others.
        for (QFileInfo info(QCoreApplication::applicationFilePath()); !info.isRoot();
             info = QFileInfo(info.absolutePath())) {
            if (!(info.permissions() & QFileDevice::ExeOther))
                return false;
        }
        return true;
    }

    static bool passesAsNobody(const QString &testFunction)
    {
        const QString setpriv = QStandardPaths::findExecutable(u"setpriv"_s);
        QProcess child;
        child.setProcessChannelMode(QProcess::MergedChannels);
        child.start(setpriv, {u"--reuid=65534"_s, u"--regid=65534"_s, u"--clear-groups"_s,
                              QCoreApplication::applicationFilePath(), testFunction});
        if (!child.waitForFinished(60000))
            return false;
        const QString output = QString::fromUtf8(child.readAll());
        qInfo("%s as nobody: exit %d", qPrintable(testFunction), child.exitCode());
        if (child.exitCode() != 0 || !output.contains(u"PASS   : TestWorkspace::"_s + testFunction))
            qWarning("run as nobody:\n%s", qPrintable(output));
        return child.exitCode() == 0 && output.contains(u"PASS   : TestWorkspace::"_s + testFunction);
    }

    static QString newWorkspace(const QTemporaryDir &dir, const QString &name = u"ws"_s)
    {
        const QString path = dir.filePath(name);
        Workspace::create(path, name);
        return path;
    }

    // Rewrites schema_version with a raw connection (as a newer MLDesk would have left it).
    static void setStoredSchemaVersion(const QString &dbFile, int version)
    {
        {
            QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, u"raw"_s);
            db.setDatabaseName(dbFile);
            QVERIFY(db.open());
            QSqlQuery q(db);
            QVERIFY(q.exec(u"UPDATE schema_version SET version = %1"_s.arg(version)));
            QVERIFY(q.exec(u"PRAGMA wal_checkpoint(TRUNCATE)"_s));
            q.finish();
            db.close();
        }
        QSqlDatabase::removeDatabase(u"raw"_s);
    }

private slots:
    void createThenReopen()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString path = dir.filePath(u"nested/new-ws"_s); // parents are created too
        {
            auto ws = Workspace::create(path, u"My workspace"_s);
            QCOMPARE(ws->name(), u"My workspace"_s);
            QCOMPARE(ws->path(), QDir::cleanPath(path));
            QCOMPARE(ws->schemaVersion(), Database::latestSchemaVersion());
            const Workspace::Counts c = ws->counts();
            QCOMPARE(c.experiments + c.runs + c.datasets + c.environments + c.computeTargets + c.models, 0);
            ExperimentStore(ws->database()).create(u"keras-mnist"_s);
        }
        QVERIFY(QFileInfo(path + u"/workspace.db"_s).isFile());
        QVERIFY(QFileInfo(path + u"/blobs/sha256"_s).isDir());
        QVERIFY(QFileInfo(path + u"/runs"_s).isDir());
        const QJsonObject config = QJsonDocument::fromJson(readAll(path + u"/config.json"_s)).object();
        QCOMPARE(config.value(u"workspace_name"_s).toString(), u"My workspace"_s);
        QCOMPARE(config.value(u"format"_s).toInt(), 1);
        QVERIFY(!config.value(u"created"_s).toString().isEmpty());

        auto reopened = Workspace::open(path);
        QCOMPARE(reopened->name(), u"My workspace"_s);
        QCOMPARE(reopened->counts().experiments, 1);
        QCOMPARE(ExperimentStore(reopened->database()).list().value(0).name, u"keras-mnist"_s);
    }

    void reopenMigratesFromPreviousVersion()
    {
        // A workspace whose store an older MLDesk left at the previous schema version opens and is upgraded.
        QTemporaryDir dir;
        const QString path = newWorkspace(dir);
        const QString dbFile = path + u"/workspace.db"_s;
        QVERIFY(QFile::remove(dbFile));
        QFile::remove(dbFile + u"-wal"_s);
        QFile::remove(dbFile + u"-shm"_s);
        {
            auto old = Database::open(dbFile, true, Database::latestSchemaVersion() - 1);
            QCOMPARE(old->schemaVersion(), Database::latestSchemaVersion() - 1);
            ExperimentStore(*old).create(u"from-the-old-version"_s);
        }
        auto ws = Workspace::open(path);
        QCOMPARE(ws->schemaVersion(), Database::latestSchemaVersion());
        QCOMPARE(ws->counts().experiments, 1);
        QVERIFY(ws->database().connection().tables().contains(u"tags"_s));
    }

    void connectionSettings()
    {
        QTemporaryDir dir;
        auto ws = Workspace::create(dir.filePath(u"ws"_s), u"ws"_s);
        Database &db = ws->database();
        QCOMPARE(db.scalar(u"PRAGMA journal_mode"_s).toString().toLower(), u"wal"_s);
        QCOMPARE(db.scalar(u"PRAGMA foreign_keys"_s).toInt(), 1);
        QVERIFY(db.scalar(u"PRAGMA busy_timeout"_s).toInt() >= 5000);
        QCOMPARE(db.scalar(u"PRAGMA synchronous"_s).toInt(), 1); // NORMAL
    }

    void twoWorkspacesOpenAtOnce()
    {
        QTemporaryDir dir;
        auto a = Workspace::create(dir.filePath(u"a"_s), u"a"_s);
        auto b = Workspace::create(dir.filePath(u"b"_s), u"b"_s);
        auto a2 = Workspace::open(dir.filePath(u"a"_s)); // same folder, second connection
        ExperimentStore(a->database()).create(u"one"_s);
        ExperimentStore(b->database()).create(u"two"_s);
        QCOMPARE(a2->counts().experiments, 1);
        QCOMPARE(b->counts().experiments, 1);
    }

    void workerThreadConnection()
    {
        QTemporaryDir dir;
        auto ws = Workspace::create(dir.filePath(u"ws"_s), u"ws"_s);
        QString error;
        std::unique_ptr<QThread> thread(QThread::create([&] {
            try {
                auto db = ws->database().openForThisThread();
                ExperimentStore(*db).create(u"from-thread"_s);
            } catch (const std::exception &e) {
                error = QString::fromUtf8(e.what());
            }
        }));
        thread->start();
        QVERIFY(thread->wait(30000));
        QCOMPARE(error, QString());
        QCOMPARE(ws->counts().experiments, 1);
        // Using the owner's connection from another thread is refused rather than silently shared.
        bool refused = false;
        std::unique_ptr<QThread> wrong(QThread::create([&] {
            try {
                ws->database().scalar(u"SELECT 1"_s);
            } catch (const std::logic_error &) {
                refused = true;
            }
        }));
        wrong->start();
        QVERIFY(wrong->wait(30000));
        QVERIFY(refused);
    }

    void discoverFromSubfolder()
    {
        QTemporaryDir dir;
        const QString path = newWorkspace(dir);
        QVERIFY(QDir().mkpath(path + u"/src/model/deep"_s));
        QCOMPARE(Workspace::discover(path + u"/src/model/deep"_s), QDir::cleanPath(path));
        QCOMPARE(Workspace::discover(path), QDir::cleanPath(path));
        QVERIFY(QDir().mkpath(dir.filePath(u"elsewhere"_s)));
        if (!Workspace::discover(dir.path()).isEmpty())
            QSKIP("a parent of the temporary folder holds a config.json");
        QCOMPARE(Workspace::discover(dir.filePath(u"elsewhere"_s)), QString());
    }

    void defaultLocationIsCreatedOnce()
    {
        QTemporaryDir dir;
        qputenv("XDG_DATA_HOME", dir.path().toUtf8()); // keep the user's real data folder out of it
        QVERIFY(Workspace::defaultLocation().startsWith(dir.path()));
        QVERIFY(Workspace::defaultLocation().endsWith(u"/workspaces/default"_s));
        {
            auto ws = Workspace::openOrCreateDefault();
            QCOMPARE(ws->path(), Workspace::defaultLocation());
            ExperimentStore(ws->database()).create(u"kept"_s);
        }
        auto again = Workspace::openOrCreateDefault();
        QCOMPARE(again->counts().experiments, 1);
        qunsetenv("XDG_DATA_HOME");
    }

    void createBadInput()
    {
        QTemporaryDir dir;
        const QString file = dir.filePath(u"a-file"_s);
        QVERIFY(writeAll(file, "just a file"));
        QVERIFY(!expectError([&] { Workspace::create(file, u"x"_s); }, {u"is a file"_s}).isEmpty());
        QCOMPARE(readAll(file), QByteArray("just a file"));
        QVERIFY(!expectError([&] { Workspace::create(dir.filePath(u"w"_s), u"  "_s); }, {u"name"_s}).isEmpty());
        QVERIFY(!expectError([&] { Workspace::create(QString(), u"x"_s); }, {u"folder"_s}).isEmpty());

        const QString path = newWorkspace(dir);
        QVERIFY(!expectError([&] { Workspace::create(path, u"again"_s); }, {u"already holds a workspace"_s}).isEmpty());
    }

    void createUnwritable()
    {
        // /proc refuses new entries even to root.
        QVERIFY(
            !expectError([] { Workspace::create(u"/proc/mldesk-test-ws"_s, u"x"_s); }, {u"cannot create"_s}).isEmpty());
        QVERIFY(!expectError([] { Workspace::create(u"/proc"_s, u"x"_s); }, {u"not writable"_s}).isEmpty());
        if (runningAsRoot()) {
            if (!canRunAsNobody())
                QSKIP("running as root, and cannot rerun as 'nobody' (no setpriv, or the build folder is private): "
                      "permission bits cannot make a folder unwritable (the /proc cases ran)");
            QVERIFY2(passesAsNobody(u"createUnwritable"_s), "createUnwritable failed when run as 'nobody'");
            return;
        }
        QTemporaryDir dir;
        const QString locked = dir.filePath(u"locked"_s);
        QVERIFY(QDir().mkpath(locked));
        QFile::setPermissions(locked, QFileDevice::ReadOwner | QFileDevice::ExeOwner);
        QVERIFY(!expectError([&] { Workspace::create(locked, u"x"_s); }, {u"not writable"_s}).isEmpty());
        QFile::setPermissions(locked, QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
    }

    void openUnwritable()
    {
        if (runningAsRoot()) {
            if (!canRunAsNobody())
                QSKIP("running as root, and cannot rerun as 'nobody' (no setpriv, or the build folder is private)");
            QVERIFY2(passesAsNobody(u"openUnwritable"_s), "openUnwritable failed when run as 'nobody'");
            return;
        }
        QTemporaryDir dir;
        const QString path = newWorkspace(dir);
        QFile::setPermissions(path, QFileDevice::ReadOwner | QFileDevice::ExeOwner);
        const QString message = expectError([&] { Workspace::open(path); }, {u"not writable"_s});
        QFile::setPermissions(path, QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
        QVERIFY(!message.isEmpty());
    }

    void openMissingOrNotAWorkspace()
    {
        QTemporaryDir dir;
        QVERIFY(!expectError([&] { Workspace::open(dir.filePath(u"nope"_s)); }, {u"does not exist"_s}).isEmpty());
        const QString file = dir.filePath(u"file"_s);
        QVERIFY(writeAll(file, "x"));
        QVERIFY(!expectError([&] { Workspace::open(file); }, {u"is a file"_s}).isEmpty());
        QVERIFY(!expectError([&] { Workspace::open(dir.path()); }, {u"not a workspace"_s, u"workspace create"_s})
                     .isEmpty());
    }

    void badConfig_data()
    {
        QTest::addColumn<QByteArray>("config");
        QTest::addColumn<QString>("expected");
        QTest::newRow("not json") << QByteArray("this is { not json") << u"not valid JSON"_s;
        QTest::newRow("empty file") << QByteArray() << u"not valid JSON"_s;
        QTest::newRow("array") << QByteArray("[1, 2]") << u"JSON object"_s;
        QTest::newRow("format 2") << QByteArray(R"({"workspace_name": "w", "format": 2})") << u"format 2"_s;
        QTest::newRow("format 0") << QByteArray(R"({"workspace_name": "w", "format": 0})") << u"only format 1"_s;
        QTest::newRow("format string") << QByteArray(R"({"workspace_name": "w", "format": "1"})")
                                       << u"no numeric \"format\""_s;
        QTest::newRow("no format") << QByteArray(R"({"workspace_name": "w"})") << u"no numeric \"format\""_s;
        QTest::newRow("no name") << QByteArray(R"({"format": 1})") << u"workspace_name"_s;
    }

    void badConfig()
    {
        QFETCH(QByteArray, config);
        QFETCH(QString, expected);
        QTemporaryDir dir;
        const QString path = newWorkspace(dir);
        const QString configFile = path + u"/config.json"_s;
        QVERIFY(writeAll(configFile, config));
        const QByteArray dbBefore = readAll(path + u"/workspace.db"_s);
        QVERIFY(!expectError([&] { Workspace::open(path); }, {expected, configFile}).isEmpty());
        QCOMPARE(readAll(configFile), config);
        QCOMPARE(readAll(path + u"/workspace.db"_s), dbBefore);
    }

    void databaseAheadIsRefusedUnchanged()
    {
        QTemporaryDir dir;
        const QString path = newWorkspace(dir);
        const QString dbFile = path + u"/workspace.db"_s;
        setStoredSchemaVersion(dbFile, Database::latestSchemaVersion() + 3);
        const QByteArray before = sha256(readAll(dbFile));
        const QStringList filesBefore = listFiles(path);
        const QString message =
            expectError([&] { Workspace::open(path); },
                        {u"newer MLDesk"_s, QString::number(Database::latestSchemaVersion() + 3), u"unchanged"_s});
        QVERIFY2(!message.isEmpty(), "opening a db from a newer MLDesk must fail with a clear message");
        QCOMPARE(sha256(readAll(dbFile)), before);
        QCOMPARE(listFiles(path), filesBefore);
    }

    void corruptDatabaseIsRefusedUntouched()
    {
        QTemporaryDir dir;
        const QString path = newWorkspace(dir);
        const QString dbFile = path + u"/workspace.db"_s;
        QByteArray garbage(64 * 1024, Qt::Uninitialized);
        QRandomGenerator generator(42);
        generator.fillRange(reinterpret_cast<quint32 *>(garbage.data()), garbage.size() / 4);
        QVERIFY(writeAll(dbFile, garbage));
        QFile::remove(dbFile + u"-wal"_s);
        QFile::remove(dbFile + u"-shm"_s);
        QVERIFY(
            !expectError([&] { Workspace::open(path); }, {u"not a readable workspace database"_s, dbFile}).isEmpty());
        QCOMPARE(readAll(dbFile), garbage);
        QVERIFY(!QFileInfo::exists(dbFile + u"-wal"_s) || QFileInfo(dbFile + u"-wal"_s).size() == 0);
    }

    void foreignDatabaseIsRefused()
    {
        QTemporaryDir dir;
        const QString path = newWorkspace(dir);
        const QString dbFile = path + u"/workspace.db"_s;
        QVERIFY(QFile::remove(dbFile));
        QFile::remove(dbFile + u"-wal"_s);
        QFile::remove(dbFile + u"-shm"_s);
        {
            QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, u"foreign"_s);
            db.setDatabaseName(dbFile);
            QVERIFY(db.open());
            QSqlQuery q(db);
            QVERIFY(q.exec(u"CREATE TABLE photos (id INTEGER, caption TEXT)"_s));
            q.finish();
            db.close();
        }
        QSqlDatabase::removeDatabase(u"foreign"_s);
        const QByteArray before = readAll(dbFile);
        QVERIFY(!expectError([&] { Workspace::open(path); }, {u"not an MLDesk workspace database"_s}).isEmpty());
        QCOMPARE(readAll(dbFile), before);
    }

    void missingDatabase()
    {
        QTemporaryDir dir;
        const QString path = newWorkspace(dir);
        QVERIFY(QFile::remove(path + u"/workspace.db"_s));
        QVERIFY(!expectError([&] { Workspace::open(path); }, {u"missing"_s}).isEmpty());
        QVERIFY(!QFileInfo::exists(path + u"/workspace.db"_s)); // not silently recreated
    }
};

QTEST_GUILESS_MAIN(TestWorkspace)
#include "TestWorkspace.moc"
