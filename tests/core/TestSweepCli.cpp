// TestSweepCli: the `sweep` commands of the real mldesk-cli ($MLDESK_CLI) - submit --wait streams one line per
// trial start and end and exits like `run submit --wait`; show/best --json; `run list --parent`; a bad file names
// its line and records nothing; cancel; and kill -9 of the sweep agent mid-sweep: a new agent carries on, and no
// trial is launched twice (issue 16).
#include "RunTestSupport.h"

#include "core/runs/RunStore.h"

#include <QJsonArray>
#include <QProcess>
#include <QStandardPaths>
#include <QtTest>

#include <csignal>

using namespace Qt::StringLiterals;
using namespace mldesk::core;
using namespace mldesk::test;

class TestSweepCli final : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString m_cli = qEnvironmentVariable("MLDESK_CLI");
    QString m_ws;

    using Result = CliResult;

    Result cli(const QStringList &args, int timeoutMs = 240000) { return runCli(m_cli, m_ws, args, timeoutMs); }

    QString writeSweep(const QString &name, const QString &body)
    {
        const QString path = m_dir.filePath(name);
        writeText(path, u"trial:\n  source: src\n  script: trial.py\n  experiment: cli-sweeps\n"
                        u"  environment: System-Python\n"_s +
                            body);
        return path;
    }

    QList<RunRecord> children(const QString &uid)
    {
        auto ws = Workspace::open(m_ws);
        RunStore store(ws->database());
        return store.children(store.get(uid).id);
    }

    RunRecord record(const QString &uid)
    {
        auto ws = Workspace::open(m_ws);
        return RunStore(ws->database()).get(uid);
    }

private slots:
    void initTestCase()
    {
        QVERIFY2(QFileInfo(m_cli).isExecutable(), "MLDESK_CLI is not set to mldesk-cli");
        if (QStandardPaths::findExecutable(u"python3"_s).isEmpty())
            QSKIP("python3 is not installed");
        m_ws = m_dir.filePath(u"ws"_s);
        Workspace::create(m_ws, u"cli"_s);
        writeText(m_dir.filePath(u"src/trial.py"_s),
                  u"import argparse, time\nfrom mldesk import Run\np = argparse.ArgumentParser()\n"
                  u"p.add_argument('--lr', type=float)\np.add_argument('--pause', type=float, default=0)\n"
                  u"a = p.parse_args()\nrun = Run.get_context()\n"
                  u"for i in range(3):\n    run.log('Accuracy', 1 - abs(a.lr - 0.01) * (i + 1))\n"
                  u"    time.sleep(a.pause)\n"_s);
    }

    void submitWaitShowBest()
    {
        const QString file = writeSweep(
            u"grid.yml"_s, u"  arguments: [--lr, '${{search_space.lr}}']\n"
                           u"search_space:\n  lr: {type: choice, values: [0.1, 0.01, 0.05]}\n"
                           u"sampling_algorithm: grid\nobjective: {primary_metric: Accuracy, goal: maximize}\n"
                           u"limits: {max_concurrent_trials: 2}\n"_s);
        const Result r = cli({u"sweep"_s, u"submit"_s, u"--file"_s, file, u"--wait"_s});
        QVERIFY2(r.exitCode == 0, QByteArray(r.out + r.err).constData());
        const QString out = QString::fromUtf8(r.out);
        QVERIFY2(out.startsWith(u"SweepId: sweep_cli-sweeps_"_s), r.out.constData());
        const QString uid = out.section(u'\n', 0, 0).mid(9);
        QCOMPARE(out.count(u"[sweep] trial "_s), 6); // 3 starts, 3 ends
        QVERIFY2(out.contains(u"[sweep] trial 1 "_s) && out.contains(u" ended Completed: Accuracy = 1"_s),
                 r.out.constData());
        QVERIFY2(out.contains(u"ended Completed: 3 of 3 trials completed"_s), r.out.constData());

        const Result best = cli({u"--json"_s, u"sweep"_s, u"best"_s, uid});
        QCOMPARE(best.exitCode, 0);
        const QJsonObject b = QJsonDocument::fromJson(best.out).object();
        QCOMPARE(b[u"trial"_s].toInt(), 1);
        QCOMPARE(b[u"hyperparameters"_s].toObject(), (QJsonObject{{u"lr"_s, 0.01}}));
        QCOMPARE(b[u"value"_s].toDouble(), 1.0);
        QCOMPARE(b[u"run_id"_s].toString(), children(uid).at(1).uid);

        const Result show = cli({u"--json"_s, u"sweep"_s, u"show"_s, uid});
        QCOMPARE(show.exitCode, 0);
        const QJsonObject s = QJsonDocument::fromJson(show.out).object();
        QCOMPARE(s[u"state"_s].toString(), u"Completed"_s);
        QCOMPARE(s[u"children"_s].toArray().size(), 3);
        QCOMPARE(s[u"children"_s].toArray().at(1).toObject()[u"best"_s].toBool(), true);
        QCOMPARE(s[u"best_run_id"_s].toString(), b[u"run_id"_s].toString());

        const Result list = cli({u"--json"_s, u"run"_s, u"list"_s, u"--parent"_s, uid});
        QCOMPARE(list.exitCode, 0);
        const QJsonArray rows = QJsonDocument::fromJson(list.out).array();
        QCOMPARE(rows.size(), 3);
        for (const QJsonValue &row : rows)
            QCOMPARE(row[u"parent"_s].toString(), uid);
        const QJsonArray all = QJsonDocument::fromJson(cli({u"--json"_s, u"run"_s, u"list"_s}).out).array();
        QVERIFY(std::any_of(all.begin(), all.end(), [&](const QJsonValue &row) {
            return row[u"run_id"_s].toString() == uid && row[u"kind"_s].toString() == u"sweep"_s;
        }));
    }

    // The "done when": the seed's HyperDrive preset shrunk to 2 epochs, 6 trials, 2 at a time, with the
    // built-in trainer on a small synthetic MNIST; the best child's model registers.
    void hyperDrivePresetCompletesAndTheBestModelRegisters()
    {
        writeSyntheticMnist(m_dir.filePath(u"data"_s));
        {
            auto ws = Workspace::open(m_ws);
            registerFolder(*ws, u"synth"_s, m_dir.filePath(u"data"_s));
        }
        const Result preset = cli({u"sweep"_s, u"preset"_s, u"--dataset"_s, u"synth"_s, u"--epochs"_s, u"2"_s,
                                   u"--trials"_s, u"6"_s, u"--concurrent"_s, u"2"_s});
        QCOMPARE(preset.exitCode, 0);
        const QString file = m_dir.filePath(u"preset.yml"_s);
        writeText(file, QString::fromUtf8(preset.out));
        const Result r = cli({u"sweep"_s, u"submit"_s, u"--file"_s, file, u"--wait"_s}, 900000);
        QVERIFY2(r.exitCode == 0, QByteArray(r.out + r.err).constData());
        const QString out = QString::fromUtf8(r.out);
        QCOMPARE(out.count(u"[sweep] trial "_s), 12);
        const QString uid = out.section(u'\n', 0, 0).mid(9);
        QCOMPARE(children(uid).size(), 6);
        const Result best = cli({u"--json"_s, u"sweep"_s, u"best"_s, uid});
        QVERIFY2(best.exitCode == 0, best.err.constData());
        const QString bestId = QJsonDocument::fromJson(best.out).object()[u"run_id"_s].toString();
        const Result reg =
            cli({u"model"_s, u"register"_s, u"hyperdrive-best"_s, u"--run"_s, bestId, u"--path"_s, u"outputs/model"_s});
        QVERIFY2(reg.exitCode == 0, reg.err.constData());
        QVERIFY2(reg.out.contains("hyperdrive-best:1"), reg.out.constData());
    }

    void badFileNamesItsLineAndRecordsNothing()
    {
        const QString file = writeSweep(u"bad.yml"_s, u"  arguments: [--lr, '${{search_space.rate}}']\n"
                                                      u"search_space:\n  lr: {type: uniform, min_value: 2, "
                                                      u"max_value: 1}\n"
                                                      u"sampling_algorithm: random\n"
                                                      u"objective: {primary_metric: Accuracy, goal: maximize}\n"_s);
        const int before = int(QJsonDocument::fromJson(cli({u"--json"_s, u"run"_s, u"list"_s}).out).array().size());
        const Result r = cli({u"sweep"_s, u"submit"_s, u"--file"_s, file});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains("bad.yml: line 8: parameter 'lr' (uniform): min_value 2 is greater than max_value 1"),
                 r.err.constData());
        QCOMPARE(int(QJsonDocument::fromJson(cli({u"--json"_s, u"run"_s, u"list"_s}).out).array().size()), before);
        const Result zero = cli({u"sweep"_s, u"submit"_s, u"--file"_s,
                                 writeSweep(u"zero.yml"_s, u"  arguments: [--lr, '${{search_space.lr}}']\n"
                                                           u"search_space:\n  lr: {type: choice, values: [1]}\n"
                                                           u"sampling_algorithm: grid\n"
                                                           u"objective: {primary_metric: Accuracy, goal: maximize}\n"
                                                           u"limits: {max_concurrent_trials: 0}\n"_s)});
        QCOMPARE(zero.exitCode, 1);
        QVERIFY2(zero.err.contains("line 11: max_concurrent_trials must be at least 1, got 0"), zero.err.constData());
    }

    // Issue 12 item 1: the trials take the sweep's priority; --priority overrides the file's queue_settings, and a
    // bad one is refused before anything is recorded.
    void trialsTakeTheSweepsPriority()
    {
        const QString file = writeSweep(
            u"prio.yml"_s, u"  arguments: [--lr, '${{search_space.lr}}']\n"
                           u"search_space:\n  lr: {type: choice, values: [0.1, 0.01]}\n"
                           u"sampling_algorithm: grid\nobjective: {primary_metric: Accuracy, goal: maximize}\n"
                           u"queue_settings: {priority: low}\n"_s);
        const int before = int(QJsonDocument::fromJson(cli({u"--json"_s, u"run"_s, u"list"_s}).out).array().size());
        const Result bad = cli({u"sweep"_s, u"submit"_s, u"--file"_s, file, u"--priority"_s, u"soon"_s});
        QCOMPARE(bad.exitCode, 1);
        QVERIFY2(bad.err.contains("priority 'soon' is not a whole number"), bad.err.constData());
        QCOMPARE(int(QJsonDocument::fromJson(cli({u"--json"_s, u"run"_s, u"list"_s}).out).array().size()), before);

        const Result r = cli({u"sweep"_s, u"submit"_s, u"--file"_s, file, u"--priority"_s, u"750"_s, u"--wait"_s});
        QVERIFY2(r.exitCode == 0, QByteArray(r.out + r.err).constData());
        const QString uid = QString::fromUtf8(r.out).section(u'\n', 0, 0).mid(9);
        QCOMPARE(record(uid).priority, 750);
        const QList<RunRecord> trials = children(uid);
        QCOMPARE(trials.size(), 2);
        for (const RunRecord &trial : trials)
            QCOMPARE(trial.priority, 750);
        const QJsonObject show = QJsonDocument::fromJson(cli({u"--json"_s, u"sweep"_s, u"show"_s, uid}).out).object();
        QCOMPARE(show[u"priority"_s].toInt(), 750);
    }

    void agentKilledMidSweepCarriesOnWithoutRepeats()
    {
        const QString file =
            writeSweep(u"random.yml"_s, u"  arguments: [--lr, '${{search_space.lr}}', --pause, '0.3']\n"
                                        u"search_space:\n  lr: {type: loguniform, min_value: -6, max_value: -1}\n"
                                        u"sampling_algorithm: {type: random, seed: 11}\n"
                                        u"objective: {primary_metric: Accuracy, goal: maximize}\n"
                                        u"limits: {max_total_trials: 4, max_concurrent_trials: 1}\n"_s);
        const Result r = cli({u"sweep"_s, u"submit"_s, u"--file"_s, file});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QString uid = QString::fromUtf8(r.out).trimmed();
        QTRY_VERIFY_WITH_TIMEOUT(!children(uid).isEmpty(), 120000);
        // kill -9 the agent (its pid is the first line of its lock file).
        QFile lock(m_ws + u"/runs/.sweep-agent.lock"_s);
        QTRY_VERIFY_WITH_TIMEOUT(lock.exists() && lock.size() > 0, 30000);
        QVERIFY(lock.open(QIODevice::ReadOnly));
        const qint64 pid = QString::fromUtf8(lock.readLine()).trimmed().toLongLong();
        lock.close();
        QVERIFY(pid > 0);
        QCOMPARE(::kill(pid_t(pid), SIGKILL), 0);
        QTRY_VERIFY_WITH_TIMEOUT(::kill(pid_t(pid), 0) != 0, 30000);
        const Result again = cli({u"sweep"_s, u"agent"_s}); // waits out the dead one's lease, then finishes it
        QCOMPARE(again.exitCode, 0);
        QCOMPARE(record(uid).state, RunState::Completed);
        const QList<RunRecord> kids = children(uid);
        QCOMPARE(kids.size(), 4);
        for (int i = 0; i < kids.size(); ++i) {
            QCOMPARE(kids[i].trialIndex.value_or(-1), i);
            QVERIFY2(kids[i].state == RunState::Completed,
                     qPrintable(u"trial %1 ended %2: %3"_s.arg(i).arg(int(kids[i].state)).arg(kids[i].failureReason)));
        }
    }

    void cancelEndsTheSweepCanceled()
    {
        const QString file = writeSweep(
            u"cancel.yml"_s, u"  arguments: [--lr, '${{search_space.lr}}', --pause, '100']\n"
                             u"search_space:\n  lr: {type: uniform, min_value: 0, max_value: 1}\n"
                             u"sampling_algorithm: random\nobjective: {primary_metric: Accuracy, goal: maximize}\n"
                             u"limits: {max_total_trials: 3, max_concurrent_trials: 1}\n"_s);
        const QString uid = QString::fromUtf8(cli({u"sweep"_s, u"submit"_s, u"--file"_s, file}).out).trimmed();
        QTRY_VERIFY_WITH_TIMEOUT(!children(uid).isEmpty() && children(uid).first().state == RunState::Running, 120000);
        const Result c = cli({u"sweep"_s, u"cancel"_s, uid});
        QVERIFY2(c.exitCode == 0, c.err.constData());
        QTRY_COMPARE_WITH_TIMEOUT(record(uid).state, RunState::Canceled, 120000);
        QCOMPARE(children(uid).size(), 1);
        QCOMPARE(children(uid).first().state, RunState::Canceled);
        QVERIFY(cli({u"sweep"_s, u"cancel"_s, uid}).err.contains("has already ended"));
    }
};

QTEST_GUILESS_MAIN(TestSweepCli)
#include "TestSweepCli.moc"
