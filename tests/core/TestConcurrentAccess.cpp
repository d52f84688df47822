// TestConcurrentAccess: the GUI and the CLI share one workspace. While this process writes experiments (from the
// main thread and a worker thread), waves of real mldesk-cli processes create experiments in the same store;
// afterwards every write is there and no process saw "database is locked".
#include "CoreTestSupport.h"

#include "core/experiments/ExperimentStore.h"
#include "core/store/Database.h"
#include "core/workspace/Workspace.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QProcess>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <atomic>

using namespace Qt::StringLiterals;
using namespace mldesk::core;

class TestConcurrentAccess final : public QObject {
    Q_OBJECT

private slots:
    void cliAndThisProcessWriteAtOnce()
    {
        const QString cli = qEnvironmentVariable("MLDESK_CLI");
        QVERIFY2(QFileInfo(cli).isExecutable(), "MLDESK_CLI must name the mldesk-cli binary (set by CTest)");
        QTemporaryDir dir;
        const QString path = dir.filePath(u"shared"_s);
        auto ws = Workspace::create(path, u"shared"_s);
        ExperimentStore store(ws->database());

        constexpr int kCliProcesses = 48;
        constexpr int kParallel = 8;
        QSet<QString> expected;

        // A worker thread with its own connection writes continuously too.
        std::atomic<bool> stop{false};
        std::atomic<int> workerWrites{0};
        QString workerError;
        std::unique_ptr<QThread> worker(QThread::create([&] {
            try {
                auto db = ws->database().openForThisThread();
                ExperimentStore threadStore(*db);
                while (!stop.load()) {
                    threadStore.create(u"thread-%1"_s.arg(workerWrites.load()));
                    ++workerWrites;
                    QThread::msleep(2); // a GUI writes in bursts, not in a tight loop
                }
            } catch (const std::exception &e) {
                workerError = QString::fromUtf8(e.what());
            }
        }));
        worker->start();

        std::vector<std::unique_ptr<QProcess>> running;
        QStringList failures;
        int started = 0;
        int mainWrites = 0;
        QElapsedTimer timer;
        timer.start();
        while ((started < kCliProcesses || !running.empty()) && timer.elapsed() < 120000) {
            while (started < kCliProcesses && int(running.size()) < kParallel) {
                auto p = std::make_unique<QProcess>();
                const QString name = u"cli-%1"_s.arg(started++);
                expected.insert(name);
                p->start(cli, {u"--workspace"_s, path, u"experiment"_s, u"create"_s, name});
                running.push_back(std::move(p));
            }
            // This process keeps writing (short transactions) while the children run.
            const QString name = u"main-%1"_s.arg(mainWrites++);
            store.create(name);
            expected.insert(name);
            QCoreApplication::processEvents();
            for (auto it = running.begin(); it != running.end();) {
                QProcess &p = **it;
                if (p.state() == QProcess::NotRunning || p.waitForFinished(0)) {
                    const QString err = QString::fromUtf8(p.readAllStandardError());
                    if (p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0 || !err.isEmpty())
                        failures.append(u"%1 -> exit %2: %3"_s.arg(p.arguments().constLast(),
                                                                   QString::number(p.exitCode()), err.trimmed()));
                    it = running.erase(it);
                } else {
                    ++it;
                }
            }
        }
        stop = true;
        QVERIFY(worker->wait(60000));
        QVERIFY2(running.empty(), "mldesk-cli processes did not finish within two minutes");
        QVERIFY2(failures.isEmpty(), qPrintable(failures.join(u'\n')));
        QVERIFY2(workerError.isEmpty(), qPrintable(workerError));
        for (int i = 0; i < workerWrites.load(); ++i)
            expected.insert(u"thread-%1"_s.arg(i));
        qInfo("wrote %d experiments from the main thread, %d from a worker thread, %d from mldesk-cli", mainWrites,
              workerWrites.load(), kCliProcesses);
        QVERIFY(mainWrites > 1);

        // Nothing lost: a fresh connection sees exactly what was written.
        auto reopened = Workspace::open(path);
        QSet<QString> stored;
        for (const Experiment &e : ExperimentStore(reopened->database()).list())
            stored.insert(e.name);
        QCOMPARE(stored.size(), expected.size());
        QCOMPARE(stored, expected);
    }
};

QTEST_GUILESS_MAIN(TestConcurrentAccess)
#include "TestConcurrentAccess.moc"
