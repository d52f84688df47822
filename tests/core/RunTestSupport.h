// Helpers for the run tests (header-only): a fresh workspace, small synthetic IDX data registered as a dataset,
// script folders, waiting for a run to end, and the metrics lines a job wrote.
#pragma once

#include "CoreTestSupport.h"
#include "core/datasets/DatasetRegistry.h"
#include "core/runs/LocalProcess.h"
#include "core/runs/RunService.h"
#include "core/store/BlobStore.h"
#include "core/workspace/Workspace.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRandomGenerator>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

namespace mldesk::test {

using namespace Qt::StringLiterals;

// What the run tests need before their first run: a temporary folder, mldesk-supervisor (a failure without it) and
// python3 (skipped without it). Call it first in initTestCase and return when it is false: the failure or the skip
// is recorded for initTestCase, which skips or fails the whole test.
inline bool runPartsPresent(const QTemporaryDir &dir)
{
    if (!dir.isValid()) {
        QTest::qFail("cannot make a temporary folder", __FILE__, __LINE__);
        return false;
    }
    if (core::LocalProcess::findSupervisor().isEmpty()) {
        QTest::qFail("mldesk-supervisor not found (MLDESK_SUPERVISOR)", __FILE__, __LINE__);
        return false;
    }
    if (QStandardPaths::findExecutable(u"python3"_s).isEmpty()) {
        QTest::qSkip("python3 is not installed", __FILE__, __LINE__);
        return false;
    }
    return true;
}

inline void writeIdx(const QString &path, const QList<quint32> &dims, const QByteArray &data)
{
    QByteArray bytes("\x00\x00\x08", 3);
    bytes.append(char(dims.size()));
    for (quint32 d : dims)
        for (int s = 24; s >= 0; s -= 8)
            bytes.append(char((d >> s) & 0xff));
    bytes.append(data);
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    f.write(bytes);
}

// 200 train / 100 test 28x28 images: the class lights one band of rows (learnable in an epoch or two).
inline void writeSyntheticMnist(const QString &folder)
{
    QDir().mkpath(folder);
    QRandomGenerator rng(7);
    for (const auto &[prefix, count] :
         {std::pair{QStringLiteral("train"), 200}, std::pair{QStringLiteral("t10k"), 100}}) {
        QByteArray labels, pixels;
        for (int i = 0; i < count; ++i) {
            const int label = int(rng.bounded(10));
            labels.append(char(label));
            for (int r = 0; r < 28; ++r)
                for (int c = 0; c < 28; ++c)
                    pixels.append(char(r / 3 == label ? 200 : int(rng.bounded(30))));
        }
        writeIdx(folder + u'/' + prefix + u"-images-idx3-ubyte"_s, {quint32(count), 28, 28}, pixels);
        writeIdx(folder + u'/' + prefix + u"-labels-idx1-ubyte"_s, {quint32(count)}, labels);
    }
}

// Registers every file of folder as dataset name (a new version).
inline void registerFolder(core::Workspace &ws, const QString &name, const QString &folder)
{
    QList<core::DatasetFile> files;
    for (const QString &file : QDir(folder).entryList(QDir::Files, QDir::Name)) {
        const QString path = folder + u'/' + file;
        files.append({file, QFileInfo(path).size(), ws.blobs().putFile(path), path});
    }
    core::DatasetRegistry(ws.database()).commit(name, {}, {}, files, true);
}

inline void writeText(const QString &path, const QString &text)
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    f.write(text.toUtf8());
}

// The metrics.jsonl lines of a run that parse as metric points (what the job wrote).
inline int metricLines(const QString &runDir)
{
    QFile f(runDir + u"/metrics.jsonl"_s);
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    int count = 0;
    for (const QByteArray &line : f.readAll().split('\n'))
        if (QJsonDocument::fromJson(line).object().contains(u"value"_s))
            ++count;
    return count;
}

// Polls the store until the run has ended and the service stopped following it (a condition, not a duration).
inline core::RunRecord waitForRunEnd(core::RunService &service, const QString &uid, int timeoutMs)
{
    QElapsedTimer clock;
    clock.start();
    while (clock.elapsed() < timeoutMs) {
        QTest::qWait(50);
        const core::RunRecord r = service.store().get(uid);
        if (core::isTerminal(r.state) && !service.isWatching(uid))
            return r;
    }
    return service.store().get(uid);
}

// One mldesk-cli process on a workspace: its exit code (-1 when it crashed or was killed at the timeout) and output.
struct CliResult {
    int exitCode = -1;
    QByteArray out, err;
};

inline CliResult runCli(const QString &cli, const QString &workspace, const QStringList &args, int timeoutMs)
{
    QProcess p;
    p.start(cli, QStringList{QStringLiteral("--workspace"), workspace} + args);
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished();
    }
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, p.readAllStandardOutput(),
            p.readAllStandardError()};
}

inline core::RunRequest scriptRequest(const QString &source, const QString &script, const QStringList &args = {})
{
    core::RunRequest r;
    r.experiment = u"tests"_s;
    r.sourceFolder = source;
    r.script = script;
    r.arguments = args;
    r.environment = u"System-Python"_s;
    return r;
}

} // namespace mldesk::test
