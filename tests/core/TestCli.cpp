// TestCli: runs the real mldesk-cli ($MLDESK_CLI): help, version, workspace create/show (text and --json),
// workspace resolution (--workspace, MLDESK_WORKSPACE, discovery), experiments, and exit codes 0/1/2.
#include "CoreTestSupport.h"

#include "core/store/Database.h"
#include "core/workspace/Workspace.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace mldesk::core;
using namespace mldesk::test;

namespace {

struct Result {
    int exitCode = -1;
    QString out;
    QString err;
};

} // namespace

class TestCli final : public QObject {
    Q_OBJECT

    QString m_cli;

    Result run(const QStringList &arguments, const QString &workingDirectory = {},
               const QProcessEnvironment &environment = QProcessEnvironment::systemEnvironment())
    {
        QProcess process;
        process.setProgram(m_cli);
        process.setArguments(arguments);
        process.setProcessEnvironment(environment);
        if (!workingDirectory.isEmpty())
            process.setWorkingDirectory(workingDirectory);
        process.start();
        Result r;
        if (!process.waitForFinished(60000) || process.exitStatus() != QProcess::NormalExit)
            return r;
        r.exitCode = process.exitCode();
        r.out = QString::fromUtf8(process.readAllStandardOutput());
        r.err = QString::fromUtf8(process.readAllStandardError());
        return r;
    }

    static QProcessEnvironment cleanEnvironment()
    {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.remove(u"MLDESK_WORKSPACE"_s);
        return env;
    }

    static QJsonObject json(const Result &r) { return QJsonDocument::fromJson(r.out.toUtf8()).object(); }

private slots:
    void initTestCase()
    {
        m_cli = qEnvironmentVariable("MLDESK_CLI");
        QVERIFY2(QFileInfo(m_cli).isExecutable(), "MLDESK_CLI must name the mldesk-cli binary (set by CTest)");
        qunsetenv("MLDESK_WORKSPACE");
    }

    void helpAndVersion()
    {
        const Result help = run({u"--help"_s});
        QCOMPARE(help.exitCode, 0);
        for (const char *text : {"workspace create", "workspace show", "experiment create", "experiment list",
                                 "--workspace", "--json", "MLDESK_WORKSPACE"})
            QVERIFY2(help.out.contains(QLatin1StringView(text)), text);
        const Result commandHelp = run({u"workspace"_s, u"create"_s, u"--help"_s});
        QCOMPARE(commandHelp.exitCode, 0);
        QVERIFY(commandHelp.out.contains(u"--name NAME"_s));
        const Result version = run({u"--version"_s});
        QCOMPARE(version.exitCode, 0);
        QCOMPARE(version.out.trimmed(), u"mldesk-cli " MLDESK_VERSION ""_s);
    }

    void createAndShow()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"ws"_s);
        const Result created = run({u"workspace"_s, u"create"_s, path, u"--name"_s, u"team"_s});
        QCOMPARE(created.exitCode, 0);
        QCOMPARE(created.err, QString());
        QVERIFY(created.out.contains(u"team"_s));
        QVERIFY(QFileInfo(path + u"/config.json"_s).isFile());

        const Result shown = run({u"--workspace"_s, path, u"--json"_s, u"workspace"_s, u"show"_s});
        QCOMPARE(shown.exitCode, 0);
        const QJsonObject o = json(shown);
        QCOMPARE(o.value(u"name"_s).toString(), u"team"_s);
        QCOMPARE(o.value(u"path"_s).toString(), QDir::cleanPath(path));
        QCOMPARE(o.value(u"schema_version"_s).toInt(), Database::latestSchemaVersion());
        for (const char *key : {"experiments", "runs", "datasets", "environments", "compute_targets", "models"}) {
            QVERIFY2(o.value(QLatin1StringView(key)).isDouble(), key);
            QCOMPARE(o.value(QLatin1StringView(key)).toInt(), 0);
        }
        const Result text = run({u"workspace"_s, u"show"_s, u"--workspace"_s, path}); // options after the command
        QCOMPARE(text.exitCode, 0);
        QVERIFY(text.out.contains(u"Schema version:"_s));
        QVERIFY(text.out.contains(u"Compute targets:"_s));
    }

    void workspaceResolution()
    {
        QTemporaryDir dir;
        QVERIFY(Workspace::create(dir.filePath(u"one"_s), u"one"_s));
        QVERIFY(Workspace::create(dir.filePath(u"two"_s), u"two"_s));
        QVERIFY(QDir().mkpath(dir.filePath(u"one/src/deep"_s)));
        QProcessEnvironment env = cleanEnvironment();

        // Discovery from a subfolder.
        Result r = run({u"--json"_s, u"workspace"_s, u"show"_s}, dir.filePath(u"one/src/deep"_s), env);
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(json(r).value(u"name"_s).toString(), u"one"_s);
        // MLDESK_WORKSPACE beats discovery.
        env.insert(u"MLDESK_WORKSPACE"_s, dir.filePath(u"two"_s));
        r = run({u"--json"_s, u"workspace"_s, u"show"_s}, dir.filePath(u"one/src/deep"_s), env);
        QCOMPARE(json(r).value(u"name"_s).toString(), u"two"_s);
        // --workspace beats both.
        r = run({u"--json"_s, u"--workspace"_s, dir.filePath(u"one"_s), u"workspace"_s, u"show"_s},
                dir.filePath(u"two"_s), env);
        QCOMPARE(json(r).value(u"name"_s).toString(), u"one"_s);
    }

    void experiments()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"ws"_s);
        QVERIFY(Workspace::create(path, u"ws"_s));
        const QStringList ws{u"--workspace"_s, path};
        QCOMPARE(run(ws + QStringList{u"experiment"_s, u"create"_s, u"keras-mnist"_s, u"--description"_s, u"seed"_s})
                     .exitCode,
                 0);
        QCOMPARE(run(ws + QStringList{u"experiment"_s, u"create"_s, u"b.2"_s}).exitCode, 0);
        const Result list = run(ws + QStringList{u"--json"_s, u"experiment"_s, u"list"_s});
        QCOMPARE(list.exitCode, 0);
        const QJsonArray rows = QJsonDocument::fromJson(list.out.toUtf8()).array();
        QCOMPARE(rows.size(), 2);
        QCOMPARE(rows[0].toObject().value(u"name"_s).toString(), u"b.2"_s);
        QCOMPARE(rows[1].toObject().value(u"name"_s).toString(), u"keras-mnist"_s);
        QCOMPARE(rows[1].toObject().value(u"description"_s).toString(), u"seed"_s);
        const Result table = run(ws + QStringList{u"experiment"_s, u"list"_s});
        QVERIFY(table.out.startsWith(u"NAME"_s));
        QVERIFY(table.out.contains(u"keras-mnist"_s));
        QCOMPARE(Workspace::open(path)->counts().experiments, 2);
    }

    void userErrors_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QString>("expected");
        QTest::newRow("no command") << QStringList{} << u"no command"_s;
        QTest::newRow("unknown group") << QStringList{u"frobnicate"_s} << u"unknown command group 'frobnicate'"_s;
        QTest::newRow("unknown verb") << QStringList{u"workspace"_s, u"delete"_s} << u"unknown command"_s;
        QTest::newRow("group only") << QStringList{u"workspace"_s} << u"needs a command"_s;
        QTest::newRow("missing --name") << QStringList{u"workspace"_s, u"create"_s, u"@DIR@/x"_s} << u"--name"_s;
        QTest::newRow("unknown option") << QStringList{u"workspace"_s, u"show"_s, u"--colour"_s} << u"colour"_s;
        QTest::newRow("extra argument") << QStringList{u"workspace"_s, u"show"_s, u"extra"_s} << u"usage"_s;
        QTest::newRow("create on a file")
            << QStringList{u"workspace"_s, u"create"_s, u"@DIR@/file"_s, u"--name"_s, u"x"_s} << u"is a file"_s;
        QTest::newRow("create twice") << QStringList{u"workspace"_s, u"create"_s, u"@DIR@/ws"_s, u"--name"_s, u"x"_s}
                                      << u"already holds"_s;
        QTest::newRow("no workspace") << QStringList{u"workspace"_s, u"show"_s} << u"no workspace"_s;
        QTest::newRow("workspace missing")
            << QStringList{u"--workspace"_s, u"@DIR@/none"_s, u"workspace"_s, u"show"_s} << u"does not exist"_s;
        QTest::newRow("config not json") << QStringList{u"--workspace"_s, u"@DIR@/badconfig"_s, u"workspace"_s,
                                                        u"show"_s}
                                         << u"not valid JSON"_s;
        QTest::newRow("duplicate experiment")
            << QStringList{u"--workspace"_s, u"@DIR@/ws"_s, u"experiment"_s, u"create"_s, u"taken"_s}
            << u"already exists"_s;
        QTest::newRow("bad experiment name")
            << QStringList{u"--workspace"_s, u"@DIR@/ws"_s, u"experiment"_s, u"create"_s, u"no spaces"_s}
            << u"not a valid experiment name"_s;
    }

    void userErrors()
    {
        QFETCH(QStringList, arguments);
        QFETCH(QString, expected);
        QTemporaryDir dir;
        QVERIFY(writeAll(dir.filePath(u"file"_s), "x"));
        QVERIFY(Workspace::create(dir.filePath(u"ws"_s), u"ws"_s));
        QVERIFY(Workspace::create(dir.filePath(u"badconfig"_s), u"bad"_s));
        QVERIFY(writeAll(dir.filePath(u"badconfig/config.json"_s), "{ nope"));
        QCOMPARE(run({u"--workspace"_s, dir.filePath(u"ws"_s), u"experiment"_s, u"create"_s, u"taken"_s}).exitCode, 0);
        arguments.replaceInStrings(u"@DIR@"_s, dir.path());

        const Result r = run(arguments, dir.path(), cleanEnvironment());
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(expected), qPrintable(r.err));
        QCOMPARE(r.err.count(u'\n'), 1); // one line
        QVERIFY(r.err.startsWith(u"mldesk-cli: error: "_s));
    }

    void internalErrorExitsTwo()
    {
        // A store whose schema claims to be current but lacks a table is damage, not user input: exit 2.
        QTemporaryDir dir;
        const QString path = dir.filePath(u"ws"_s);
        QVERIFY(Workspace::create(path, u"ws"_s));
        {
            QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, u"raw"_s);
            db.setDatabaseName(path + u"/workspace.db"_s);
            QVERIFY(db.open());
            QSqlQuery q(db);
            QVERIFY(q.exec(u"DROP TABLE model_version_datasets"_s));
            QVERIFY(q.exec(u"DROP TABLE model_versions"_s));
            QVERIFY(q.exec(u"DROP TABLE models"_s));
            q.finish();
            db.close();
        }
        QSqlDatabase::removeDatabase(u"raw"_s);
        const Result r = run({u"--workspace"_s, path, u"workspace"_s, u"show"_s});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(u"internal error"_s), qPrintable(r.err));
        QCOMPARE(r.err.count(u'\n'), 1);
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "TestCli.moc"
