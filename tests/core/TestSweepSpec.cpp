// TestSweepSpec: the sweep YAML (Azure ML v2 sweep job shape) - a full file, the seed's HyperDrive preset, the JSON
// round trip, and every bad input with the line it names (issue 16).
#include "core/sweeps/SweepSpec.h"

#include <QTest>

using namespace mldesk::core;
using namespace Qt::StringLiterals;

class TestSweepSpec : public QObject {
    Q_OBJECT

private slots:
    void parsesFullFile();
    void presetIsTheSeedsHyperDrive();
    void jsonRoundTrip();
    void badInput_data();
    void badInput();
};

namespace {

const QString kGood = uR"(type: sweep
display_name: tune
trial:
  source: src
  script: train.py
  experiment: sweeps
  environment: System-Python
  arguments: [--lr, "${{search_space.lr}}", "--batch=${{search_space.batch}}", --data, "{dataset:mnist:mount}"]
search_space:
  lr: {type: loguniform, min_value: -6, max_value: -1}
  batch:
    type: choice
    values: [25, 50, "big"]
sampling_algorithm: {type: random, seed: 42}
objective: {primary_metric: Accuracy, goal: maximize}
limits: {max_total_trials: 6, max_concurrent_trials: 2, timeout: 600, trial_timeout: 60}
early_termination: {type: bandit, evaluation_interval: 2, slack_factor: 0.1, delay_evaluation: 1}
queue_settings:
  priority: high
)"_s;

} // namespace

void TestSweepSpec::parsesFullFile()
{
    const SweepSpec s = SweepSpec::parse(kGood, u"/base"_s);
    QCOMPARE(s.displayName, u"tune"_s);
    QCOMPARE(s.trial.sourceFolder, u"/base/src"_s);
    QCOMPARE(s.trial.script, u"train.py"_s);
    QCOMPARE(s.trial.compute, u"local"_s);
    QCOMPARE(s.space.parameters.size(), 2);
    QCOMPARE(s.space.parameters[0].type, SweepParameter::Type::LogUniform);
    QCOMPARE(s.space.parameters[1].values, (QJsonArray{25, 50, u"big"_s}));
    QCOMPARE(s.sampling, SweepSpec::Sampling::Random);
    QCOMPARE(s.seed, quint64(42));
    QCOMPARE(s.primaryMetric, u"Accuracy"_s);
    QCOMPARE(s.maxTotalTrials, 6);
    QCOMPARE(s.maxConcurrentTrials, 2);
    QCOMPARE(s.timeoutSeconds, 600);
    QCOMPARE(s.trialTimeoutSeconds, 60);
    QCOMPARE(s.earlyTermination.type, EarlyTerminationPolicy::Type::Bandit);
    QCOMPARE(s.earlyTermination.slackFactor.value_or(-1), 0.1);
    QCOMPARE(s.earlyTermination.delayEvaluation, 1);
    // Azure ML v2's queue_settings.priority: every trial takes the sweep's (issue 12 item 1).
    QCOMPARE(s.trial.priority, kRunPriorityHigh);
    QCOMPARE(s.requestFor(QJsonObject{{u"lr"_s, 0.001}, {u"batch"_s, 50}}).priority, kRunPriorityHigh);
    QCOMPARE(SweepSpec::fromJson(s.toJson()).trial.priority, kRunPriorityHigh);
    QCOMPARE(SweepSpec::parse(QString(kGood).replace(u"priority: high"_s, u"priority: -250"_s), u"/"_s).trial.priority,
             -250);
    QCOMPARE(
        SweepSpec::parse(QString(kGood).replace(u"priority: high"_s, u"priority: medium"_s), u"/"_s).trial.priority,
        kRunPriorityNormal);
    QCOMPARE(SweepSpec::parse(QString(kGood).remove(u"queue_settings:\n  priority: high\n"_s), u"/"_s).trial.priority,
             kRunPriorityNormal);
    const QStringList args = s.argumentsFor(QJsonObject{{u"lr"_s, 0.001}, {u"batch"_s, 50}});
    QCOMPARE(args, (QStringList{u"--lr"_s, u"0.001"_s, u"--batch=50"_s, u"--data"_s, u"{dataset:mnist:mount}"_s}));
}

void TestSweepSpec::presetIsTheSeedsHyperDrive()
{
    const SweepSpec s = SweepSpec::parse(SweepSpec::hyperDrivePresetYaml(u"mnist"_s, 2, 6, 2), u"/"_s);
    QCOMPARE(s.trial.entry, RunRequest::Entry::BuiltinTrainer);
    QCOMPARE(s.space.names(),
             (QStringList{u"batch_size"_s, u"first_layer_neurons"_s, u"second_layer_neurons"_s, u"learning_rate"_s}));
    QCOMPARE(s.space.find(u"first_layer_neurons"_s)->values, (QJsonArray{10, 50, 200, 300, 500}));
    const SweepParameter *lr = s.space.find(u"learning_rate"_s);
    QCOMPARE(lr->type, SweepParameter::Type::LogUniform);
    QCOMPARE(lr->min, -6.0);
    QCOMPARE(lr->max, -1.0);
    QCOMPARE(s.earlyTermination.evaluationInterval, 2);
    QCOMPARE(s.maxTotalTrials, 6);
    QCOMPARE(s.maxConcurrentTrials, 2);
    QVERIFY(s.trial.arguments.contains(u"{dataset:mnist:mount}"_s));
    const QStringList args = s.argumentsFor(s.space.randomPoint(s.seed, 0));
    QCOMPARE(args.at(args.indexOf(u"--epochs"_s) + 1), u"2"_s);
    const double rate = args.at(args.indexOf(u"--learning-rate"_s) + 1).toDouble();
    QVERIFY2(rate >= std::exp(-6.0) && rate <= std::exp(-1.0), qPrintable(QString::number(rate)));
}

void TestSweepSpec::jsonRoundTrip()
{
    const SweepSpec s = SweepSpec::parse(kGood, u"/base"_s);
    const SweepSpec back = SweepSpec::fromJson(s.toJson());
    QCOMPARE(back.toJson(), s.toJson());
    QCOMPARE(back.space.randomPoint(back.seed, 3), s.space.randomPoint(s.seed, 3));
}

void TestSweepSpec::badInput_data()
{
    QTest::addColumn<QString>("from");
    QTest::addColumn<QString>("to");
    QTest::addColumn<int>("line");
    QTest::addColumn<QString>("message");
    QTest::newRow("unknown type") << u"{type: loguniform, min_value: -6"_s << u"{type: logarithmic, min_value: -6"_s
                                  << 10 << u"unknown parameter type 'logarithmic' for 'lr'; types are: choice"_s;
    QTest::newRow("min > max") << u"min_value: -6, max_value: -1"_s << u"min_value: -1, max_value: -6"_s << 10
                               << u"min_value -1 is greater than max_value -6"_s;
    QTest::newRow("placeholder without entry")
        << u"search_space.batch}}"_s << u"search_space.bacth}}"_s << 8 << u"search_space has no 'bacth'"_s;
    QTest::newRow("entry never used") << u"\"--batch=${{search_space.batch}}\", "_s << QString() << 11
                                      << u"search_space has 'batch', but no trial argument uses it"_s;
    QTest::newRow("grid over continuous") << u"{type: random, seed: 42}"_s << u"grid"_s << 14
                                          << u"grid sampling enumerates choice parameters only; 'lr' is loguniform"_s;
    QTest::newRow("concurrency < 1") << u"max_concurrent_trials: 2"_s << u"max_concurrent_trials: 0"_s << 16
                                     << u"max_concurrent_trials must be at least 1, got 0"_s;
    QTest::newRow("unknown key") << u"trial_timeout: 60"_s << u"trial_timout: 60"_s << 16
                                 << u"unknown key 'trial_timout' in limits"_s;
    QTest::newRow("bandit without slack")
        << u", slack_factor: 0.1"_s << QString() << 17 << u"the bandit policy needs slack_factor"_s;
    QTest::newRow("bad goal") << u"goal: maximize"_s << u"goal: biggest"_s << 15
                              << u"goal must be maximize or minimize"_s;
    QTest::newRow("not a number") << u"min_value: -6"_s << u"min_value: low"_s << 10
                                  << u"'search_space.lr.min_value' must be a number, got 'low'"_s;
    QTest::newRow("no total for random") << u"max_total_trials: 6, "_s << QString() << 16
                                         << u"limits.max_total_trials is required for random sampling"_s;
    QTest::newRow("priority out of range") << u"priority: high"_s << u"priority: 5000"_s << 19
                                           << u"queue_settings.priority: priority 5000 is out of range"_s;
    QTest::newRow("priority not a number") << u"priority: high"_s << u"priority: asap"_s << 19
                                           << u"queue_settings.priority: priority 'asap' is not a whole number"_s;
    QTest::newRow("unknown queue setting") << u"priority: high"_s << u"job_tier: spot"_s << 19
                                           << u"unknown key 'job_tier' in queue_settings; the keys are: priority"_s;
    QTest::newRow("bayesian with policy") << u"{type: random, seed: 42}"_s << u"bayesian"_s << 17
                                          << u"bayesian sampling does not support early termination"_s;
}

void TestSweepSpec::badInput()
{
    QFETCH(QString, from);
    QFETCH(QString, to);
    QFETCH(int, line);
    QFETCH(QString, message);
    QString text = kGood;
    QVERIFY(text.contains(from));
    text.replace(from, to);
    try {
        SweepSpec::parse(text, u"/base"_s);
        QFAIL("parsed");
    } catch (const SweepSpecError &e) {
        QVERIFY2(e.message().contains(message), qPrintable(e.message()));
        QCOMPARE(e.line(), line);
        QVERIFY2(e.message().startsWith(u"line %1: "_s.arg(line)), qPrintable(e.message()));
    }
}

QTEST_APPLESS_MAIN(TestSweepSpec)
#include "TestSweepSpec.moc"
