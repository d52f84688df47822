// TestWorkspaceGc (issue 17): workspace gc removes blobs nothing refers to and old leftovers in blobs/tmp, shows
// what it frees, keeps everything younger than the grace period (a blob stored again counts as young), removes
// nothing on a dry run, and leaves files that are not blobs of the store's layout alone.
#include "ModelTestSupport.h"

#include "core/datasets/DatasetRegistry.h"
#include "core/store/Database.h"
#include "core/workspace/WorkspaceGc.h"

#include <QDir>
#include <QTest>

using namespace Qt::StringLiterals;
using mldesk::core::GcOptions;
using mldesk::core::WorkspaceGc;

namespace {

QStringList paths(const QList<mldesk::core::GcItem> &items)
{
    QStringList out;
    for (const auto &item : items)
        out.append(item.path);
    out.sort();
    return out;
}

QString blobPath(const QString &hash)
{
    return u"blobs/sha256/"_s + hash.left(2) + u'/' + hash.mid(2);
}

} // namespace

class TestWorkspaceGc final : public QObject {
    Q_OBJECT

private slots:
    void schemaReviewed();
    void removesOnlyUnreferenced();
    void graceKeepsYoungAndRestored();
    void temporaryLeftovers();
};

void TestWorkspaceGc::schemaReviewed()
{
    // A new migration may add a column naming blobs: list it in WorkspaceGc.cpp's sources(), then raise
    // reviewedSchemaVersion(). Until then gc refuses to run, and this fails.
    QVERIFY2(mldesk::core::Database::latestSchemaVersion() == WorkspaceGc::reviewedSchemaVersion(),
             "schema changed: check WorkspaceGc's blob references (core/workspace/WorkspaceGc.cpp)");
}

void TestWorkspaceGc::removesOnlyUnreferenced()
{
    mldesk::test::TestWorkspace ws;
    const QString kept = ws.blobs().putBytes("dataset file");
    mldesk::core::DatasetRegistry(ws.db()).commit(u"d"_s, {}, {}, {{u"f.idx"_s, 12, kept, u"/x/f.idx"_s}}, true);
    ws.run(ws.kerasRun(u"run-1"_s));
    const QString stray = ws.blobs().putBytes("stray bytes!");
    const QString notABlob = ws.blobs().root() + u"/sha256/README"_s;
    QVERIFY(mldesk::test::writeAll(notABlob, "not a blob"));
    for (const QString &hash : WorkspaceGc(*ws.ws).referencedBlobs() + QSet<QString>{stray})
        QVERIFY(mldesk::test::agePath(ws.blobs().pathFor(hash), 7200));
    QVERIFY(mldesk::test::agePath(notABlob, 7200));

    WorkspaceGc gc(*ws.ws);
    GcOptions dry;
    dry.dryRun = true;
    const mldesk::core::GcResult preview = gc.collect(dry);
    QCOMPARE(paths(preview.blobs), QStringList{blobPath(stray)});
    QCOMPARE(preview.freedBytes(), 12);
    QVERIFY(ws.blobs().exists(stray)); // a dry run removes nothing

    const mldesk::core::GcResult done = gc.collect({});
    QCOMPARE(paths(done.blobs), QStringList{blobPath(stray)});
    QCOMPARE(done.referencedCount, 5); // the dataset file and the run's four outputs
    QVERIFY(!ws.blobs().exists(stray));
    QVERIFY(QFileInfo::exists(notABlob));
    for (const QString &hash : gc.referencedBlobs())
        QVERIFY(ws.blobs().verify(hash));
    QVERIFY(gc.collect({}).blobs.isEmpty()); // nothing left to take
}

void TestWorkspaceGc::graceKeepsYoungAndRestored()
{
    mldesk::test::TestWorkspace ws;
    const QString young = ws.blobs().putBytes("just stored, rows not committed yet");
    const QString old = ws.blobs().putBytes("an old unreferenced blob");
    const QString again = ws.blobs().putBytes("old, and being registered again");
    QVERIFY(mldesk::test::agePath(ws.blobs().pathFor(old), 7200));
    QVERIFY(mldesk::test::agePath(ws.blobs().pathFor(again), 7200));
    // A registration storing the same content again refreshes the blob's time: it is about to be named.
    QCOMPARE(ws.blobs().putBytes("old, and being registered again"), again);

    const mldesk::core::GcResult result = WorkspaceGc(*ws.ws).collect({});
    QCOMPARE(paths(result.blobs), QStringList{blobPath(old)});
    QCOMPARE(result.youngCount, 2);
    QVERIFY(ws.blobs().exists(young));
    QVERIFY(ws.blobs().exists(again));

    GcOptions now;
    now.graceSeconds = 0;
    QCOMPARE(WorkspaceGc(*ws.ws).collect(now).blobs.size(), 2);
}

void TestWorkspaceGc::temporaryLeftovers()
{
    mldesk::test::TestWorkspace ws;
    const QString tmp = ws.blobs().root() + u"/tmp"_s;
    QVERIFY(QDir().mkpath(tmp + u"/register-old"_s));
    QVERIFY(QDir().mkpath(tmp + u"/register-busy"_s));
    QVERIFY(mldesk::test::writeAll(tmp + u"/blob-half.tmp"_s, "half a blob"));
    QVERIFY(mldesk::test::writeAll(tmp + u"/register-old/a.gz"_s, "12345"));
    QVERIFY(mldesk::test::writeAll(tmp + u"/register-busy/b.gz"_s, "still downloading"));
    for (const QString &p : {u"/blob-half.tmp"_s, u"/register-old/a.gz"_s, u"/register-old"_s, u"/register-busy"_s})
        QVERIFY(mldesk::test::agePath(tmp + p, 7200));

    const mldesk::core::GcResult result = WorkspaceGc(*ws.ws).collect({});
    QCOMPARE(paths(result.temporary), (QStringList{u"blobs/tmp/blob-half.tmp"_s, u"blobs/tmp/register-old"_s}));
    QCOMPARE(result.freedBytes(), 11 + 5);
    QVERIFY(!QFileInfo::exists(tmp + u"/register-old"_s));
    QVERIFY(QFileInfo::exists(tmp + u"/register-busy/b.gz"_s)); // its file is young
}

QTEST_GUILESS_MAIN(TestWorkspaceGc)
#include "TestWorkspaceGc.moc"
