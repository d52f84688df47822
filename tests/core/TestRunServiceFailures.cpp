// TestRunServiceFailures: RunService's failure edges (issue 12) with real processes - outputs that cannot be
// captured on a full disk (a real 12 MB tmpfs, as root) fail the run with the reason, an exception inside finalize
// cannot leave a run Finalizing, cancel during a (fake, endless) conda build stops the build, and closing the
// service does not wait for a preparation: it is stopped and the run queued again.
#include "RunTestSupport.h"

#include "core/environments/EnvironmentRegistry.h"
#include "core/runs/RunStore.h"
#include "core/store/Database.h"

#include <QProcess>
#include <QScopeGuard>
#include <QtTest>

#include <stdexcept>
#include <unistd.h>

using namespace Qt::StringLiterals;
using namespace mldesk::core;
using namespace mldesk::test;

class TestRunServiceFailures final : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    int m_workspaces = 0;

    std::unique_ptr<Workspace> newWorkspace(const QString &under = {})
    {
        return Workspace::create((under.isEmpty() ? m_dir.path() : under) + u"/ws%1"_s.arg(++m_workspaces),
                                 u"failures"_s);
    }

    static RunRecord waitForEnd(RunService &service, const QString &uid, int timeoutMs = 60000)
    {
        return waitForRunEnd(service, uid, timeoutMs);
    }

    // A conda stand-in that records its pid and never finishes (an endless environment build).
    QString endlessConda()
    {
        const QString tool = m_dir.filePath(u"tools/conda"_s);
        writeText(tool, u"#!/bin/sh\necho $$ > \"$0.pid\"\nexec sleep 600\n"_s);
        QFile::setPermissions(tool, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
        QFile::remove(tool + u".pid"_s);
        return tool;
    }

    static qint64 pidIn(const QString &file)
    {
        QFile f(file);
        return f.open(QIODevice::ReadOnly) ? f.readAll().trimmed().toLongLong() : 0;
    }

    RunRequest condaRequest(Workspace &ws, const QString &envName)
    {
        EnvironmentRegistry(ws.database())
            .createFromConda(envName, u"name: %1\ndependencies:\n  - python=3.11\n"_s.arg(envName));
        const QString src = m_dir.filePath(u"src-conda"_s);
        writeText(src + u"/a.py"_s, u"print('never runs')\n"_s);
        RunRequest r = scriptRequest(src, u"a.py"_s);
        r.environment = envName;
        return r;
    }

private slots:
    void initTestCase()
    {
        if (!runPartsPresent(m_dir))
            return;
    }

    // Tried in the issue: a 12 MB tmpfs workspace, a job writing a 7 MB output - it ended Completed.
    void fullDiskWhileCapturingFails()
    {
        if (::geteuid() != 0)
            QSKIP("needs root to mount a small tmpfs (run the suite as root, as CI does)");
        const QString mountPoint = m_dir.filePath(u"small-disk"_s);
        QDir().mkpath(mountPoint);
        if (QProcess::execute(u"mount"_s, {u"-t"_s, u"tmpfs"_s, u"-o"_s, u"size=12m"_s, u"tmpfs"_s, mountPoint}) != 0)
            QSKIP("cannot mount a tmpfs here (a container without CAP_SYS_ADMIN?)");
        const auto unmount = qScopeGuard([&] { QProcess::execute(u"umount"_s, {u"-l"_s, mountPoint}); });
        std::unique_ptr<Workspace> ws = newWorkspace(mountPoint);
        const QString src = m_dir.filePath(u"src-big"_s);
        writeText(src + u"/big.py"_s, u"import os\nwith open(os.path.join(os.environ['MLDESK_OUTPUTS'], 'big.bin'), "
                                      u"'wb') as f:\n    f.write(os.urandom(7 * 1024 * 1024))\nprint('wrote it')\n"_s);
        {
            RunService service(*ws);
            const RunRecord submitted = service.submit(scriptRequest(src, u"big.py"_s));
            service.start();
            const RunRecord r = waitForEnd(service, submitted.uid);
            QCOMPARE(r.state, RunState::Failed);
            QCOMPARE(r.exitCode, std::optional<int>(0)); // the job itself succeeded
            QVERIFY2(r.failureReason.startsWith(u"capturing outputs failed"_s), qPrintable(r.failureReason));
            QVERIFY2(r.failureReason.contains(u"No space left on device"_s), qPrintable(r.failureReason));
        }
        ws.reset();
    }

    void exceptionInFinalizeFailsTheRun()
    {
        std::unique_ptr<Workspace> ws = newWorkspace();
        const QString src = m_dir.filePath(u"src-ok"_s);
        writeText(src + u"/ok.py"_s, u"print('fine')\n"_s);
        RunServiceOptions options;
        options.finalizeHook = [](const QString &) {
            throw std::runtime_error("simulated: the store went away");
        };
        RunService service(*ws, options);
        const RunRecord submitted = service.submit(scriptRequest(src, u"ok.py"_s));
        service.start();
        const RunRecord r = waitForEnd(service, submitted.uid);
        QCOMPARE(r.state, RunState::Failed);
        QVERIFY2(r.failureReason.contains(u"finalizing the run failed: simulated: the store went away"_s),
                 qPrintable(r.failureReason));
        QVERIFY(r.ended.isValid());
    }

    void cancelWhilePreparingStopsTheCondaBuild()
    {
        const QString conda = endlessConda();
        qputenv("MLDESK_CONDA", conda.toUtf8());
        const auto unset = qScopeGuard([] { qunsetenv("MLDESK_CONDA"); });
        std::unique_ptr<Workspace> ws = newWorkspace();
        RunService service(*ws);
        const RunRecord submitted = service.submit(condaRequest(*ws, u"slow-env"_s));
        service.start();
        QTRY_VERIFY_WITH_TIMEOUT(pidIn(conda + u".pid"_s) > 0, 30000);
        const qint64 pid = pidIn(conda + u".pid"_s);
        QCOMPARE(service.store().get(submitted.uid).state, RunState::Preparing);
        service.cancel(submitted.uid);
        const RunRecord r = waitForEnd(service, submitted.uid);
        QCOMPARE(r.state, RunState::Canceled);
        QTRY_VERIFY_WITH_TIMEOUT(!QFileInfo::exists(u"/proc/%1"_s.arg(pid)), 20000); // the build was stopped
    }

    void closingDoesNotWaitForAPreparation()
    {
        const QString conda = endlessConda();
        qputenv("MLDESK_CONDA", conda.toUtf8());
        const auto unset = qScopeGuard([] { qunsetenv("MLDESK_CONDA"); });
        std::unique_ptr<Workspace> ws = newWorkspace();
        auto service = std::make_unique<RunService>(*ws);
        const RunRecord submitted = service->submit(condaRequest(*ws, u"slow-env2"_s));
        service->start();
        QTRY_VERIFY_WITH_TIMEOUT(pidIn(conda + u".pid"_s) > 0, 30000);
        const qint64 pid = pidIn(conda + u".pid"_s);
        service.reset(); // would wait for the (endless) build without the fix
        QVERIFY(!QFileInfo::exists(u"/proc/%1"_s.arg(pid)));
        const RunRecord r = RunStore(ws->database()).get(submitted.uid);
        QCOMPARE(r.state, RunState::Queued); // for the next MLDesk process that schedules
        QVERIFY(r.device.isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestRunServiceFailures)
#include "TestRunServiceFailures.moc"
