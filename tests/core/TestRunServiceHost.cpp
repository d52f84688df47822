// TestRunServiceHost: the GUI's run service on its own thread (issue 12) - a real Python run submitted through the
// facade completes; the submission (snapshot) runs on the service's thread and its result, points, state changes and
// log come back as queued signals on the caller's thread, every point once and in order; a refused submission comes
// back as submitFailed with core's message; a cancel of an unknown run comes back as warning().
#include "RunTestSupport.h"

#include "core/runs/RunServiceHost.h"

#include <QSignalSpy>
#include <QThread>
#include <QtTest>

using namespace Qt::StringLiterals;
using namespace mldesk::core;
using namespace mldesk::test;

class TestRunServiceHost final : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    std::unique_ptr<Workspace> m_ws;

private slots:
    void initTestCase()
    {
        if (!runPartsPresent(m_dir))
            return;
        m_ws = Workspace::create(m_dir.filePath(u"ws"_s), u"host"_s);
    }

    void runCompletesWithSignalsOnTheCallersThread()
    {
        const QString src = m_dir.filePath(u"py"_s);
        writeText(src + u"/count.py"_s, u"from mldesk import Run\nr = Run.get_context()\n"
                                        u"for i in range(300):\n    r.log('n', i)\nprint('counted')\n"_s);
        RunServiceHost host(*m_ws);
        QList<double> values;
        bool allOnThisThread = true;
        RunState last = RunState::Queued;
        QString log;
        connect(&host, &RunServiceHost::metricsAppended, this, [&](const QString &, const QList<MetricPoint> &p) {
            allOnThisThread = allOnThisThread && QThread::currentThread() == thread();
            for (const MetricPoint &point : p)
                values.append(point.value);
        });
        connect(&host, &RunServiceHost::runStateChanged, this, [&](const RunRecord &r) {
            allOnThisThread = allOnThisThread && QThread::currentThread() == thread();
            last = r.state;
        });
        connect(&host, &RunServiceHost::logAppended, this, [&](const QString &, const QString &text) { log += text; });
        QSignalSpy finished(&host, &RunServiceHost::submitFinished);
        QThread *submittedOn = nullptr;
        connect(&host, &RunServiceHost::submitFinished, this,
                [&](quint64, const RunRecord &) { submittedOn = QThread::currentThread(); });
        const quint64 ticket = host.submit(scriptRequest(src, u"count.py"_s));
        host.start();
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 60000);
        QCOMPARE(finished.at(0).at(0).toULongLong(), ticket);
        // The spy records on the emitting (host) thread; the lambda's queued call reaches this thread after it.
        QTRY_VERIFY_WITH_TIMEOUT(submittedOn != nullptr, 60000);
        QCOMPARE(submittedOn, thread());
        const RunRecord run = finished.at(0).at(1).value<RunRecord>();
        QCOMPARE(run.state, RunState::Queued);
        QTRY_VERIFY_WITH_TIMEOUT(isTerminal(last) && !host.isWatching(run.uid), 60000);
        QCOMPARE(last, RunState::Completed);
        QVERIFY(allOnThisThread);
        QList<double> expected;
        for (int i = 0; i < 300; ++i)
            expected.append(i);
        QCOMPARE(values, expected);
        QVERIFY(log.contains(u"counted"_s));
        QCOMPARE(host.store().metricCount(run.id), qint64(300));
    }

    void refusedSubmissionComesBackWithTheReason()
    {
        RunServiceHost host(*m_ws);
        QSignalSpy failed(&host, &RunServiceHost::submitFailed);
        QSignalSpy finished(&host, &RunServiceHost::submitFinished);
        const quint64 ticket = host.submit(scriptRequest(m_dir.filePath(u"no-such-folder"_s), u"x.py"_s));
        QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, 60000);
        QCOMPARE(failed.at(0).at(0).toULongLong(), ticket);
        QVERIFY2(failed.at(0).at(1).toString().contains(u"no-such-folder"_s),
                 qPrintable(failed.at(0).at(1).toString()));
        QCOMPARE(finished.count(), 0);
    }

    // Cancel reads nothing on the caller's (the GUI's) thread: an unknown run is refused on the service's thread and
    // the refusal comes back as warning(), on this thread.
    void cancelOfAnUnknownRunComesBackAsAWarning()
    {
        RunServiceHost host(*m_ws);
        QThread *warnedOn = nullptr;
        QString message;
        connect(&host, &RunServiceHost::warning, this, [&](const QString &text) {
            warnedOn = QThread::currentThread();
            message = text;
        });
        host.cancel(u"no-such-run"_s);
        QTRY_VERIFY_WITH_TIMEOUT(warnedOn != nullptr, 60000);
        QCOMPARE(warnedOn, thread());
        QVERIFY2(message.contains(u"no-such-run"_s), qPrintable(message));
    }
};

QTEST_GUILESS_MAIN(TestRunServiceHost)
#include "TestRunServiceHost.moc"
