// TestWorkspaceDeleter (issue 17): deleting runs, dataset, model and environment versions - refused while an
// active state, a run or a model's lineage needs them (saying which), refused again when a blocker appears
// between the plan and the deletion, and, with workspace gc after each step, nothing still referenced is lost.
#include "ModelTestSupport.h"

#include "core/datasets/DatasetRegistry.h"
#include "core/environments/EnvironmentRegistry.h"
#include "core/models/ModelRegistry.h"
#include "core/runs/RunStore.h"
#include "core/workspace/WorkspaceDeleter.h"
#include "core/workspace/WorkspaceError.h"
#include "core/workspace/WorkspaceGc.h"

#include <QDir>
#include <QTest>

using namespace Qt::StringLiterals;
using mldesk::core::DeletionPlan;
using mldesk::core::WorkspaceDeleter;
using mldesk::core::WorkspaceError;
using mldesk::core::WorkspaceGc;

namespace {

QString errorOf(const std::function<void()> &f)
{
    try {
        f();
    } catch (const WorkspaceError &e) {
        return e.message();
    }
    return {};
}

} // namespace

class TestWorkspaceDeleter final : public QObject {
    Q_OBJECT

    // A dataset version of files (name -> content), its blobs stored first, as a registration does.
    static qint64 dataset(mldesk::test::TestWorkspace &ws, const QString &name, const QMap<QString, QByteArray> &files)
    {
        QList<mldesk::core::DatasetFile> list;
        for (auto it = files.begin(); it != files.end(); ++it)
            list.append({it.key(), it.value().size(), ws.blobs().putBytes(it.value()), u"/src/"_s + it.key()});
        return mldesk::core::DatasetRegistry(ws.db()).commit(name, {}, {}, list, true).version.id;
    }

    // Every blob named anywhere still exists and matches its hash.
    static void verifyReferencedIntact(mldesk::test::TestWorkspace &ws)
    {
        const QSet<QString> referenced = WorkspaceGc(*ws.ws).referencedBlobs();
        QVERIFY(!referenced.isEmpty());
        for (const QString &hash : referenced)
            QVERIFY2(ws.blobs().verify(hash), qPrintable(u"referenced blob lost: "_s + hash));
    }

    static int gc(mldesk::test::TestWorkspace &ws)
    {
        mldesk::core::GcOptions options;
        options.graceSeconds = 0;
        return int(WorkspaceGc(*ws.ws).collect(options).blobs.size());
    }

private slots:
    void nothingReferencedIsLost();
    void activeRunRefused();
    void blockerAppearingAfterPlanRefuses();
    void environments();
    void servedModelAndSweepTrialsRefused();
    void versionMustBeNamed();
};

void TestWorkspaceDeleter::nothingReferencedIsLost()
{
    mldesk::test::TestWorkspace ws;
    const qint64 d1 = dataset(ws, u"d"_s, {{u"a.idx"_s, "AAAA"}, {u"b.idx"_s, "BBBB"}});
    dataset(ws, u"d"_s, {{u"b.idx"_s, "BBBB"}, {u"c.idx"_s, "CCCC"}}); // d:2 shares b with d:1
    mldesk::test::TestWorkspace::Run r = ws.kerasRun(u"run-1"_s);
    r.datasetVersions = {d1};
    const qint64 runId = ws.run(r);
    const QString runDir = ws.ws->runsPath() + u"/run-1"_s;
    QVERIFY(QDir().mkpath(runDir + u"/logs"_s));
    QVERIFY(mldesk::test::writeAll(runDir + u"/logs/std_log.txt"_s, "Epoch 1/20\n"));
    ws.db().exec(u"UPDATE runs SET run_dir = ? WHERE id = ?"_s, {runDir, runId});
    mldesk::core::ModelRegistration m;
    m.name = u"m"_s;
    m.runUid = u"run-1"_s;
    m.runPath = u"outputs/model"_s;
    mldesk::core::ModelRegistry(ws.db(), ws.blobs()).registerFromRun(m);
    const QString stray = ws.blobs().putBytes("nothing names me");

    WorkspaceDeleter deleter(*ws.ws);
    // The dataset version a run used and a model's lineage names: refused, saying which.
    const DeletionPlan dataset1 = deleter.planDatasetVersion(u"d:1"_s);
    QVERIFY(!dataset1.allowed());
    QVERIFY2(dataset1.refusal.join(u'\n').contains(u"run run-1 used it as an input"_s),
             qPrintable(dataset1.refusal.join(u'\n')));
    QVERIFY2(dataset1.refusal.join(u'\n').contains(u"model m:1"_s), qPrintable(dataset1.refusal.join(u'\n')));
    QVERIFY(errorOf([&] { deleter.execute(dataset1); }).contains(u"cannot be deleted"_s));
    // The run a model was registered from: refused.
    const DeletionPlan run1 = deleter.planRun(u"run-1"_s);
    QVERIFY2(run1.refusal.join(u'\n').contains(u"model m:1 was registered from it"_s),
             qPrintable(run1.refusal.join(u'\n')));

    // gc now takes only the stray blob.
    QCOMPARE(gc(ws), 1);
    QVERIFY(!ws.blobs().exists(stray));
    verifyReferencedIntact(ws);

    // The model version goes once archived; its files stay, the run's outputs still name them.
    mldesk::core::ModelRegistry models(ws.db(), ws.blobs());
    QVERIFY(deleter.planModelVersion(u"m:1"_s).refusal.value(0).contains(u"archive it first"_s));
    models.setArchived(models.resolve(u"m:1"_s), true);
    const DeletionPlan model = deleter.planModelVersion(u"m:1"_s);
    QVERIFY(model.allowed());
    QCOMPARE(model.freedBlobs, 0);
    deleter.execute(model);
    QCOMPARE(ws.db().scalar(u"SELECT COUNT(*) FROM model_versions"_s).toInt(), 0);
    QCOMPARE(gc(ws), 0);
    verifyReferencedIntact(ws);

    // Then the run: its rows, metrics and folder go; its outputs are left for gc.
    const DeletionPlan run = deleter.planRun(u"run-1"_s);
    QVERIFY2(run.allowed(), qPrintable(run.refusal.join(u'\n')));
    QCOMPARE(run.folder, QDir::cleanPath(runDir));
    QCOMPARE(run.freedBlobs, 4); // model.json, model.h5, notes.txt, std_log.txt
    deleter.execute(run);
    QVERIFY(!QFileInfo::exists(runDir));
    QVERIFY(!mldesk::core::RunStore(ws.db()).find(u"run-1"_s));
    QCOMPARE(ws.db().scalar(u"SELECT COUNT(*) FROM run_metric_chunks"_s).toInt(), 0);
    QCOMPARE(ws.db().scalar(u"SELECT COUNT(*) FROM run_metric_latest"_s).toInt(), 0);
    QCOMPARE(gc(ws), 4);
    verifyReferencedIntact(ws);

    // Now d:1 can go: only a.idx is its own; b.idx stays for d:2.
    const DeletionPlan dataset1Now = deleter.planDatasetVersion(u"d:1"_s);
    QVERIFY(dataset1Now.allowed());
    QCOMPARE(dataset1Now.freedBlobs, 1);
    deleter.execute(dataset1Now);
    QCOMPARE(gc(ws), 1);
    verifyReferencedIntact(ws);
    QCOMPARE(mldesk::core::DatasetRegistry(ws.db()).resolve(u"d:2"_s).fileCount, 2);
    QVERIFY(errorOf([&] { deleter.planDatasetVersion(u"d:1"_s); }).contains(u"no version 1"_s));
}

void TestWorkspaceDeleter::activeRunRefused()
{
    mldesk::test::TestWorkspace ws;
    mldesk::test::TestWorkspace::Run r = ws.kerasRun(u"run-live"_s);
    r.state = u"Running"_s;
    ws.run(r);
    WorkspaceDeleter deleter(*ws.ws);
    const DeletionPlan plan = deleter.planRun(u"run-live"_s);
    QVERIFY(!plan.allowed());
    QVERIFY2(plan.refusal.join(u'\n').contains(u"the run is Running: cancel it first"_s),
             qPrintable(plan.refusal.join(u'\n')));
    QVERIFY(!errorOf([&] { deleter.execute(plan); }).isEmpty());
    QVERIFY(mldesk::core::RunStore(ws.db()).find(u"run-live"_s));
    QVERIFY(errorOf([&] { deleter.planRun(u"no-such-run"_s); }).contains(u"no-such-run"_s));
}

void TestWorkspaceDeleter::blockerAppearingAfterPlanRefuses()
{
    // Another process starts a run on the version between the plan (shown to the user) and the deletion.
    mldesk::test::TestWorkspace ws;
    const qint64 d1 = dataset(ws, u"d"_s, {{u"a.idx"_s, "AAAA"}});
    WorkspaceDeleter deleter(*ws.ws);
    const DeletionPlan plan = deleter.planDatasetVersion(u"d:1"_s);
    QVERIFY(plan.allowed());
    mldesk::test::TestWorkspace::Run r = ws.kerasRun(u"run-late"_s);
    r.state = u"Queued"_s;
    r.datasetVersions = {d1};
    ws.run(r);
    const QString error = errorOf([&] { deleter.execute(plan); });
    QVERIFY2(error.contains(u"cannot be deleted now"_s) && error.contains(u"run-late"_s), qPrintable(error));
    QCOMPARE(mldesk::core::DatasetRegistry(ws.db()).resolve(u"d:1"_s).fileCount, 1);
    QCOMPARE(gc(ws), 0);
    verifyReferencedIntact(ws);
}

void TestWorkspaceDeleter::servedModelAndSweepTrialsRefused()
{
    // A model version an endpoint serves (issue 18) and a sweep parent with trial runs (issue 16) are refused.
    mldesk::test::TestWorkspace ws;
    const qint64 parentId = ws.run(ws.kerasRun(u"sweep-1"_s));
    const qint64 childId = ws.run(ws.kerasRun(u"sweep-1_trial-0"_s));
    ws.db().exec(u"UPDATE runs SET run_kind = 'sweep' WHERE id = ?"_s, {parentId});
    ws.db().exec(u"UPDATE runs SET parent_run_id = ?, trial_index = 0 WHERE id = ?"_s, {parentId, childId});
    mldesk::core::ModelRegistration m;
    m.name = u"m"_s;
    m.runUid = u"sweep-1_trial-0"_s;
    m.runPath = u"outputs/model"_s;
    mldesk::core::ModelRegistry models(ws.db(), ws.blobs());
    models.registerFromRun(m);
    const mldesk::core::ModelVersion version = models.resolve(u"m:1"_s);
    models.setArchived(version, true);
    const qint64 versionId = version.id;
    ws.db().exec(u"INSERT INTO endpoints (name, model_version_id, model_name, model_version, port, folder, created_at)"
                 u" VALUES ('seed', ?, 'm', 1, 5001, '/nowhere', 0)"_s,
                 {versionId});

    WorkspaceDeleter deleter(*ws.ws);
    const DeletionPlan served = deleter.planModelVersion(u"m:1"_s);
    QVERIFY2(served.refusal.join(u'\n').contains(u"endpoint seed serves it"_s), qPrintable(served.refusal.join(u'\n')));
    const DeletionPlan parent = deleter.planRun(u"sweep-1"_s);
    QVERIFY2(parent.refusal.join(u'\n').contains(u"run sweep-1_trial-0 is a trial of this sweep"_s),
             qPrintable(parent.refusal.join(u'\n')));
    QVERIFY(!errorOf([&] { deleter.execute(parent); }).isEmpty());
    QCOMPARE(ws.db().scalar(u"SELECT COUNT(*) FROM runs"_s).toInt(), 2);

    ws.db().exec(u"DELETE FROM endpoints"_s);
    QVERIFY2(deleter.planModelVersion(u"m:1"_s).allowed(), "no endpoint serves it any more");
}

void TestWorkspaceDeleter::environments()
{
    mldesk::test::TestWorkspace ws;
    const qint64 used = ws.environmentVersion(u"conda-env"_s, 1);
    mldesk::test::TestWorkspace::Run r = ws.kerasRun(u"run-env"_s);
    r.environmentVersion = used;
    ws.run(r);
    ws.db().exec(u"INSERT INTO environment_versions (environment_id, version, kind, created_at)"
                 u" SELECT environment_id, 2, 'conda', 0 FROM environment_versions WHERE id = ?"_s,
                 {used});
    WorkspaceDeleter deleter(*ws.ws);
    const DeletionPlan usedPlan = deleter.planEnvironmentVersion(u"conda-env:1"_s);
    QVERIFY2(usedPlan.refusal.join(u'\n').contains(u"run run-env ran in it"_s),
             qPrintable(usedPlan.refusal.join(u'\n')));
    const DeletionPlan unused = deleter.planEnvironmentVersion(u"conda-env:2"_s);
    QVERIFY2(unused.allowed(), qPrintable(unused.refusal.join(u'\n')));
    deleter.execute(unused);
    QCOMPARE(ws.db().scalar(u"SELECT COUNT(*) FROM environment_versions WHERE id = ?"_s, {used}).toInt(), 1);
    mldesk::core::EnvironmentRegistry curated(ws.db()); // adds the curated environments
    QVERIFY(!deleter.planEnvironmentVersion(u"MLDesk-Native:1"_s).allowed());
}

void TestWorkspaceDeleter::versionMustBeNamed()
{
    mldesk::test::TestWorkspace ws;
    dataset(ws, u"d"_s, {{u"a.idx"_s, "AAAA"}});
    WorkspaceDeleter deleter(*ws.ws);
    QVERIFY(errorOf([&] { deleter.planDatasetVersion(u"d"_s); }).contains(u"name the version to delete: d:VERSION"_s));
    QVERIFY(errorOf([&] { deleter.planDatasetVersion(u"d:latest"_s); }).contains(u"d:VERSION"_s));
    QVERIFY(errorOf([&] { deleter.planModelVersion(u"nope:1"_s); }).contains(u"nope"_s));
}

QTEST_GUILESS_MAIN(TestWorkspaceDeleter)
#include "TestWorkspaceDeleter.moc"
