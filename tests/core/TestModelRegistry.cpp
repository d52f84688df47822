// Tests of the model registry (issue 6): versions from local files and from run outputs, refusals with reasons,
// framework detection, properties from run metrics, lineage both ways, tags, archive/restore/delete, and the
// mldesk-cli model commands end to end on a real workspace.
#include "ModelTestSupport.h"
#include "core/models/ModelLineage.h"
#include "core/models/ModelRegistry.h"
#include "core/workspace/WorkspaceError.h"

#include <QProcess>
#include <QtTest>

using namespace mldesk::core;
using namespace mldesk::test;
using namespace Qt::StringLiterals;

namespace {

QString hex(const QByteArray &bytes)
{
    return QString::fromLatin1(sha256(bytes).toHex());
}

// The message of the WorkspaceError that f throws; fails the test when it throws nothing.
template <typename F> QString errorOf(F &&f)
{
    try {
        f();
    } catch (const WorkspaceError &e) {
        return e.message();
    }
    return u"<no error>"_s;
}

} // namespace

class TestModelRegistry final : public QObject {
    Q_OBJECT
private slots:
    void registerFilesTwiceMakesVersionsOneAndTwo()
    {
        TestWorkspace t;
        ModelRegistry registry(t.db(), t.blobs());
        const QString folder = writeModelFolder(t.dir.filePath(u"model"_s));
        ModelRegistration r;
        r.name = u"keras-mnist"_s;
        r.files = {folder};
        r.tags = {{u"stage"_s, u"dev"_s}};
        r.properties = {{u"accuracy"_s, u"0.9"_s}};
        const ModelVersion v1 = registry.registerFiles(r);
        QCOMPARE(v1.qualifiedName(), u"keras-mnist:1"_s);
        QCOMPARE(v1.framework, u"Keras"_s);
        QCOMPARE(v1.files.size(), 2);
        QCOMPARE(v1.files[0].path, u"model.h5"_s);
        QCOMPARE(v1.files[1].path, u"model.json"_s);
        QCOMPARE(v1.files[1].hash, hex(kerasModelJson()));
        QCOMPARE(v1.files[0].size, qint64(4096));
        QVERIFY(t.blobs().verify(v1.files[0].hash));
        QCOMPARE(v1.tags.value(u"stage"_s), u"dev"_s);
        QCOMPARE(v1.properties.value(u"accuracy"_s), u"0.9"_s);
        QCOMPARE(v1.runUid, QString());

        const ModelVersion v2 = registry.registerFiles(r);
        QCOMPARE(v2.qualifiedName(), u"keras-mnist:2"_s);
        QCOMPARE(v2.manifestHash, v1.manifestHash); // same content, still a new version: registrations are explicit
        QCOMPARE(registry.versions(u"keras-mnist"_s).size(), 2);
        QCOMPARE(registry.resolve(u"keras-mnist"_s).version, 2);
        QCOMPARE(registry.resolve(u"keras-mnist:1"_s).id, v1.id);
        QVERIFY(errorOf([&] { registry.resolve(u"keras-mnist:7"_s); }).contains(u"versions are 1, 2"_s));
        QVERIFY(errorOf([&] { registry.resolve(u"nope"_s); }).contains(u"models are: keras-mnist"_s));
        QVERIFY(errorOf([&] { registry.resolve(u"keras-mnist:x"_s); }).contains(u"not a version number"_s));
    }

    void customFrameworkAndSingleFiles()
    {
        TestWorkspace t;
        ModelRegistry registry(t.db(), t.blobs());
        const QString a = t.dir.filePath(u"weights.bin"_s);
        const QString b = t.dir.filePath(u"model.json"_s);
        writeAll(a, "abc");
        writeAll(b, "{\"not\": \"keras\"}");
        ModelRegistration r;
        r.name = u"custom"_s;
        r.files = {a, b};
        const ModelVersion v = registry.registerFiles(r);
        QCOMPARE(v.framework, u"Custom"_s);
        QCOMPARE(v.files.size(), 2);
    }

    void registerFilesRefusesBadInput()
    {
        TestWorkspace t;
        ModelRegistry registry(t.db(), t.blobs());
        ModelRegistration r;
        r.name = u"../bad"_s;
        r.files = {writeModelFolder(t.dir.filePath(u"m"_s))};
        QVERIFY(errorOf([&] { registry.registerFiles(r); }).contains(u"not a valid model name"_s));
        r.name = u"ok"_s;
        r.files = {t.dir.filePath(u"missing"_s)};
        QVERIFY(errorOf([&] { registry.registerFiles(r); }).contains(u"neither a file nor a folder"_s));
        QDir().mkpath(t.dir.filePath(u"empty"_s));
        r.files = {t.dir.filePath(u"empty"_s)};
        QVERIFY(errorOf([&] { registry.registerFiles(r); }).contains(u"holds no files"_s));
        // Two folders that both provide model.json.
        r.files = {writeModelFolder(t.dir.filePath(u"x"_s)), writeModelFolder(t.dir.filePath(u"y"_s))};
        QVERIFY(errorOf([&] { registry.registerFiles(r); }).contains(u"provide 'model.h5'"_s));
        r.files = {writeModelFolder(t.dir.filePath(u"z"_s))};
        r.tags = {{u"a=b"_s, u"c"_s}};
        QVERIFY(errorOf([&] { registry.registerFiles(r); }).contains(u"not a valid tag key"_s));
        QCOMPARE(t.db().scalar(u"SELECT COUNT(*) FROM model_versions"_s).toInt(), 0);
        QCOMPARE(listFiles(t.blobs().root() + u"/sha256"_s), QStringList()); // refused before storing anything
    }

    void registerFromCompletedRun()
    {
        TestWorkspace t;
        t.run(t.kerasRun(u"run-1"_s));
        ModelRegistry registry(t.db(), t.blobs());
        ModelRegistration r;
        r.name = u"keras-mnist"_s;
        r.runUid = u"run-1"_s;
        r.runPath = u"outputs/model/"_s;
        r.properties = {{u"loss"_s, u"0.25"_s}}; // set by hand: the run's final Loss is not copied over it
        const ModelVersion v = registry.registerFromRun(r);
        QCOMPARE(v.qualifiedName(), u"keras-mnist:1"_s);
        QCOMPARE(v.framework, u"Keras"_s);
        QCOMPARE(v.runUid, u"run-1"_s);
        QCOMPARE(v.source, u"outputs/model"_s);
        QCOMPARE(v.files.size(), 2);
        QCOMPARE(v.files[1].path, u"model.json"_s);
        QCOMPARE(v.files[1].hash, hex(kerasModelJson()));
        QCOMPARE(v.properties.value(u"Accuracy"_s), u"0.8812"_s);
        QCOMPARE(v.properties.value(u"loss"_s), u"0.25"_s);
        QVERIFY(!v.properties.contains(u"Loss"_s));

        // A single file of the outputs is registered under its own name.
        r.runPath = u"outputs/model/model.h5"_s;
        const ModelVersion single = registry.registerFromRun(r);
        QCOMPARE(single.version, 2);
        QCOMPARE(single.files.size(), 1);
        QCOMPARE(single.files[0].path, u"model.h5"_s);
        QCOMPARE(single.framework, u"Custom"_s);
    }

    void refusesRunsNotCompleted_data()
    {
        QTest::addColumn<QString>("state");
        QTest::addColumn<QString>("reason");
        QTest::addColumn<QString>("expected");
        QTest::newRow("failed") << u"Failed"_s << u"exit code 3: ValueError: boom"_s << u"failed (exit code 3"_s;
        QTest::newRow("running") << u"Running"_s << QString() << u"is still Running; wait"_s;
        QTest::newRow("queued") << u"Queued"_s << QString() << u"is still Queued"_s;
        QTest::newRow("canceled") << u"Canceled"_s << u"canceled by the user"_s << u"was canceled"_s;
    }

    void refusesRunsNotCompleted()
    {
        QFETCH(QString, state);
        QFETCH(QString, reason);
        QFETCH(QString, expected);
        TestWorkspace t;
        TestWorkspace::Run run = t.kerasRun(u"run-x"_s);
        run.state = state;
        run.failureReason = reason;
        t.run(run);
        ModelRegistry registry(t.db(), t.blobs());
        ModelRegistration r{u"m"_s, {}, {}, {}, {}, u"run-x"_s, u"outputs/model"_s};
        const QString message = errorOf([&] { registry.registerFromRun(r); });
        QVERIFY2(message.contains(expected), qPrintable(message));
        QVERIFY2(message.contains(u"run-x"_s), qPrintable(message));
        if (!reason.isEmpty())
            QVERIFY2(message.contains(reason), qPrintable(message));
        QCOMPARE(t.db().scalar(u"SELECT COUNT(*) FROM model_versions"_s).toInt(), 0);
    }

    void refusesPathNotInOutputsListingWhatIsThere()
    {
        TestWorkspace t;
        t.run(t.kerasRun(u"run-1"_s));
        ModelRegistry registry(t.db(), t.blobs());
        ModelRegistration r{u"m"_s, {}, {}, {}, {}, u"run-1"_s, u"outputs/mode"_s}; // a prefix, not a folder
        const QString message = errorOf([&] { registry.registerFromRun(r); });
        QVERIFY2(message.contains(u"'outputs/mode' is not in the captured outputs of run 'run-1'"_s),
                 qPrintable(message));
        QVERIFY2(message.contains(u"outputs/model/model.json"_s) && message.contains(u"outputs/notes.txt"_s),
                 qPrintable(message));
        r.runUid = u"run-404"_s;
        QVERIFY(errorOf([&] { registry.registerFromRun(r); }).contains(u"there is no run 'run-404'"_s));
    }

    void lineageBothWays()
    {
        TestWorkspace t;
        const qint64 fashion1 = t.datasetVersion(u"fashion-mnist"_s, 1);
        t.datasetVersion(u"fashion-mnist"_s, 2);
        TestWorkspace::Run run = t.kerasRun(u"run-1"_s);
        run.datasetVersions = {fashion1};
        run.environmentVersion = t.environmentVersion(u"MLDesk-Native"_s, 1);
        run.computeTarget = t.computeTarget(u"local"_s);
        t.run(run);
        t.run(t.kerasRun(u"run-2"_s, 2)); // no inputs
        ModelRegistry registry(t.db(), t.blobs());
        const ModelVersion v1 =
            registry.registerFromRun({u"keras-mnist"_s, {}, {}, {}, {}, u"run-1"_s, u"outputs/model"_s});
        const ModelVersion v2 =
            registry.registerFromRun({u"keras-mnist"_s, {}, {}, {}, {}, u"run-1"_s, u"outputs/model/model.h5"_s});
        registry.registerFromRun({u"other"_s, {}, {}, {}, {}, u"run-2"_s, u"outputs/model"_s});

        ModelLineage lineage(t.db());
        const ModelLineageInfo info = lineage.of(v1);
        QCOMPARE(info.runUid, u"run-1"_s);
        QCOMPARE(info.runState, u"Completed"_s);
        QCOMPARE(info.experiment, u"keras-mnist"_s);
        QCOMPARE(info.environment, u"MLDesk-Native:1"_s);
        QCOMPARE(info.computeTarget, u"local"_s);
        QCOMPARE(info.datasets, QStringList{u"fashion-mnist:1"_s});
        QCOMPARE(info.metrics.value(u"Accuracy"_s), 0.8812);
        QCOMPARE(info.metrics.value(u"Loss"_s), 0.31);

        QCOMPARE(lineage.modelsFromRun(u"run-1"_s), (QStringList{v1.qualifiedName(), v2.qualifiedName()}));
        QCOMPARE(lineage.modelsFromRun(u"run-2"_s), QStringList{u"other:1"_s});
        QCOMPARE(lineage.runsConsumingDataset(u"fashion-mnist"_s, 1), QStringList{u"run-1"_s});
        QCOMPARE(lineage.runsConsumingDataset(u"fashion-mnist"_s, 2), QStringList());
        QCOMPARE(lineage.modelsFromDataset(u"fashion-mnist"_s, 1),
                 (QStringList{u"keras-mnist:1"_s, u"keras-mnist:2"_s}));
        QVERIFY(errorOf([&] {
                    lineage.runsConsumingDataset(u"fashion-mnist"_s, 9);
                }).contains(u"no dataset version fashion-mnist:9"_s));
        QVERIFY(errorOf([&] { lineage.modelsFromRun(u"nope"_s); }).contains(u"no run 'nope'"_s));

        const ModelLineageInfo local = lineage.of(ModelVersion{});
        QVERIFY(local.runUid.isEmpty());
    }

    void tagsAddAndRemove()
    {
        TestWorkspace t;
        ModelRegistry registry(t.db(), t.blobs());
        const ModelVersion v = registry.registerFiles(
            {u"m"_s, {}, {{u"a"_s, u"1"_s}}, {}, {writeModelFolder(t.dir.filePath(u"f"_s))}, {}, {}});
        registry.setTags(v, {{u"stage"_s, u"prod"_s}, {u"a"_s, u"2"_s}}, {});
        ModelVersion after = registry.resolve(u"m:1"_s);
        QCOMPARE(after.tags, (QMap<QString, QString>{{u"a"_s, u"2"_s}, {u"stage"_s, u"prod"_s}}));
        registry.setTags(v, {}, {u"a"_s});
        QCOMPARE(registry.resolve(u"m:1"_s).tags, (QMap<QString, QString>{{u"stage"_s, u"prod"_s}}));
        QVERIFY(errorOf([&] { registry.setTags(v, {}, {u"zzz"_s}); }).contains(u"its tags are: stage"_s));
        QVERIFY(errorOf([&] { registry.resolve(u"m"_s, true); }).contains(u"name the version"_s));
    }

    void archiveHidesFromDefaultListsAndRestoreBringsBack()
    {
        TestWorkspace t;
        ModelRegistry registry(t.db(), t.blobs());
        const ModelRegistration r{u"m"_s, {}, {}, {}, {writeModelFolder(t.dir.filePath(u"f"_s))}, {}, {}};
        const ModelVersion v1 = registry.registerFiles(r);
        const ModelVersion v2 = registry.registerFiles(r);
        registry.registerFiles({u"n"_s, {}, {}, {}, {writeModelFolder(t.dir.filePath(u"g"_s))}, {}, {}});

        registry.setArchived(v2, true);
        QList<ModelSummary> list = registry.list();
        QCOMPARE(list.size(), 2);
        QCOMPARE(list[0].name, u"m"_s);
        QCOMPARE(list[0].latest.version, 1);
        QCOMPARE(list[0].versionCount, 1);
        QCOMPARE(list[0].archivedCount, 1);
        QCOMPARE(registry.resolve(u"m"_s).version, 1);       // latest skips archived
        QCOMPARE(registry.resolve(u"m:2"_s).archived, true); // named explicitly: still there
        QCOMPARE(registry.versions(u"m"_s, false).size(), 1);

        registry.setArchived(v1, true);
        list = registry.list();
        QCOMPARE(list.size(), 1);
        QCOMPARE(list[0].name, u"n"_s);
        const QList<ModelSummary> all = registry.list({}, true);
        QCOMPARE(all.size(), 2);
        QCOMPARE(all[0].latest.version, 2);
        QCOMPARE(all[0].versionCount, 2);
        QVERIFY(errorOf([&] { registry.resolve(u"m"_s); }).contains(u"every version of model 'm' is archived"_s));

        registry.setArchived(v2, false);
        QCOMPARE(registry.resolve(u"m"_s).version, 2);
        QCOMPARE(registry.list().first().latest.version, 2);
    }

    void listFiltersByTagAndProperty()
    {
        TestWorkspace t;
        ModelRegistry registry(t.db(), t.blobs());
        const QString f = writeModelFolder(t.dir.filePath(u"f"_s));
        registry.registerFiles(
            {u"mnist-a"_s, {}, {{u"stage"_s, u"prod"_s}}, {{u"accuracy"_s, u"0.91"_s}}, {f}, {}, {}});
        registry.registerFiles({u"mnist-a"_s, {}, {}, {{u"accuracy"_s, u"0.85"_s}}, {f}, {}, {}});
        registry.registerFiles({u"other"_s, {}, {}, {{u"accuracy"_s, u"0.95"_s}}, {f}, {}, {}});
        QList<ModelSummary> list = registry.list(ModelFilter::parse(u"accuracy>0.88"_s));
        QCOMPARE(list.size(), 2);
        QCOMPARE(list[0].latest.qualifiedName(), u"mnist-a:1"_s); // the newest version that matches
        QCOMPARE(list[1].latest.qualifiedName(), u"other:1"_s);
        list = registry.list(ModelFilter::parse(u"name~MNIST and tag:stage=prod"_s));
        QCOMPARE(list.size(), 1);
        QCOMPARE(list[0].latest.version, 1);
        QCOMPARE(registry.list(ModelFilter::parse(u"accuracy>0.99"_s)).size(), 0);
    }

    void deleteNeedsArchiveAndNeverReusesNumbers()
    {
        TestWorkspace t;
        ModelRegistry registry(t.db(), t.blobs());
        const ModelRegistration r{u"m"_s, {}, {{u"k"_s, u"v"_s}}, {}, {writeModelFolder(t.dir.filePath(u"f"_s))},
                                  {},     {}};
        registry.registerFiles(r);
        const ModelVersion v2 = registry.registerFiles(r);
        QVERIFY(errorOf([&] { registry.remove(v2); }).contains(u"archive it first"_s));
        registry.setArchived(v2, true);
        registry.remove(v2);
        QVERIFY(errorOf([&] { registry.resolve(u"m:2"_s); }).contains(u"versions are 1"_s));
        QCOMPARE(
            t.db()
                .scalar(u"SELECT COUNT(*) FROM tags WHERE entity_id = ? AND entity_kind = 'model_version'"_s, {v2.id})
                .toInt(),
            0);
        QVERIFY(t.blobs().exists(v2.files[0].hash)); // blobs stay: version 1 shares them
        QCOMPARE(registry.registerFiles(r).version, 3);
    }

    // The CLI on a real workspace: register from files and from a run, list/filter, show, tag, archive, download.
    void cli()
    {
        const QString cliPath = qEnvironmentVariable("MLDESK_CLI");
        if (cliPath.isEmpty())
            QSKIP("MLDESK_CLI is not set (run through ctest)");
        TestWorkspace t;
        t.run(t.kerasRun(u"run-1"_s));
        const QString wsPath = t.ws->path();
        t.ws.reset(); // the CLI opens the workspace itself
        auto cli = [&](const QStringList &args, QByteArray *out = nullptr, QByteArray *err = nullptr) {
            QProcess p;
            p.start(cliPath, QStringList{u"--workspace"_s, wsPath} + args);
            if (!p.waitForFinished(60000))
                return -1;
            if (out)
                *out = p.readAllStandardOutput();
            if (err)
                *err = p.readAllStandardError();
            return p.exitCode();
        };
        QByteArray out, err;
        QCOMPARE(cli({u"model"_s, u"register"_s, u"keras-mnist"_s, u"--run"_s, u"run-1"_s, u"--path"_s,
                      u"outputs/model"_s, u"--tag"_s, u"stage=dev"_s},
                     &out, &err),
                 0);
        QCOMPARE(out.trimmed(), QByteArray("keras-mnist:1"));
        QVERIFY2(err.contains("from run run-1"), err.constData());
        QCOMPARE(cli({u"model"_s, u"register"_s, u"keras-mnist"_s, u"--files"_s,
                      writeModelFolder(t.dir.filePath(u"local"_s), 100, 3)},
                     &out),
                 0);
        QCOMPARE(out.trimmed(), QByteArray("keras-mnist:2"));
        QCOMPARE(cli({u"model"_s, u"register"_s, u"x"_s, u"--run"_s, u"run-1"_s, u"--path"_s, u"outputs/nope"_s}, &out,
                     &err),
                 1);
        QVERIFY2(err.contains("outputs/model/model.h5"), err.constData());

        QCOMPARE(cli({u"--json"_s, u"model"_s, u"list"_s, u"--filter"_s, u"accuracy>0.88"_s}, &out), 0);
        QJsonArray rows = QJsonDocument::fromJson(out).array();
        QCOMPARE(rows.size(), 1);
        QCOMPARE(rows[0].toObject().value(u"latest"_s).toString(), u"keras-mnist:1"_s); // v2 has no accuracy
        QCOMPARE(cli({u"model"_s, u"list"_s, u"--filter"_s, u"accuracy >"_s}, &out, &err), 1);
        QVERIFY2(err.contains("column 11") && err.contains("expected a value"), err.constData());
        QCOMPARE(cli({u"model"_s, u"list"_s, u"--help"_s}, &out), 0);
        QVERIFY(out.contains("accuracy>0.88") && out.contains("tag:KEY"));

        QCOMPARE(cli({u"model"_s, u"tag"_s, u"keras-mnist:1"_s, u"stage=prod"_s, u"owner=me"_s}, &out), 0);
        QCOMPARE(cli({u"--json"_s, u"model"_s, u"list"_s, u"--tag"_s, u"stage=prod"_s}, &out), 0);
        QCOMPARE(QJsonDocument::fromJson(out).array().size(), 1);
        QCOMPARE(cli({u"model"_s, u"tag"_s, u"keras-mnist:1"_s, u"--remove"_s, u"owner"_s}, &out), 0);

        QCOMPARE(cli({u"--json"_s, u"model"_s, u"show"_s, u"keras-mnist:1"_s}, &out), 0);
        const QJsonObject shown = QJsonDocument::fromJson(out).object();
        QCOMPARE(shown.value(u"run"_s).toString(), u"run-1"_s);
        QCOMPARE(shown.value(u"experiment"_s).toString(), u"keras-mnist"_s);
        QCOMPARE(shown.value(u"files"_s).toArray().size(), 2);
        QCOMPARE(shown.value(u"tags"_s).toObject().value(u"stage"_s).toString(), u"prod"_s);
        QVERIFY(!shown.value(u"tags"_s).toObject().contains(u"owner"_s));
        QCOMPARE(shown.value(u"metrics"_s).toObject().value(u"Accuracy"_s).toDouble(), 0.8812);

        QCOMPARE(cli({u"model"_s, u"archive"_s, u"keras-mnist:2"_s}, &out), 0);
        QCOMPARE(cli({u"--json"_s, u"model"_s, u"list"_s}, &out), 0);
        QCOMPARE(QJsonDocument::fromJson(out).array()[0].toObject().value(u"latest"_s).toString(), u"keras-mnist:1"_s);
        QCOMPARE(cli({u"model"_s, u"restore"_s, u"keras-mnist:2"_s}, &out), 0);

        const QString to = t.dir.filePath(u"download"_s);
        QCOMPARE(cli({u"model"_s, u"download"_s, u"keras-mnist:1"_s, u"--to"_s, to}, &out, &err), 0);
        QVERIFY2(err.contains("100%"), err.constData()); // the progress bar reached the end
        QCOMPARE(readAll(to + u"/model.json"_s), kerasModelJson());
        QCOMPARE(readAll(to + u"/model.h5"_s), fakeWeights(5000, 1));
        QCOMPARE(cli({u"model"_s, u"download"_s, u"keras-mnist:1"_s, u"--to"_s, to}, &out, &err), 1);
        QVERIFY2(err.contains("--overwrite"), err.constData());
        QCOMPARE(cli({u"model"_s, u"download"_s, u"keras-mnist:1"_s, u"--to"_s, to, u"--overwrite"_s}, &out), 0);

        QCOMPARE(cli({u"--json"_s, u"model"_s, u"lineage"_s, u"--run"_s, u"run-1"_s}, &out), 0);
        QCOMPARE(QJsonDocument::fromJson(out).object().value(u"models"_s).toArray().size(), 1);
    }
};

QTEST_GUILESS_MAIN(TestModelRegistry)
#include "TestModelRegistry.moc"
