// TestScriptChildRuns: child runs made by a script (issue 16 item 5) - real python3 scripts run through RunService
// use run.create_children / child_run / child.log / complete / fail / get_children / parent (the mldesk run context
// and the azureml.core shim); the children appear in the store under their parent, Running while the script runs,
// with their metrics, and end as the script said or with their parent.
#include "RunTestSupport.h"

#include "core/runs/RunStore.h"
#include "core/runs/ScriptChildRuns.h"

#include <QtTest>

using namespace Qt::StringLiterals;
using namespace mldesk::core;
using namespace mldesk::test;

class TestScriptChildRuns final : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    std::unique_ptr<Workspace> m_ws;

    // Python lines that wait (up to a minute) for the file the script's first argument names: the test writes it
    // once it has seen what it waits for.
    static QString waitForArgumentFile()
    {
        return u"import os, sys, time\nfor _ in range(1200):\n    if os.path.exists(sys.argv[1]):\n        break\n"
               u"    time.sleep(0.05)\n"_s;
    }

    QList<RunRecord> children(RunService &service, const QString &parentUid)
    {
        return service.store().children(service.store().get(parentUid).id);
    }

private slots:
    void initTestCase()
    {
        if (!runPartsPresent(m_dir))
            return;
        m_ws = Workspace::create(m_dir.filePath(u"ws"_s), u"runs"_s);
    }

    void childrenMadeByTheRunContext()
    {
        const QString src = m_dir.filePath(u"children"_s);
        const QString go = m_dir.filePath(u"go"_s);
        // The script makes three children, logs to them, ends two, then waits (for the test to have seen them
        // Running) and leaves the third open: it ends with its parent.
        writeText(src + u"/train.py"_s,
                  u"from mldesk import Run\n"
                  u"run = Run.get_context()\n"
                  u"assert run.parent is None, run.parent\n"
                  u"good, bad = run.create_children(count=2, tag_key='lr', tag_values=[0.1, 0.5])\n"
                  u"open_one = run.child_run(name='left open')\n"
                  u"for i in range(3):\n"
                  u"    good.log('Accuracy', 0.5 + 0.1 * i)\n"
                  u"bad.log('Accuracy', 0.1)\n"
                  u"open_one.log('Loss', 2.0)\n"
                  u"good.upload_file('note.txt', __file__)\n"
                  u"assert good.parent is run and good.id == run.id + '_0', good.id\n"
                  u"assert [c.id for c in run.get_children()] == [run.id + '_0', run.id + '_1', run.id + '_2']\n"
                  u"print('waiting', flush=True)\n"_s +
                      waitForArgumentFile() +
                      u"good.complete()\n"
                      u"bad.fail(error_details='diverged')\n"
                      u"assert [c.id for c in run.get_children(status='Failed')] == [bad.id]\n"
                      u"print('children done', flush=True)\n"_s);
        RunService service(*m_ws);
        const RunRecord submitted = service.submit(scriptRequest(src, u"train.py"_s, {go}));
        service.start();

        // While the parent runs: three children, Running, with their metrics stored.
        QTRY_COMPARE_WITH_TIMEOUT(children(service, submitted.uid).size(), 3, 40000);
        QTRY_VERIFY_WITH_TIMEOUT(service.store().metrics(children(service, submitted.uid)[0].id).size() == 3, 20000);
        QTRY_VERIFY_WITH_TIMEOUT(service.store().metrics(children(service, submitted.uid)[2].id).size() == 1, 20000);
        for (const RunRecord &c : children(service, submitted.uid)) {
            QCOMPARE(c.state, RunState::Running);
            QCOMPARE(c.parentUid, submitted.uid);
            QCOMPARE(c.kind, ScriptChildRuns::kind());
        }
        QCOMPARE(service.store().get(submitted.uid).state, RunState::Running);
        writeText(go, u"go"_s);

        const RunRecord parent = waitForRunEnd(service, submitted.uid, 60000);
        QVERIFY2(parent.state == RunState::Completed, qPrintable(parent.failureReason));
        const QList<RunRecord> kids = children(service, submitted.uid);
        QCOMPARE(kids.size(), 3);
        const RunRecord good = service.store().get(kids[0].uid);
        QCOMPARE(good.uid, submitted.uid + u"_0"_s);
        QCOMPARE(good.state, RunState::Completed);
        QCOMPARE(good.tags.value(u"lr"_s), u"0.1"_s);
        QCOMPARE(service.store().metrics(good.id, u"Accuracy"_s).constLast().value, 0.7);
        QVERIFY(good.started.isValid() && good.ended.isValid());
        bool uploaded = false;
        for (const RunFileEntry &f : good.outputs)
            uploaded = uploaded || f.path == u"outputs/note.txt"_s;
        QVERIFY(uploaded);
        const RunRecord bad = service.store().get(kids[1].uid);
        QCOMPARE(bad.state, RunState::Failed);
        QCOMPARE(bad.failureReason, u"diverged"_s);
        QCOMPARE(service.store().metrics(bad.id, u"Accuracy"_s).size(), 1);
        const RunRecord open = service.store().get(kids[2].uid);
        QCOMPARE(open.displayName, u"left open"_s);
        QCOMPARE(open.state, RunState::Completed);
        QVERIFY2(open.note.contains(u"ended with its parent "_s + submitted.uid + u" (Completed)"_s),
                 qPrintable(open.note));
        // Children are not jobs: the run service never watched them.
        for (const RunRecord &c : kids)
            QVERIFY(!service.isWatching(c.uid));
        QVERIFY(service.store().active().isEmpty());
    }

    void azuremlShimChildrenEndWithAFailedParent()
    {
        const QString src = m_dir.filePath(u"azure"_s);
        writeText(src + u"/score.py"_s,
                  u"import sys\n"
                  u"from azureml.core import Run\n"
                  u"run = Run.get_context()\n"
                  u"assert run.parent is None\n"
                  u"with run.child_run(name='ok') as child:\n"
                  u"    child.log('Accuracy', 0.9)\n"
                  u"    assert child.parent.id == run.id\n"
                  u"left = run.child_run(name='open')\n"
                  u"left.log('Accuracy', 0.2)\n"
                  u"assert [c.get_status() for c in run.get_children()] == ['Completed', 'Running']\n"
                  u"print('failing now', flush=True)\n"
                  u"sys.exit(2)\n"_s);
        RunService service(*m_ws);
        const RunRecord submitted = service.submit(scriptRequest(src, u"score.py"_s));
        service.start();
        const RunRecord parent = waitForRunEnd(service, submitted.uid, 60000);
        QCOMPARE(parent.state, RunState::Failed);
        QVERIFY2(parent.failureReason.contains(u"exited with code 2"_s), qPrintable(parent.failureReason));
        const QList<RunRecord> kids = children(service, submitted.uid);
        QCOMPARE(kids.size(), 2);
        QCOMPARE(kids[0].state, RunState::Completed);
        QCOMPARE(service.store().metrics(kids[0].id, u"Accuracy"_s).constFirst().value, 0.9);
        QCOMPARE(kids[1].state, RunState::Failed);
        QCOMPARE(service.store().metrics(kids[1].id, u"Accuracy"_s).size(), 1);
        QVERIFY2(kids[1].note.contains(u"ended with its parent "_s + submitted.uid + u" (Failed)"_s),
                 qPrintable(kids[1].note));
        QVERIFY2(kids[1].failureReason.contains(u"exited with code 2"_s), qPrintable(kids[1].failureReason));
    }

    void cancelingAChildEndsItCanceled()
    {
        const QString src = m_dir.filePath(u"cancel"_s);
        const QString go = m_dir.filePath(u"go-cancel"_s);
        writeText(src + u"/train.py"_s,
                  u"from mldesk import Run\nchild = Run.get_context().child_run()\n"_s + waitForArgumentFile());
        RunService service(*m_ws);
        const RunRecord submitted = service.submit(scriptRequest(src, u"train.py"_s, {go}));
        service.start();
        QTRY_COMPARE_WITH_TIMEOUT(children(service, submitted.uid).size(), 1, 40000);
        const QString child = children(service, submitted.uid).constFirst().uid;
        QTRY_COMPARE_WITH_TIMEOUT(service.store().get(child).state, RunState::Running, 20000);
        service.cancel(child);
        QTRY_COMPARE_WITH_TIMEOUT(service.store().get(child).state, RunState::Canceled, 20000);
        writeText(go, u"go"_s);
        QCOMPARE(waitForRunEnd(service, submitted.uid, 60000).state, RunState::Completed);
        QCOMPARE(service.store().get(child).state, RunState::Canceled);
    }
};

QTEST_GUILESS_MAIN(TestScriptChildRuns)
#include "TestScriptChildRuns.moc"
