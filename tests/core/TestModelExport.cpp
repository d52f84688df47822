// Tests of the Keras .zip export (issue 6) and the ZIP writer under it: an independent unzip (Info-ZIP `unzip` or
// Python's zipfile) extracts the same bytes and finds every CRC right; metadata and lineage in mldesk-model.json;
// non-Keras models, damaged blobs and existing archives are refused without leaving a file.
#include "ModelTestSupport.h"
#include "core/models/ModelExport.h"
#include "core/models/ModelLineage.h"
#include "core/models/ModelRegistry.h"
#include "core/models/ZipWriter.h"
#include "core/workspace/WorkspaceError.h"

#include <QBuffer>
#include <QProcess>
#include <QSignalSpy>
#include <QStandardPaths>
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

// Extracts zip into folder with a tool that is not ours, after testing every entry's CRC. Empty on success,
// else what went wrong; "skip" when neither unzip nor python3 is installed.
QString unzipWithAnotherTool(const QString &zip, const QString &folder)
{
    QProcess p;
    const QString unzip = QStandardPaths::findExecutable(u"unzip"_s);
    const QString python = QStandardPaths::findExecutable(u"python3"_s);
    if (!unzip.isEmpty()) {
        p.start(unzip, {u"-t"_s, u"-q"_s, zip});
        if (!p.waitForFinished(30000) || p.exitCode() != 0)
            return u"unzip -t: "_s + QString::fromUtf8(p.readAll());
        p.start(unzip, {u"-q"_s, u"-o"_s, zip, u"-d"_s, folder});
    } else if (!python.isEmpty()) {
        p.start(python, {u"-c"_s,
                         u"import sys, zipfile\n"
                         u"z = zipfile.ZipFile(sys.argv[1])\n"
                         u"bad = z.testzip()\n"
                         u"assert bad is None, 'bad CRC in ' + bad\n"
                         u"z.extractall(sys.argv[2])\n"_s,
                         zip, folder});
    } else {
        return u"skip"_s;
    }
    if (!p.waitForFinished(30000) || p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0)
        return QString::fromUtf8(p.readAllStandardError() + p.readAllStandardOutput());
    return {};
}

} // namespace

class TestModelExport final : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { qRegisterMetaType<ModelExportResult>(); }

    void zipWriterRoundTrip_data()
    {
        QTest::addColumn<bool>("deflate");
        QTest::newRow("stored") << false;
        QTest::newRow("deflated") << true;
    }

    void zipWriterRoundTrip()
    {
        QFETCH(bool, deflate);
        QTemporaryDir dir;
        const QString zip = dir.filePath(u"t.zip"_s);
        const QByteArray random = fakeWeights(3 * 1024 * 1024 + 5, 4); // incompressible, several chunks
        const QByteArray text = QByteArray("the same line again\n").repeated(50000);
        const auto method = deflate ? ZipWriter::Method::Deflated : ZipWriter::Method::Stored;
        {
            ZipWriter w(zip);
            w.addBytes(u"random.bin"_s, random, method);
            w.addBytes(u"folder/text.txt"_s, text, method);
            w.addBytes(u"empty"_s, QByteArray(), method);
            w.addBytes(u"naïve-ünïcode.txt"_s, "u", method);
            QVERIFY(!QFileInfo::exists(zip)); // appears only when finished
            w.finish();
        }
        if (deflate)
            QVERIFY(QFileInfo(zip).size() < random.size() + text.size() / 10);
        const QString out = dir.filePath(u"x"_s);
        QDir().mkpath(out);
        const QString problem = unzipWithAnotherTool(zip, out);
        if (problem == u"skip"_s)
            QSKIP("neither unzip nor python3 is installed");
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        QCOMPARE(readAll(out + u"/random.bin"_s), random);
        QCOMPARE(readAll(out + u"/folder/text.txt"_s), text);
        QCOMPARE(QFileInfo(out + u"/empty"_s).size(), qint64(0));
        QVERIFY(QFileInfo::exists(out + u"/naïve-ünïcode.txt"_s));
    }

    void zipWriterRefusesBadNamesAndLeavesNothingUnfinished()
    {
        QTemporaryDir dir;
        const QString zip = dir.filePath(u"t.zip"_s);
        {
            ZipWriter w(zip);
            QVERIFY(errorOf([&] { w.addBytes(u"../x"_s, "a"); }).contains(u"not a valid name"_s));
            QVERIFY(errorOf([&] { w.addBytes(u"/x"_s, "a"); }).contains(u"not a valid name"_s));
            w.addBytes(u"a"_s, "a");
            QVERIFY(errorOf([&] { w.addBytes(u"a"_s, "b"); }).contains(u"already has an entry"_s));
        } // destroyed without finish()
        QVERIFY(!QFileInfo::exists(zip));
        QCOMPARE(listFiles(dir.path()), QStringList());
    }

    void exportRoundTrip()
    {
        TestWorkspace t;
        TestWorkspace::Run run = t.kerasRun(u"run-1"_s);
        run.datasetVersions = {t.datasetVersion(u"fashion-mnist"_s, 1)};
        run.environmentVersion = t.environmentVersion(u"MLDesk-Native"_s, 1);
        t.run(run);
        ModelRegistry registry(t.db(), t.blobs());
        const ModelVersion v = registry.registerFromRun(
            {u"keras-mnist"_s, u"first"_s, {{u"stage"_s, u"dev"_s}}, {}, {}, u"run-1"_s, u"outputs/model"_s});
        ModelExportParams params{t.blobs().root(), v, ModelLineage(t.db()).of(v), t.dir.filePath(u"e/k.zip"_s), false};
        QList<qint64> progress;
        const ModelExportResult result =
            ModelExport::execute(params, [&](qint64 done, qint64) { progress.append(done); });
        QCOMPARE(result.entries, (QStringList{u"model.json"_s, u"model.h5"_s, u"mldesk-model.json"_s}));
        QCOMPARE(result.bytes, QFileInfo(params.zipPath).size());
        QCOMPARE(progress.last(), v.totalBytes());

        const QString out = t.dir.filePath(u"unzipped"_s);
        QDir().mkpath(out);
        const QString problem = unzipWithAnotherTool(params.zipPath, out);
        if (problem == u"skip"_s)
            QSKIP("neither unzip nor python3 is installed");
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        QCOMPARE(listFiles(out), (QStringList{u"mldesk-model.json"_s, u"model.h5"_s, u"model.json"_s}));
        QCOMPARE(readAll(out + u"/model.json"_s), kerasModelJson());
        QCOMPARE(readAll(out + u"/model.h5"_s), fakeWeights(5000, 1));
        const QJsonObject meta = QJsonDocument::fromJson(readAll(out + u"/mldesk-model.json"_s)).object();
        QCOMPARE(meta.value(u"id"_s).toString(), u"keras-mnist:1"_s);
        QCOMPARE(meta.value(u"framework"_s).toString(), u"Keras"_s);
        QCOMPARE(meta.value(u"description"_s).toString(), u"first"_s);
        QCOMPARE(meta.value(u"tags"_s).toObject().value(u"stage"_s).toString(), u"dev"_s);
        QCOMPARE(meta.value(u"files"_s).toArray().size(), 2);
        const QJsonObject lineage = meta.value(u"lineage"_s).toObject();
        QCOMPARE(lineage.value(u"run"_s).toString(), u"run-1"_s);
        QCOMPARE(lineage.value(u"experiment"_s).toString(), u"keras-mnist"_s);
        QCOMPARE(lineage.value(u"environment"_s).toString(), u"MLDesk-Native:1"_s);
        QCOMPARE(lineage.value(u"datasets"_s).toArray().first().toString(), u"fashion-mnist:1"_s);
        QCOMPARE(lineage.value(u"metrics"_s).toObject().value(u"Accuracy"_s).toDouble(), 0.8812);

        // Exporting again: refused without overwrite, the same archive with it (entries stamped with the version's
        // time).
        const QByteArray first = readAll(params.zipPath);
        QVERIFY(errorOf([&] { ModelExport::execute(params); }).contains(u"--overwrite"_s));
        params.overwrite = true;
        ModelExport::execute(params);
        QCOMPARE(readAll(params.zipPath), first);
    }

    void refusesNonKerasAndDamagedBlobs()
    {
        TestWorkspace t;
        ModelRegistry registry(t.db(), t.blobs());
        const QString file = t.dir.filePath(u"w.bin"_s);
        writeAll(file, "weights");
        const ModelVersion custom = registry.registerFiles({u"c"_s, {}, {}, {}, {file}, {}, {}});
        const QString zip = t.dir.filePath(u"c.zip"_s);
        QVERIFY(errorOf([&] {
                    ModelExport::execute({t.blobs().root(), custom, {}, zip, false});
                }).contains(u"is a Custom model"_s));
        QVERIFY(!QFileInfo::exists(zip));

        const ModelVersion keras =
            registry.registerFiles({u"k"_s, {}, {}, {}, {writeModelFolder(t.dir.filePath(u"m"_s), 200000)}, {}, {}});
        const QString blob = t.blobs().pathFor(keras.files[0].hash); // model.h5
        QFile::setPermissions(blob, QFileDevice::ReadOwner | QFileDevice::WriteOwner);
        QByteArray bytes = readAll(blob);
        bytes[100000] = char(bytes[100000] ^ 1);
        QVERIFY(writeAll(blob, bytes));
        ModelExportJob job({t.blobs().root(), keras, {}, zip, false});
        QSignalSpy failed(&job, &ModelExportJob::failed);
        job.start();
        QTRY_COMPARE_WITH_TIMEOUT(failed.size(), 1, 20000);
        const QString message = failed.first().first().toString();
        QVERIFY2(message.contains(u"'model.h5' of model k:1 failed verification"_s), qPrintable(message));
        QVERIFY(!QFileInfo::exists(zip));
        QCOMPARE(listFiles(t.dir.path()).filter(u".zip"_s), QStringList());
    }

    void jobSucceeds()
    {
        TestWorkspace t;
        ModelRegistry registry(t.db(), t.blobs());
        const ModelVersion v =
            registry.registerFiles({u"k"_s, {}, {}, {}, {writeModelFolder(t.dir.filePath(u"m"_s))}, {}, {}});
        ModelExportJob job({t.blobs().root(), v, {}, t.dir.filePath(u"k.zip"_s), false});
        QSignalSpy succeeded(&job, &ModelExportJob::succeeded);
        QSignalSpy progress(&job, &ModelExportJob::progress);
        job.start();
        QTRY_COMPARE_WITH_TIMEOUT(succeeded.size(), 1, 20000);
        QVERIFY(progress.size() >= 1);
        QCOMPARE(succeeded.first().first().value<ModelExportResult>().zipPath, t.dir.filePath(u"k.zip"_s));
    }
};

QTEST_GUILESS_MAIN(TestModelExport)
#include "TestModelExport.moc"
