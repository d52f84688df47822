// Tests of verified downloads (issue 6): ManifestDownload and ManifestDownloadJob - identical bytes and progress,
// a corrupted blob fails naming the file and leaves nothing under its final name, crafted '..'/absolute manifest
// entries and symbolic links out of the folder are refused, no overwrite unless asked, cancel.
#include "ModelTestSupport.h"
#include "core/models/ManifestDownloadJob.h"
#include "core/models/ModelRegistry.h"
#include "core/models/ModelService.h"
#include "core/workspace/WorkspaceError.h"

#include <QSignalSpy>
#include <QtTest>

using namespace mldesk::core;
using namespace mldesk::test;
using namespace Qt::StringLiterals;

namespace {

template <typename F> QString errorOf(F &&f)
{
    try {
        f();
    } catch (const WorkspaceError &e) {
        return e.message();
    }
    return u"<no error>"_s;
}

// Everything under folder, hidden files included (a leftover temporary file would show here).
QStringList everything(const QString &folder)
{
    return listFiles(folder);
}

} // namespace

class TestModelDownload final : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { qRegisterMetaType<ManifestDownloadResult>(); }

    void downloadsIdenticalBytesWithProgress()
    {
        TestWorkspace t;
        ModelRegistry registry(t.db(), t.blobs());
        const QString source = writeModelFolder(t.dir.filePath(u"src"_s), 3 * 1024 * 1024 + 17); // several chunks
        QDir().mkpath(source + u"/sub"_s);
        writeAll(source + u"/sub/extra.txt"_s, "extra");
        const ModelVersion v = registry.registerFiles({u"m"_s, {}, {}, {}, {source}, {}, {}});
        const QString to = t.dir.filePath(u"out/model"_s);
        QList<qint64> seen;
        qint64 lastTotal = 0;
        const ManifestDownloadResult result = ManifestDownload::execute(
            {t.blobs().root(), v.files, to, false, u"model m:1"_s}, [&](qint64 done, qint64 total, const QString &) {
                seen.append(done);
                lastTotal = total;
            });
        QCOMPARE(result.files.size(), 3);
        QCOMPARE(result.bytes, v.totalBytes());
        QCOMPARE(readAll(to + u"/model.h5"_s), readAll(source + u"/model.h5"_s));
        QCOMPARE(readAll(to + u"/model.json"_s), kerasModelJson());
        QCOMPARE(readAll(to + u"/sub/extra.txt"_s), QByteArray("extra"));
        QCOMPARE(everything(to), (QStringList{u"model.h5"_s, u"model.json"_s, u"sub/extra.txt"_s}));
        QCOMPARE(lastTotal, v.totalBytes());
        QVERIFY(seen.size() >= 4);
        QCOMPARE(seen.first(), qint64(0));
        QCOMPARE(seen.last(), v.totalBytes());
        QVERIFY(std::is_sorted(seen.begin(), seen.end()));
    }

    void corruptBlobFailsNamingTheFileAndLeavesNoPartialFile()
    {
        TestWorkspace t;
        ModelRegistry registry(t.db(), t.blobs());
        const ModelVersion v = registry.registerFiles(
            {u"m"_s, {}, {}, {}, {writeModelFolder(t.dir.filePath(u"src"_s), 2 * 1024 * 1024)}, {}, {}});
        // Damage model.json's blob on disk, same size (a flipped byte), as a failing disk would.
        const ManifestEntry json = v.files[1];
        QCOMPARE(json.path, u"model.json"_s);
        const QString blob = t.blobs().pathFor(json.hash);
        QFile::setPermissions(blob, QFileDevice::ReadOwner | QFileDevice::WriteOwner);
        QByteArray bytes = readAll(blob);
        bytes[5] = char(bytes[5] ^ 0x20);
        QVERIFY(writeAll(blob, bytes));

        const QString to = t.dir.filePath(u"out"_s);
        const QString message = errorOf([&] {
            ManifestDownload::execute({t.blobs().root(), v.files, to, false, u"model m:1"_s});
        });
        QVERIFY2(message.contains(u"'model.json' of model m:1 failed verification"_s), qPrintable(message));
        QVERIFY2(message.contains(json.hash), qPrintable(message));
        QVERIFY(!QFileInfo::exists(to + u"/model.json"_s));
        // model.h5 (before it in the manifest) was complete and verified; no temporary file is left over.
        QCOMPARE(everything(to), QStringList{u"model.h5"_s});

        // The same through the job: failed(QString) names the file.
        ManifestDownloadJob job({t.blobs().root(), v.files, t.dir.filePath(u"out2"_s), false, u"model m:1"_s});
        QSignalSpy failed(&job, &ManifestDownloadJob::failed);
        QSignalSpy succeeded(&job, &ManifestDownloadJob::succeeded);
        job.start();
        QTRY_COMPARE_WITH_TIMEOUT(failed.size(), 1, 20000);
        QVERIFY(failed.first().first().toString().contains(u"model.json"_s));
        QCOMPARE(succeeded.size(), 0);
        QVERIFY(!QFileInfo::exists(t.dir.filePath(u"out2/model.json"_s)));
    }

    void craftedManifestPathsAreRefused_data()
    {
        QTest::addColumn<QString>("path");
        QTest::newRow("dotdot") << u"../../etc/passwd"_s;
        QTest::newRow("absolute") << u"/etc/passwd"_s;
        QTest::newRow("inner dotdot") << u"a/../../b"_s;
        QTest::newRow("backslash") << u"..\\evil"_s;
        QTest::newRow("empty part") << u"a//b"_s;
        QTest::newRow("drive") << u"C:/x"_s;
    }

    void craftedManifestPathsAreRefused()
    {
        QFETCH(QString, path);
        TestWorkspace t;
        ModelRegistry registry(t.db(), t.blobs());
        const ModelVersion v =
            registry.registerFiles({u"m"_s, {}, {}, {}, {writeModelFolder(t.dir.filePath(u"src"_s))}, {}, {}});
        // Craft the manifest in the database, as a damaged or hostile workspace.db would hold it.
        QJsonArray manifest{QJsonObject{{u"path"_s, path}, {u"hash"_s, v.files[0].hash}, {u"size"_s, 4096}},
                            QJsonObject{{u"path"_s, u"model.json"_s},
                                        {u"hash"_s, v.files[1].hash},
                                        {u"size"_s, double(v.files[1].size)}}};
        t.db().exec(u"UPDATE model_versions SET manifest_json = ? WHERE id = ?"_s,
                    {QString::fromUtf8(QJsonDocument(manifest).toJson(QJsonDocument::Compact)), v.id});
        const ModelVersion crafted = registry.resolve(u"m:1"_s);
        QCOMPARE(crafted.files[0].path, path);
        const QString to = t.dir.filePath(u"a/b/out"_s);
        const QString message = errorOf([&] {
            ManifestDownload::execute({t.blobs().root(), crafted.files, to, false, u"model m:1"_s});
        });
        QVERIFY2(message.contains(u"unsafe path"_s) && message.contains(path), qPrintable(message));
        QVERIFY(!QFileInfo::exists(to)); // checked before anything was written
        QVERIFY(!QFileInfo::exists(t.dir.filePath(u"a/etc/passwd"_s)));
        QVERIFY(!QFileInfo::exists(t.dir.filePath(u"a/b/b"_s)));
    }

    void symbolicLinkOutOfTheFolderIsRefused()
    {
        TestWorkspace t;
        const QString to = t.dir.filePath(u"out"_s);
        const QString outside = t.dir.filePath(u"outside"_s);
        QDir().mkpath(to);
        QDir().mkpath(outside);
        QVERIFY(QFile::link(outside, to + u"/sub"_s));
        const QString hash = t.blobs().putBytes("x");
        const QString message = errorOf([&] {
            ManifestDownload::execute({t.blobs().root(), {{u"sub/x"_s, hash, 1}}, to, false, {}});
        });
        QVERIFY2(message.contains(u"leads outside"_s), qPrintable(message));
        QVERIFY(!QFileInfo::exists(outside + u"/x"_s));
    }

    void existingFilesAreKeptUnlessOverwrite()
    {
        TestWorkspace t;
        ModelRegistry registry(t.db(), t.blobs());
        const ModelVersion v =
            registry.registerFiles({u"m"_s, {}, {}, {}, {writeModelFolder(t.dir.filePath(u"src"_s))}, {}, {}});
        const QString to = t.dir.filePath(u"out"_s);
        QDir().mkpath(to);
        writeAll(to + u"/model.json"_s, "mine");
        const QString message = errorOf([&] {
            ManifestDownload::execute({t.blobs().root(), v.files, to, false, u"model m:1"_s});
        });
        QVERIFY2(message.contains(u"model.json"_s) && message.contains(u"--overwrite"_s), qPrintable(message));
        QCOMPARE(readAll(to + u"/model.json"_s), QByteArray("mine"));
        QVERIFY(!QFileInfo::exists(to + u"/model.h5"_s)); // refused before writing anything
        ManifestDownload::execute({t.blobs().root(), v.files, to, true, u"model m:1"_s});
        QCOMPARE(readAll(to + u"/model.json"_s), kerasModelJson());
        QCOMPARE(QFileInfo(to + u"/model.json"_s).permissions() & QFileDevice::ReadOther, QFileDevice::ReadOther);
    }

    void missingBlobIsNamedBeforeWriting()
    {
        TestWorkspace t;
        const QString hash = QString(64, u'a');
        const QString message = errorOf([&] {
            ManifestDownload::execute(
                {t.blobs().root(), {{u"model.h5"_s, hash, 3}}, t.dir.filePath(u"o"_s), false, u"model m:1"_s});
        });
        QVERIFY2(message.contains(u"'model.h5'"_s) && message.contains(u"missing"_s), qPrintable(message));
        QVERIFY(!QFileInfo::exists(t.dir.filePath(u"o"_s)));
    }

    void cancelStopsWithoutAFinalFile()
    {
        TestWorkspace t;
        const QString hash = t.blobs().putBytes(fakeWeights(8 * 1024 * 1024, 7));
        const QString to = t.dir.filePath(u"out"_s);
        std::atomic_bool cancel{false};
        const QString message = errorOf([&] {
            ManifestDownload::execute(
                {t.blobs().root(), {{u"big.h5"_s, hash, 8 * 1024 * 1024}}, to, false, u"big"_s},
                [&](qint64 done, qint64, const QString &) {
                    if (done > 0)
                        cancel = true; // after the first chunk
                },
                &cancel);
        });
        QVERIFY2(message.contains(u"canceled"_s), qPrintable(message));
        QCOMPARE(everything(to), QStringList());
    }

    void jobSucceedsWithSignals()
    {
        TestWorkspace t;
        const QByteArray big = fakeWeights(5 * 1024 * 1024, 9);
        const QString hash = t.blobs().putBytes(big);
        ManifestDownloadJob job(
            {t.blobs().root(), {{u"w/big.h5"_s, hash, big.size()}}, t.dir.filePath(u"o"_s), false, u"x"_s});
        QSignalSpy progress(&job, &ManifestDownloadJob::progress);
        QSignalSpy succeeded(&job, &ManifestDownloadJob::succeeded);
        job.start();
        QVERIFY(job.isRunning());
        QTRY_COMPARE_WITH_TIMEOUT(succeeded.size(), 1, 20000);
        QVERIFY(!job.isRunning());
        QVERIFY(progress.size() >= 2);
        QCOMPARE(progress.last().at(0).toLongLong(), qint64(big.size()));
        QCOMPARE(progress.last().at(1).toLongLong(), qint64(big.size()));
        const auto result = succeeded.first().first().value<ManifestDownloadResult>();
        QCOMPARE(result.files, QStringList{t.dir.filePath(u"o/w/big.h5"_s)});
        QCOMPARE(readAll(t.dir.filePath(u"o/w/big.h5"_s)), big);
    }

    void serviceRunsJobsOnItsOwnPool()
    {
        TestWorkspace t;
        ModelRegistry registry(t.db(), t.blobs());
        const ModelVersion v =
            registry.registerFiles({u"m"_s, {}, {}, {}, {writeModelFolder(t.dir.filePath(u"src"_s))}, {}, {}});
        ModelService service(*t.ws);
        const auto job = service.download(v, t.dir.filePath(u"o"_s), false);
        QCOMPARE(job->params().what, u"model m:1"_s);
        QSignalSpy succeeded(job.get(), &ManifestDownloadJob::succeeded);
        QSignalSpy failed(job.get(), &ManifestDownloadJob::failed);
        job->start(service.pool());
        QTRY_COMPARE_WITH_TIMEOUT(succeeded.size() + failed.size(), 1, 20000);
        QCOMPARE(succeeded.size(), 1);
        QCOMPARE(readAll(t.dir.filePath(u"o/model.json"_s)), kerasModelJson());
        // A second download into the same folder is refused: the files are there.
        const auto again = service.download(v, t.dir.filePath(u"o"_s), false);
        QSignalSpy refused(again.get(), &ManifestDownloadJob::failed);
        again->start(service.pool());
        QTRY_COMPARE_WITH_TIMEOUT(refused.size(), 1, 20000);
        QVERIFY(refused.first().first().toString().contains(u"--overwrite"_s));
    }

    void selectTakesFoldersNotPrefixes()
    {
        const QList<ManifestEntry> all{{u"outputs/model/model.json"_s, {}, 1},
                                       {u"outputs/model/sub/a"_s, {}, 1},
                                       {u"outputs/model2/x"_s, {}, 1},
                                       {u"logs/std_log.txt"_s, {}, 1}};
        auto paths = [](const QList<ManifestEntry> &l) {
            QStringList p;
            for (const ManifestEntry &e : l)
                p.append(e.path);
            return p;
        };
        QCOMPARE(paths(ManifestDownload::select(all, u"outputs/model"_s)), (QStringList{u"model.json"_s, u"sub/a"_s}));
        QCOMPARE(paths(ManifestDownload::select(all, u"./outputs/model/"_s)),
                 (QStringList{u"model.json"_s, u"sub/a"_s}));
        QCOMPARE(paths(ManifestDownload::select(all, u"outputs/model/model.json"_s)), QStringList{u"model.json"_s});
        QCOMPARE(paths(ManifestDownload::select(all, u"outputs/mod"_s)), QStringList());
        QCOMPARE(ManifestDownload::select(all, {}).size(), 4);
    }
};

QTEST_GUILESS_MAIN(TestModelDownload)
#include "TestModelDownload.moc"
