// A sweep whose trials run on the real Slurm test cluster (issue 16, "Done when"): `mldesk-cli sweep submit --wait`
// with trial compute = a Slurm target - every child is a Slurm job, never more than max_concurrent_trials of them
// active at once, the parent ends Completed with the best child named; each trial's script also makes a child run
// of its own (run.child_run() through the run folder in the shared folder), which ends Completed with its metric.
// Against both test clusters (Slurm 22.05 and 24.11).
#include "../core/RunTestSupport.h"
#include "core/runs/RunStore.h"
#include "core/runs/ScriptChildRuns.h"

#include "SlurmTestCluster.h"

#include <QJsonArray>
#include <QStandardPaths>
#include <QtTest>

#include <algorithm>

using namespace mldesk::core;
using namespace mldesk::test;
using namespace Qt::StringLiterals;

class TestSlurmSweep final : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir{QDir::tempPath() + u"/mldesk-slurm-sweep-XXXXXX"_s};
    QString m_cli, m_ws;

    CliResult cli(const QStringList &args, int timeoutMs = 300000) { return runCli(m_cli, m_ws, args, timeoutMs); }

private slots:
    void initTestCase()
    {
        if (!SlurmTestCluster::available())
            QSKIP(qPrintable(SlurmTestCluster::skipMessage()));
        QVERIFY(m_dir.isValid());
        m_cli = qEnvironmentVariable("MLDESK_CLI");
        QVERIFY2(QFileInfo(m_cli).isExecutable(), "MLDESK_CLI must name the mldesk-cli binary (set by CTest)");
        qputenv("PATH", "/usr/bin:/bin:" + qgetenv("PATH")); // System-Python is /usr/bin/python3 on the nodes too
        if (QStandardPaths::findExecutable(u"python3"_s).isEmpty())
            QSKIP("python3 is not installed");
        m_ws = m_dir.filePath(u"ws"_s);
        const QString shared = m_dir.filePath(u"shared"_s);
        QVERIFY(QDir().mkpath(shared));
        Workspace::create(m_ws, u"slurm-sweep"_s);
        const CliResult r =
            cli({u"compute"_s, u"create"_s, u"hpc"_s, u"--type"_s, u"slurm"_s, u"--url"_s,
                 SlurmTestCluster::url().toString(), u"--user"_s, SlurmTestCluster::user(), u"--token-env"_s,
                 u"SLURM_JWT"_s, u"--partition"_s, u"debug"_s, u"--shared-dir"_s, shared});
        QVERIFY2(r.exitCode == 0, r.err.constData());
    }

    void trialsAreSlurmJobsTwoAtATime()
    {
        writeText(m_dir.filePath(u"src/trial.py"_s),
                  u"import argparse\nfrom mldesk import Run\np = argparse.ArgumentParser()\n"
                  u"p.add_argument('--lr', type=float)\na = p.parse_args()\nrun = Run.get_context()\n"
                  u"assert run.parent is not None\n"
                  u"with run.child_run(name='inner') as inner:\n    inner.log('Loss', a.lr * 2)\n"
                  u"for i in range(2):\n    run.log('Accuracy', 1 - abs(a.lr - 0.02) * (i + 1))\n"_s);
        const QString file = m_dir.filePath(u"sweep.yml"_s);
        writeText(file, u"trial:\n  source: src\n  script: trial.py\n  experiment: slurm-sweeps\n"
                        u"  environment: System-Python\n  compute: hpc\n"
                        u"  arguments: [--lr, '${{search_space.lr}}']\n"
                        u"search_space:\n  lr: {type: choice, values: [0.1, 0.02, 0.05, 0.08]}\n"
                        u"sampling_algorithm: grid\nobjective: {primary_metric: Accuracy, goal: maximize}\n"
                        u"limits: {max_concurrent_trials: 2}\n"_s);
        const CliResult r = cli({u"sweep"_s, u"submit"_s, u"--file"_s, file, u"--wait"_s}, 540000);
        QVERIFY2(r.exitCode == 0, QByteArray(r.out + r.err).constData());
        const QString out = QString::fromUtf8(r.out);
        QVERIFY2(out.contains(u"ended Completed: 4 of 4 trials completed"_s), r.out.constData());
        const QString uid = out.section(u'\n', 0, 0).section(u": "_s, 1).trimmed();

        auto ws = Workspace::open(m_ws);
        RunStore store(ws->database());
        const RunRecord parent = store.get(uid);
        QCOMPARE(parent.state, RunState::Completed);
        const QList<RunRecord> trials = store.children(parent.id);
        QCOMPARE(trials.size(), 4);
        // Every trial ran as a Slurm job; at no moment were more than two of them active (from their histories:
        // each is active from leaving Queued to its end).
        QList<std::pair<qint64, int>> edges;
        for (const RunRecord &t : trials) {
            const RunRecord full = store.get(t.uid);
            QVERIFY2(full.state == RunState::Completed, qPrintable(full.uid + u": "_s + full.failureReason));
            QVERIFY2(full.backendJobId.toLongLong() > 0, qPrintable(full.backendJobId));
            QCOMPARE(full.computeTarget, u"hpc"_s);
            const auto left = std::find_if(full.history.cbegin(), full.history.cend(),
                                           [](const RunStateChange &c) { return c.state != RunState::Queued; });
            QVERIFY(left != full.history.cend() && full.ended.isValid());
            edges.append({left->at.toMSecsSinceEpoch(), +1});
            edges.append({full.ended.toMSecsSinceEpoch(), -1});
            // The trial's own child run, made by its script on the node.
            const QList<RunRecord> inner = store.children(full.id);
            QCOMPARE(inner.size(), 1);
            QCOMPARE(inner[0].kind, ScriptChildRuns::kind());
            QCOMPARE(inner[0].state, RunState::Completed);
            QCOMPARE(store.metrics(inner[0].id, u"Loss"_s).size(), 1);
        }
        std::sort(edges.begin(), edges.end(), [](const auto &a, const auto &b) {
            return a.first != b.first ? a.first < b.first : a.second < b.second; // an end before a start at a tie
        });
        int active = 0, most = 0;
        for (const auto &[at, delta] : edges)
            most = std::max(most, active += delta);
        QVERIFY2(most <= 2, qPrintable(QString::number(most)));

        const CliResult best = cli({u"--json"_s, u"sweep"_s, u"best"_s, uid});
        QCOMPARE(best.exitCode, 0);
        QCOMPARE(QJsonDocument::fromJson(best.out).object()[u"hyperparameters"_s].toObject(),
                 (QJsonObject{{u"lr"_s, 0.02}}));
    }
};

QTEST_GUILESS_MAIN(TestSlurmSweep)
#include "TestSlurmSweep.moc"
