// TestDeleteCli (issue 17): the real mldesk-cli deleting - it lists what goes and asks once (no answer or "n"
// changes nothing), --yes skips the question, a refusal exits 1 naming what needs the thing, and workspace gc
// [--dry-run] shows what it frees.
#include "ModelTestSupport.h"

#include "core/datasets/DatasetRegistry.h"
#include "core/models/ModelRegistry.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTest>

using namespace Qt::StringLiterals;

namespace {

struct Result {
    int exitCode = -1;
    QString out;
    QString err;
};

} // namespace

class TestDeleteCli final : public QObject {
    Q_OBJECT

    QString m_cli;

    Result cli(const QString &workspace, const QStringList &arguments, const QByteArray &input = {})
    {
        QProcess process;
        process.setProgram(m_cli);
        process.setArguments(QStringList{u"--workspace"_s, workspace} + arguments);
        process.start();
        process.write(input);
        process.closeWriteChannel();
        Result r;
        if (!process.waitForFinished(60000) || process.exitStatus() != QProcess::NormalExit)
            return r;
        r.exitCode = process.exitCode();
        r.out = QString::fromUtf8(process.readAllStandardOutput());
        r.err = QString::fromUtf8(process.readAllStandardError());
        return r;
    }

    static qint64 dataset(mldesk::test::TestWorkspace &ws, const QByteArray &content)
    {
        const QString hash = ws.blobs().putBytes(content);
        return mldesk::core::DatasetRegistry(ws.db())
            .commit(u"d"_s, {}, {}, {{u"f.idx"_s, content.size(), hash, u"/x/f.idx"_s}}, true)
            .version.id;
    }

    static int datasetVersions(mldesk::test::TestWorkspace &ws)
    {
        return ws.db().scalar(u"SELECT COUNT(*) FROM dataset_versions"_s).toInt();
    }

private slots:
    void initTestCase()
    {
        m_cli = qEnvironmentVariable("MLDESK_CLI");
        QVERIFY2(QFileInfo(m_cli).isExecutable(), "MLDESK_CLI must name the mldesk-cli binary (set by CTest)");
    }

    void asksOnce()
    {
        mldesk::test::TestWorkspace ws;
        dataset(ws, "version one");
        const QString path = ws.ws->path();

        const Result no = cli(path, {u"dataset"_s, u"delete"_s, u"d:1"_s}, "n\n");
        QCOMPARE(no.exitCode, 1);
        QVERIFY2(no.err.contains(u"This deletes:\n  - dataset version d:1 (1 file(s)"_s), qPrintable(no.err));
        QVERIFY2(no.err.contains(u"Delete dataset d:1? [y/N]"_s), qPrintable(no.err));
        QVERIFY2(no.err.contains(u"nothing deleted"_s), qPrintable(no.err));
        QCOMPARE(datasetVersions(ws), 1);
        QCOMPARE(cli(path, {u"dataset"_s, u"delete"_s, u"d:1"_s}).exitCode, 1); // no answer at all: no
        QCOMPARE(datasetVersions(ws), 1);

        const Result yes = cli(path, {u"dataset"_s, u"delete"_s, u"d:1"_s}, "y\n");
        QCOMPARE(yes.exitCode, 0);
        QVERIFY2(yes.out.contains(u"Deleted dataset d:1:"_s), qPrintable(yes.out));
        QVERIFY2(yes.out.contains(u"workspace gc frees the 1 stored file(s)"_s), qPrintable(yes.out));
        QCOMPARE(datasetVersions(ws), 0);
    }

    void refusedSaysWhich()
    {
        mldesk::test::TestWorkspace ws;
        const qint64 d1 = dataset(ws, "inputs");
        mldesk::test::TestWorkspace::Run r = ws.kerasRun(u"run-1"_s);
        r.datasetVersions = {d1};
        ws.run(r);
        mldesk::core::ModelRegistration m;
        m.name = u"m"_s;
        m.runUid = u"run-1"_s;
        m.runPath = u"outputs/model"_s;
        mldesk::core::ModelRegistry(ws.db(), ws.blobs()).registerFromRun(m);
        const QString path = ws.ws->path();

        const Result dataset = cli(path, {u"dataset"_s, u"delete"_s, u"d:1"_s, u"--yes"_s});
        QCOMPARE(dataset.exitCode, 1);
        QVERIFY2(dataset.err.contains(u"run run-1 used it as an input"_s), qPrintable(dataset.err));
        QVERIFY2(dataset.err.contains(u"model m:1 names it in its lineage"_s), qPrintable(dataset.err));
        const Result run = cli(path, {u"run"_s, u"delete"_s, u"run-1"_s, u"--yes"_s});
        QCOMPARE(run.exitCode, 1);
        QVERIFY2(run.err.contains(u"model m:1 was registered from it"_s), qPrintable(run.err));
        const Result curated = cli(path, {u"environment"_s, u"delete"_s, u"MLDesk-Native:1"_s, u"--yes"_s});
        QCOMPARE(curated.exitCode, 1);
        QVERIFY2(curated.err.contains(u"curated"_s), qPrintable(curated.err));

        // In order, each goes: the model, the run, the dataset version.
        const Result notArchived = cli(path, {u"model"_s, u"delete"_s, u"m:1"_s, u"--yes"_s});
        QCOMPARE(notArchived.exitCode, 1);
        QVERIFY2(notArchived.err.contains(u"archive it first"_s), qPrintable(notArchived.err));
        QCOMPARE(cli(path, {u"model"_s, u"archive"_s, u"m:1"_s}).exitCode, 0);
        QCOMPARE(cli(path, {u"model"_s, u"delete"_s, u"m:1"_s, u"--yes"_s}).exitCode, 0);
        QCOMPARE(cli(path, {u"run"_s, u"delete"_s, u"run-1"_s, u"--yes"_s}).exitCode, 0);
        QCOMPARE(cli(path, {u"dataset"_s, u"delete"_s, u"d:1"_s, u"--yes"_s}).exitCode, 0);
        QCOMPARE(ws.db().scalar(u"SELECT COUNT(*) FROM runs"_s).toInt(), 0);
    }

    void gcShowsWhatIsFreed()
    {
        mldesk::test::TestWorkspace ws;
        dataset(ws, "kept");
        const QString stray = ws.blobs().putBytes("0123456789");
        const QString path = ws.ws->path();

        const Result young = cli(path, {u"workspace"_s, u"gc"_s});
        QCOMPARE(young.exitCode, 0);
        QVERIFY2(young.out.contains(u"Freed 0 B"_s) && young.out.contains(u"1 younger than 3600 s"_s),
                 qPrintable(young.out));
        const Result dry = cli(path, {u"workspace"_s, u"gc"_s, u"--dry-run"_s, u"--grace"_s, u"0"_s});
        QCOMPARE(dry.exitCode, 0);
        QVERIFY2(dry.out.contains(u"would remove"_s) && dry.out.contains(stray.mid(2)), qPrintable(dry.out));
        QVERIFY(ws.blobs().exists(stray));
        const Result done = cli(path, {u"--json"_s, u"workspace"_s, u"gc"_s, u"--grace"_s, u"0"_s});
        QCOMPARE(done.exitCode, 0);
        const QJsonObject o = QJsonDocument::fromJson(done.out.toUtf8()).object();
        QCOMPARE(o.value(u"blobs"_s).toInt(), 1);
        QCOMPARE(o.value(u"freed_bytes"_s).toInt(), 10);
        QCOMPARE(o.value(u"referenced"_s).toInt(), 1);
        QVERIFY(!ws.blobs().exists(stray));
        const Result bad = cli(path, {u"workspace"_s, u"gc"_s, u"--grace"_s, u"soon"_s});
        QCOMPARE(bad.exitCode, 1);
        QVERIFY2(bad.err.contains(u"--grace takes a number of seconds"_s), qPrintable(bad.err));
    }
};

QTEST_GUILESS_MAIN(TestDeleteCli)
#include "TestDeleteCli.moc"
