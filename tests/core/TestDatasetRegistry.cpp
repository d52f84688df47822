// Tests of dataset registration, versions, manifests and materialisation, with a real HTTP server on loopback
// serving small synthetic IDX files: URLs and local files/folders, unchanged re-registration, new versions, 404,
// connection closed mid-body, idle timeout, redirects, progress, cancel, no orphan blobs, mount and download, and
// two processes registering under one name at once.
#include "CoreTestSupport.h"
#include "core/datasets/DatasetMaterializer.h"
#include "core/datasets/DatasetReference.h"
#include "core/datasets/DatasetRegistrationJob.h"
#include "core/datasets/DatasetRegistry.h"
#include "core/store/BlobStore.h"
#include "core/store/Database.h"
#include "core/workspace/Workspace.h"
#include "core/workspace/WorkspaceError.h"
#include "support/LoopbackHttpServer.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

using namespace mldesk::core;
using namespace mldesk::test;

namespace {

// An IDX file (big-endian magic 0x0803 / 0x0801, dimensions, then bytes) with a deterministic body.
QByteArray idx(int count, int rows, int cols, int seed)
{
    QByteArray out;
    auto be32 = [&](quint32 v) {
        for (int s = 24; s >= 0; s -= 8)
            out.append(char((v >> s) & 0xff));
    };
    const bool images = rows > 0;
    be32(images ? 0x0803 : 0x0801);
    be32(quint32(count));
    if (images) {
        be32(quint32(rows));
        be32(quint32(cols));
    }
    const int n = count * (images ? rows * cols : 1);
    for (int i = 0; i < n; ++i)
        out.append(char((i * 31 + seed * 7) % (images ? 256 : 10)));
    return out;
}

QString hex(const QByteArray &bytes)
{
    return QString::fromLatin1(sha256(bytes).toHex());
}

HttpOptions fast()
{
    HttpOptions o;
    o.connectTimeoutMs = 3000;
    o.idleTimeoutMs = 3000;
    o.initialBackoffMs = 20;
    return o;
}

} // namespace

class TestDatasetRegistry final : public QObject {
    Q_OBJECT
private slots:
    void initTestCase()
    {
        QVERIFY(m_server.startServing() != 0);
        m_trainImages = idx(60, 28, 28, 1);
        m_trainLabels = idx(60, 0, 0, 2);
        m_testImages = idx(10, 28, 28, 3);
        m_testLabels = idx(10, 0, 0, 4);
        m_server.serveFile("/train-images-idx3-ubyte", m_trainImages);
        m_server.serveFile("/train-labels-idx1-ubyte", m_trainLabels);
        m_server.serveFile("/t10k-images-idx3-ubyte", m_testImages);
        m_server.serveFile("/t10k-labels-idx1-ubyte", m_testLabels);
        m_http = HttpClient::create();
    }

    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        m_ws = Workspace::create(m_dir->filePath(QStringLiteral("ws")), QStringLiteral("t"));
    }
    void cleanup()
    {
        m_ws.reset();
        m_dir.reset();
    }

    void registersFromUrlsThenUnchanged()
    {
        const QStringList urls = fourUrls();
        DatasetRegistrationResult r = run(params(QStringLiteral("fashion-mnist"), urls));
        QVERIFY(!r.unchanged);
        QCOMPARE(r.version.version, 1);
        QCOMPARE(r.version.fileCount, 4);
        const QList<DatasetFile> files = DatasetRegistry(m_ws->database()).files(r.version);
        QCOMPARE(files.size(), 4);
        QCOMPARE(files[0].relativePath, QStringLiteral("t10k-images-idx3-ubyte"));
        QCOMPARE(files[0].size, qint64(m_testImages.size()));
        QCOMPARE(files[0].hash, hex(m_testImages));
        QCOMPARE(files[0].source, urls[2]);
        QCOMPARE(files[3].relativePath, QStringLiteral("train-labels-idx1-ubyte"));
        for (const DatasetFile &f : files)
            QVERIFY(m_ws->blobs().verify(f.hash));
        QCOMPARE(r.version.totalBytes,
                 qint64(m_trainImages.size() + m_trainLabels.size() + m_testImages.size() + m_testLabels.size()));

        const int requests = int(m_server.requests().size());
        DatasetRegistrationResult again = run(params(QStringLiteral("fashion-mnist"), urls));
        QVERIFY(again.unchanged);
        QCOMPARE(again.version.version, 1);
        QCOMPARE(int(m_server.requests().size()), requests + 4);
        QCOMPARE(DatasetRegistry(m_ws->database()).versions(QStringLiteral("fashion-mnist")).size(), 1);
        QVERIFY(listFiles(m_ws->blobs().root() + QStringLiteral("/tmp")).isEmpty());
    }

    void changedContentMakesANewVersionOnlyWhenAsked()
    {
        QTemporaryDir src;
        writeAll(src.filePath(QStringLiteral("a.bin")), "first");
        writeAll(src.filePath(QStringLiteral("b.bin")), "second");
        QCOMPARE(run(params(QStringLiteral("d"), {src.path()})).version.version, 1);
        writeAll(src.filePath(QStringLiteral("b.bin")), "second, changed");
        const QStringList blobsBefore = listFiles(m_ws->blobs().root() + QStringLiteral("/sha256"));
        try {
            run(params(QStringLiteral("d"), {src.path()}));
            QFAIL("a changed dataset was accepted without --new-version");
        } catch (const WorkspaceError &e) {
            QVERIFY2(e.message().contains(QLatin1String("--new-version")) &&
                         e.message().contains(QLatin1String("version 2")),
                     qPrintable(e.message()));
        }
        // The changed file's blob was stored before the commit was refused; it must be gone again.
        QCOMPARE(listFiles(m_ws->blobs().root() + QStringLiteral("/sha256")), blobsBefore);

        DatasetRegistrationParams p = params(QStringLiteral("d"), {src.path()});
        p.createNewVersion = true;
        p.description = QStringLiteral("with the change");
        p.tags.insert(QStringLiteral("source"), QStringLiteral("unit-test"));
        DatasetRegistrationResult r = run(p);
        QCOMPARE(r.version.version, 2);
        QVERIFY(!r.unchanged);
        QCOMPARE(r.version.tags.value(QStringLiteral("source")), QStringLiteral("unit-test"));
        DatasetRegistry registry(m_ws->database());
        QCOMPARE(registry.version(QStringLiteral("d")).version, 2);
        QCOMPARE(registry.version(QStringLiteral("d"), 1).fileCount, 2);
        QCOMPARE(registry.resolve(QStringLiteral("d:1")).version, 1);
        QCOMPARE(registry.find(QStringLiteral("d"))->description, QStringLiteral("with the change"));
        try {
            registry.version(QStringLiteral("d"), 3);
            QFAIL("version 3 found");
        } catch (const WorkspaceError &e) {
            QCOMPARE(e.message(), QStringLiteral("dataset 'd' has no version 3; versions are 1, 2"));
        }
        QVERIFY_THROWS_EXCEPTION(WorkspaceError, registry.version(QStringLiteral("nope")));
    }

    void filesAndFoldersKeepRelativePaths()
    {
        QTemporaryDir src;
        QDir(src.path()).mkpath(QStringLiteral("folder/sub"));
        writeAll(src.filePath(QStringLiteral("folder/top.txt")), "top");
        writeAll(src.filePath(QStringLiteral("folder/sub/deep.txt")), "deep");
        writeAll(src.filePath(QStringLiteral("single.txt")), "single");
        DatasetRegistrationResult r =
            run(params(QStringLiteral("mixed"),
                       {src.filePath(QStringLiteral("folder")), src.filePath(QStringLiteral("single.txt")),
                        m_server.url(QStringLiteral("/t10k-labels-idx1-ubyte")).toString()}));
        QStringList paths;
        for (const DatasetFile &f : DatasetRegistry(m_ws->database()).files(r.version))
            paths.append(f.relativePath);
        QCOMPARE(paths, (QStringList{QStringLiteral("single.txt"), QStringLiteral("sub/deep.txt"),
                                     QStringLiteral("t10k-labels-idx1-ubyte"), QStringLiteral("top.txt")}));

        // Two sources giving the same relative path are refused before anything is stored.
        writeAll(src.filePath(QStringLiteral("top.txt")), "other top");
        QVERIFY_THROWS_EXCEPTION(WorkspaceError,
                                 run(params(QStringLiteral("clash"), {src.filePath(QStringLiteral("folder")),
                                                                      src.filePath(QStringLiteral("top.txt"))})));
        QVERIFY_THROWS_EXCEPTION(WorkspaceError,
                                 run(params(QStringLiteral("missing"), {src.filePath(QStringLiteral("nope"))})));
        QVERIFY_THROWS_EXCEPTION(WorkspaceError, run(params(QStringLiteral("bad name!"), {src.path()})));
        QVERIFY(!DatasetRegistry(m_ws->database()).find(QStringLiteral("clash")));
    }

    void notFoundRegistersNothing()
    {
        QStringList urls = fourUrls();
        urls.append(m_server.url(QStringLiteral("/missing-idx1-ubyte")).toString());
        try {
            run(params(QStringLiteral("broken"), urls));
            QFAIL("registered a dataset with a 404 source");
        } catch (const WorkspaceError &e) {
            QVERIFY2(e.message().contains(QLatin1String("404")) &&
                         e.message().contains(QLatin1String("missing-idx1-ubyte")) &&
                         e.message().contains(QLatin1String("nothing was registered")),
                     qPrintable(e.message()));
        }
        QVERIFY(!DatasetRegistry(m_ws->database()).find(QStringLiteral("broken")));
        QVERIFY(listFiles(m_ws->blobs().root() + QStringLiteral("/sha256")).isEmpty());
        QVERIFY(listFiles(m_ws->blobs().root() + QStringLiteral("/tmp")).isEmpty());
    }

    void midBodyCloseIsRetriedAndResumed()
    {
        LoopbackHttpServer::Route route{idx(200, 28, 28, 9)};
        route.breakFirstRequests = 1;
        m_server.setRoute("/flaky-images-idx3-ubyte", route);
        DatasetRegistrationResult r =
            run(params(QStringLiteral("flaky"), {m_server.url(QStringLiteral("/flaky-images-idx3-ubyte")).toString()}));
        const QList<DatasetFile> files = DatasetRegistry(m_ws->database()).files(r.version);
        QCOMPARE(files.size(), 1);
        QCOMPARE(files[0].hash, hex(route.body));
        QCOMPARE(m_server.requests().last().range.isEmpty(), false); // the second request resumed
    }

    void persistentMidBodyCloseLeavesNoPartialBlob()
    {
        LoopbackHttpServer::Route route{idx(200, 28, 28, 10)};
        route.breakFirstRequests = 1000;
        route.supportsRange = false;
        m_server.setRoute("/dead-images-idx3-ubyte", route);
        DatasetRegistrationParams p =
            params(QStringLiteral("dead"),
                   {fourUrls()[0], m_server.url(QStringLiteral("/dead-images-idx3-ubyte")).toString()});
        p.http.maxRetries = 2;
        try {
            run(p);
            QFAIL("registered a dataset whose download kept breaking");
        } catch (const WorkspaceError &e) {
            QVERIFY2(e.message().contains(QLatin1String("3 attempt")), qPrintable(e.message()));
        }
        QVERIFY(!DatasetRegistry(m_ws->database()).find(QStringLiteral("dead")));
        QVERIFY(listFiles(m_ws->blobs().root() + QStringLiteral("/sha256")).isEmpty());
        QVERIFY(listFiles(m_ws->blobs().root() + QStringLiteral("/tmp")).isEmpty());
    }

    void silentServerTimesOut()
    {
        LoopbackHttpServer::Route route{idx(100, 28, 28, 11)};
        route.stallAfterBytes = 100;
        m_server.setRoute("/stalled-idx3-ubyte", route);
        DatasetRegistrationParams p =
            params(QStringLiteral("stalled"), {m_server.url(QStringLiteral("/stalled-idx3-ubyte")).toString()});
        p.http.idleTimeoutMs = 300;
        p.http.maxRetries = 1;
        QElapsedTimer timer;
        timer.start();
        try {
            run(p);
            QFAIL("a silent server did not time out");
        } catch (const WorkspaceError &e) {
            QVERIFY2(e.message().contains(QLatin1String("idle timeout")), qPrintable(e.message()));
        }
        QVERIFY(timer.elapsed() < 5000);
        QVERIFY(!DatasetRegistry(m_ws->database()).find(QStringLiteral("stalled")));
    }

    void redirectIsFollowed()
    {
        LoopbackHttpServer::Route redirect;
        redirect.status = 301;
        redirect.redirectTo = "/train-labels-idx1-ubyte";
        m_server.setRoute("/old/train-labels-idx1-ubyte", redirect);
        DatasetRegistrationResult r = run(
            params(QStringLiteral("moved"), {m_server.url(QStringLiteral("/old/train-labels-idx1-ubyte")).toString()}));
        const QList<DatasetFile> files = DatasetRegistry(m_ws->database()).files(r.version);
        QCOMPARE(files.value(0).hash, hex(m_trainLabels));
    }

    void jobReportsMonotoneProgressOnItsThread()
    {
        LoopbackHttpServer::Route slow{idx(40, 28, 28, 12)}; // ~31 KiB in 1 KiB pieces
        slow.trickleDelayMs = 5;
        m_server.setRoute("/slow-images-idx3-ubyte", slow);
        DatasetRegistrationJob job(
            params(QStringLiteral("job"), {m_server.url(QStringLiteral("/slow-images-idx3-ubyte")).toString()}));
        QList<DatasetRegistrationProgress> seen;
        bool wrongThread = false;
        connect(&job, &DatasetRegistrationJob::progress, this, [&](const DatasetRegistrationProgress &p) {
            wrongThread = wrongThread || QThread::currentThread() != thread();
            seen.append(p);
        });
        QSignalSpy done(&job, &DatasetRegistrationJob::succeeded);
        QSignalSpy failed(&job, &DatasetRegistrationJob::failed);
        job.start();
        QTRY_VERIFY_WITH_TIMEOUT(done.size() + failed.size() > 0, 15000);
        QCOMPARE(failed.size(), 0);
        QVERIFY(!wrongThread);
        const auto result = done.first().first().value<DatasetRegistrationResult>();
        QCOMPARE(result.version.version, 1);
        QList<qint64> downloaded;
        for (const auto &p : seen)
            if (p.phase == DatasetRegistrationProgress::Phase::Downloading && p.bytes > 0)
                downloaded.append(p.bytes);
        QVERIFY2(downloaded.size() >= 2, "expected several download progress reports");
        for (int i = 1; i < downloaded.size(); ++i)
            QVERIFY(downloaded[i] >= downloaded[i - 1]);
        QCOMPARE(downloaded.last(), qint64(slow.body.size()));
    }

    void cancelRegistersNothing()
    {
        LoopbackHttpServer::Route slow{idx(200, 28, 28, 13)};
        slow.trickleDelayMs = 20;
        m_server.setRoute("/very-slow-idx3-ubyte", slow);
        DatasetRegistrationJob job(
            params(QStringLiteral("canceled"),
                   {fourUrls()[0], m_server.url(QStringLiteral("/very-slow-idx3-ubyte")).toString()}));
        QSignalSpy failed(&job, &DatasetRegistrationJob::failed);
        connect(&job, &DatasetRegistrationJob::progress, this, [&](const DatasetRegistrationProgress &p) {
            if (p.file == QStringLiteral("very-slow-idx3-ubyte") && p.bytes > 0)
                job.cancel();
        });
        job.start();
        QTRY_VERIFY_WITH_TIMEOUT(failed.size() == 1, 15000);
        QVERIFY2(failed.first().first().toString().contains(QLatin1String("canceled")),
                 qPrintable(failed.first().first().toString()));
        QVERIFY(!DatasetRegistry(m_ws->database()).find(QStringLiteral("canceled")));
        QVERIFY(listFiles(m_ws->blobs().root() + QStringLiteral("/sha256")).isEmpty());
    }

    void mountAndDownloadPresentTheFiles()
    {
        QTemporaryDir src;
        QDir(src.path()).mkpath(QStringLiteral("data/labels"));
        writeAll(src.filePath(QStringLiteral("data/images.idx")), m_testImages);
        writeAll(src.filePath(QStringLiteral("data/labels/labels.idx")), m_testLabels);
        DatasetRegistrationResult r = run(params(QStringLiteral("m"), {src.filePath(QStringLiteral("data"))}));
        const QList<DatasetFile> files = DatasetRegistry(m_ws->database()).files(r.version);

        const QString mount = m_dir->filePath(QStringLiteral("run/mount"));
        DatasetMaterializer::mount(m_ws->blobs(), files, mount);
        QCOMPARE(readAll(mount + QStringLiteral("/images.idx")), m_testImages);
        QCOMPARE(readAll(mount + QStringLiteral("/labels/labels.idx")), m_testLabels);
        QVERIFY(QFileInfo(mount + QStringLiteral("/images.idx")).isSymLink());
        QVERIFY(!(QFileInfo(mount).permissions() & QFileDevice::WriteOwner));
        QVERIFY(!(QFileInfo(mount + QStringLiteral("/labels")).permissions() & QFileDevice::WriteOwner));
        if (!runningAsRoot()) {
            QFile f(mount + QStringLiteral("/images.idx"));
            QVERIFY(!f.open(QIODevice::WriteOnly | QIODevice::Append)); // the blob itself is read-only
            QVERIFY(!writeAll(mount + QStringLiteral("/new.txt"), "x"));
        }
        QVERIFY_THROWS_EXCEPTION(WorkspaceError, DatasetMaterializer::mount(m_ws->blobs(), files, mount)); // not empty
        QVERIFY(DatasetMaterializer::unmount(mount));
        QVERIFY(!QFileInfo::exists(mount));
        for (const DatasetFile &f : files)
            QVERIFY(m_ws->blobs().verify(f.hash)); // unmounting never touches the blobs

        const QString copy = m_dir->filePath(QStringLiteral("run/copy"));
        QList<qint64> progress;
        DatasetMaterializer::download(m_ws->blobs(), files, copy, [&](qint64 done, qint64) { progress.append(done); });
        QCOMPARE(readAll(copy + QStringLiteral("/images.idx")), m_testImages);
        QCOMPARE(readAll(copy + QStringLiteral("/labels/labels.idx")), m_testLabels);
        QVERIFY(!QFileInfo(copy + QStringLiteral("/images.idx")).isSymLink());
        QCOMPARE(progress.last(), qint64(m_testImages.size() + m_testLabels.size()));
    }

    void referencesParse_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("name");
        QTest::addColumn<int>("version");
        QTest::addColumn<bool>("mount");
        QTest::newRow("name") << "{dataset:fashion-mnist}"
                              << "fashion-mnist" << 0 << true;
        QTest::newRow("mount") << "{dataset:fashion-mnist:mount}"
                               << "fashion-mnist" << 0 << true;
        QTest::newRow("version") << "{dataset:mnist:3}"
                                 << "mnist" << 3 << true;
        QTest::newRow("version+download") << "{dataset:mnist:2:download}"
                                          << "mnist" << 2 << false;
        QTest::newRow("latest") << "{dataset:mnist:latest:download}"
                                << "mnist" << 0 << false;
    }
    void referencesParse()
    {
        QFETCH(QString, text);
        QFETCH(QString, name);
        QFETCH(int, version);
        QFETCH(bool, mount);
        const DatasetReference ref = DatasetReference::parse(text);
        QCOMPARE(ref.name, name);
        QCOMPARE(ref.version, version);
        QCOMPARE(ref.mode == DatasetReference::Mode::Mount, mount);
    }

    void badReferencesAreRefused_data()
    {
        QTest::addColumn<QString>("text");
        QTest::newRow("not dataset") << "{model:x}";
        QTest::newRow("empty name") << "{dataset:}";
        QTest::newRow("bad mode") << "{dataset:x:copy}";
        QTest::newRow("zero version") << "{dataset:x:0}";
        QTest::newRow("mode first") << "{dataset:x:mount:2}";
        QTest::newRow("too many") << "{dataset:x:1:mount:extra}";
    }
    void badReferencesAreRefused()
    {
        QFETCH(QString, text);
        QVERIFY_THROWS_EXCEPTION(WorkspaceError, DatasetReference::parse(text));
    }

    void referencesAreSubstitutedInArguments()
    {
        const QString arg = QStringLiteral("--data={dataset:a:2:download},{dataset:b}");
        QCOMPARE(DatasetReference::findAll(arg).size(), 2);
        const QString out = DatasetReference::substitute(arg, [](const DatasetReference &r) -> QString {
            return QStringLiteral("/runs/x/") + r.name + QString::number(r.version);
        });
        QCOMPARE(out, QStringLiteral("--data=/runs/x/a2,/runs/x/b0"));
        QCOMPARE(DatasetReference::parse(QStringLiteral("{dataset:a:2:download}")).toString(),
                 QStringLiteral("{dataset:a:2:download}"));
    }

    void twoProcessesRegisterUnderOneName()
    {
        const QString cli = qEnvironmentVariable("MLDESK_CLI");
        if (cli.isEmpty())
            QSKIP("MLDESK_CLI is not set (run through ctest)");
        QTemporaryDir src;
        QDir(src.path()).mkpath(QStringLiteral("a"));
        QDir(src.path()).mkpath(QStringLiteral("b"));
        // Big enough that both processes overlap in hashing and storing.
        writeAll(src.filePath(QStringLiteral("a/data.bin")), QByteArray(8 << 20, 'a'));
        writeAll(src.filePath(QStringLiteral("b/data.bin")), QByteArray(8 << 20, 'b'));
        QList<QProcess *> procs;
        for (const QString &sub : {QStringLiteral("a"), QStringLiteral("b")}) {
            auto *p = new QProcess(this);
            p->start(cli, {QStringLiteral("--workspace"), m_ws->path(), QStringLiteral("--json"),
                           QStringLiteral("dataset"), QStringLiteral("register"), QStringLiteral("race"),
                           src.filePath(sub), QStringLiteral("--new-version")});
            procs.append(p);
        }
        for (QProcess *p : procs) {
            QVERIFY(p->waitForFinished(60000));
            QVERIFY2(p->exitCode() == 0, p->readAllStandardError().constData());
        }
        DatasetRegistry registry(m_ws->database());
        const QList<DatasetVersion> versions = registry.versions(QStringLiteral("race"));
        QCOMPARE(versions.size(), 2);
        QCOMPARE(versions[0].version, 1);
        QCOMPARE(versions[1].version, 2);
        QSet<QString> hashes;
        for (const DatasetVersion &v : versions) {
            const QList<DatasetFile> files = registry.files(v);
            QCOMPARE(files.size(), 1);
            QCOMPARE(v.manifestHash, DatasetRegistry::manifestHash(files));
            QVERIFY(m_ws->blobs().verify(files[0].hash));
            hashes.insert(files[0].hash);
        }
        QCOMPARE(hashes.size(), 2);
    }

    void cliRegistersThenSaysUnchanged()
    {
        const QString cli = qEnvironmentVariable("MLDESK_CLI");
        if (cli.isEmpty())
            QSKIP("MLDESK_CLI is not set (run through ctest)");
        auto runCli = [&](const QStringList &args, QByteArray *err = nullptr) {
            QProcess p;
            p.start(cli, QStringList{QStringLiteral("--workspace"), m_ws->path()} + args);
            p.waitForFinished(60000);
            if (err)
                *err = p.readAllStandardError();
            return qMakePair(p.exitCode(), p.readAllStandardOutput());
        };
        const QStringList registerArgs =
            QStringList{QStringLiteral("dataset"), QStringLiteral("register"), QStringLiteral("fashion-mnist")} +
            fourUrls();
        QByteArray err;
        auto first =
            runCli(registerArgs + QStringList{QStringLiteral("--tag"), QStringLiteral("origin=loopback")}, &err);
        QVERIFY2(first.first == 0, err.constData());
        QVERIFY2(first.second.contains("Registered dataset 'fashion-mnist' version 1 (4 files"),
                 first.second.constData());
        QVERIFY2(err.contains("downloading train-images-idx3-ubyte"), err.constData()); // progress on stderr
        auto second = runCli(registerArgs);
        QCOMPARE(second.first, 0);
        QVERIFY2(second.second.contains("unchanged, version 1"), second.second.constData());

        auto shown = runCli({QStringLiteral("--json"), QStringLiteral("dataset"), QStringLiteral("show"),
                             QStringLiteral("fashion-mnist:1")});
        QCOMPARE(shown.first, 0);
        const QJsonObject o = QJsonDocument::fromJson(shown.second).object();
        QCOMPARE(o.value(QStringLiteral("version")).toInt(), 1);
        QCOMPARE(o.value(QStringLiteral("manifest")).toArray().size(), 4);
        QCOMPARE(o.value(QStringLiteral("tags")).toObject().value(QStringLiteral("origin")).toString(),
                 QStringLiteral("loopback"));

        const QString to = m_dir->filePath(QStringLiteral("copy"));
        QCOMPARE(runCli({QStringLiteral("dataset"), QStringLiteral("download"), QStringLiteral("fashion-mnist"),
                         QStringLiteral("--to"), to})
                     .first,
                 0);
        QCOMPARE(readAll(to + QStringLiteral("/train-images-idx3-ubyte")), m_trainImages);

        QByteArray missingErr;
        auto missing =
            runCli({QStringLiteral("dataset"), QStringLiteral("show"), QStringLiteral("fashion-mnist:3")}, &missingErr);
        QCOMPARE(missing.first, 1);
        QVERIFY2(missingErr.contains("has no version 3; versions are 1"), missingErr.constData());
    }

private:
    QStringList fourUrls() const
    {
        return {m_server.url(QStringLiteral("/train-images-idx3-ubyte")).toString(),
                m_server.url(QStringLiteral("/train-labels-idx1-ubyte")).toString(),
                m_server.url(QStringLiteral("/t10k-images-idx3-ubyte")).toString(),
                m_server.url(QStringLiteral("/t10k-labels-idx1-ubyte")).toString()};
    }
    DatasetRegistrationParams params(const QString &name, const QStringList &sources) const
    {
        DatasetRegistrationParams p;
        p.workspacePath = m_ws->path();
        p.name = name;
        p.sources = sources;
        p.http = fast();
        return p;
    }
    DatasetRegistrationResult run(const DatasetRegistrationParams &p)
    {
        std::atomic_bool cancel{false};
        return DatasetRegistrationJob::execute(p, *m_http, {}, cancel);
    }

    LoopbackHttpServer m_server;
    std::unique_ptr<HttpClient> m_http;
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<Workspace> m_ws;
    QByteArray m_trainImages, m_trainLabels, m_testImages, m_testLabels;
};

QTEST_GUILESS_MAIN(TestDatasetRegistry)
#include "TestDatasetRegistry.moc"
