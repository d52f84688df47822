// TestEarlyTermination: Azure ML's Bandit (slack factor and amount), Median stopping and Truncation selection, with
// evaluation_interval and delay_evaluation, for both goals; the note names the policy and the numbers (issue 16).
#include "core/sweeps/EarlyTermination.h"

#include <QTest>

using namespace mldesk::core;
using namespace Qt::StringLiterals;

class TestEarlyTermination : public QObject {
    Q_OBJECT

private slots:
    void banditSlackFactor();
    void banditSlackAmountMinimize();
    void intervalsAndDelay();
    void medianStopping();
    void truncationSelection();
};

namespace {

SweepSpec spec(EarlyTerminationPolicy::Type type, SweepSpec::Goal goal = SweepSpec::Goal::Maximize)
{
    SweepSpec s;
    s.primaryMetric = u"Accuracy"_s;
    s.goal = goal;
    s.earlyTermination.type = type;
    return s;
}

} // namespace

void TestEarlyTermination::banditSlackFactor()
{
    SweepSpec s = spec(EarlyTerminationPolicy::Type::Bandit);
    s.earlyTermination.slackFactor = 0.1;
    const TrialSeries best{0, {0.5, 0.88}};
    const TrialSeries close{1, {0.4, 0.81}}; // 0.88 / 1.1 = 0.8: inside
    const TrialSeries poor{2, {0.6, 0.79}};
    const QList<TrialSeries> all{best, close, poor};
    QVERIFY(!EarlyTermination::evaluate(s, close, 2, all));
    QVERIFY(!EarlyTermination::evaluate(s, best, 2, all));
    const auto note = EarlyTermination::evaluate(s, poor, 2, all);
    QVERIFY(note);
    QVERIFY2(note->startsWith(u"stopped by BanditPolicy(slack_factor=0.1, evaluation_interval=1, "
                              u"delay_evaluation=0) at interval 2: Accuracy 0.79 < 0.8 = best 0.88 (trial 0) / "
                              u"(1 + 0.1)"_s),
             qPrintable(*note));
    QVERIFY(!EarlyTermination::evaluate(s, poor, 1, all)); // poor is the best at interval 1
}

void TestEarlyTermination::banditSlackAmountMinimize()
{
    SweepSpec s = spec(EarlyTerminationPolicy::Type::Bandit, SweepSpec::Goal::Minimize);
    s.earlyTermination.slackAmount = 0.2;
    const TrialSeries best{0, {1.0}};
    const TrialSeries inside{1, {1.15}};
    const TrialSeries outside{2, {1.21}};
    const QList<TrialSeries> all{best, inside, outside};
    QVERIFY(!EarlyTermination::evaluate(s, inside, 1, all));
    const auto note = EarlyTermination::evaluate(s, outside, 1, all);
    QVERIFY(note);
    QVERIFY2(note->contains(u"Accuracy 1.21 > 1.2 = best 1 (trial 0) + 0.2"_s), qPrintable(*note));
}

void TestEarlyTermination::intervalsAndDelay()
{
    EarlyTerminationPolicy p;
    p.type = EarlyTerminationPolicy::Type::Bandit;
    p.evaluationInterval = 2;
    p.delayEvaluation = 2;
    QVERIFY(!EarlyTermination::isEvaluationInterval(p, 1));
    QVERIFY(!EarlyTermination::isEvaluationInterval(p, 2));
    QVERIFY(!EarlyTermination::isEvaluationInterval(p, 3));
    QVERIFY(EarlyTermination::isEvaluationInterval(p, 4));
    QVERIFY(EarlyTermination::isEvaluationInterval(p, 6));
    SweepSpec s = spec(EarlyTerminationPolicy::Type::Bandit);
    s.earlyTermination = p;
    s.earlyTermination.slackFactor = 0;
    const TrialSeries best{0, {1, 1, 1, 1}};
    const TrialSeries poor{1, {0, 0, 0, 0}};
    QVERIFY(!EarlyTermination::evaluate(s, poor, 2, {best, poor}));
    QVERIFY(EarlyTermination::evaluate(s, poor, 4, {best, poor}));
    p.type = EarlyTerminationPolicy::Type::None;
    QVERIFY(!EarlyTermination::isEvaluationInterval(p, 4));
}

void TestEarlyTermination::medianStopping()
{
    SweepSpec s = spec(EarlyTerminationPolicy::Type::MedianStopping);
    const TrialSeries a{0, {0.6, 0.8}};  // average 0.7
    const TrialSeries b{1, {0.5, 0.7}};  // average 0.6
    const TrialSeries c{2, {0.55, 0.6}}; // best 0.6, average 0.575
    const QList<TrialSeries> all{a, b, c};
    // Median of the averages (0.575, 0.6, 0.7) is 0.6: c's best 0.6 is not worse; a lower one is.
    QVERIFY(!EarlyTermination::evaluate(s, c, 2, all));
    const TrialSeries d{3, {0.5, 0.55}}; // averages 0.525, 0.575, 0.6, 0.7: median 0.5875
    const auto note = EarlyTermination::evaluate(s, d, 2, {a, b, c, d});
    QVERIFY(note);
    QVERIFY2(note->contains(u"MedianStoppingPolicy"_s) && note->contains(u"best Accuracy 0.55 < 0.5875"_s),
             qPrintable(*note));
    QVERIFY(!EarlyTermination::evaluate(s, d, 2, {d})); // alone: nothing to compare with
}

void TestEarlyTermination::truncationSelection()
{
    SweepSpec s = spec(EarlyTerminationPolicy::Type::TruncationSelection, SweepSpec::Goal::Minimize);
    s.earlyTermination.truncationPercentage = 50;
    const QList<TrialSeries> all{{0, {0.1}}, {1, {0.4}}, {2, {0.2}}, {3, {0.3}}};
    QVERIFY(!EarlyTermination::evaluate(s, all[0], 1, all));
    QVERIFY(!EarlyTermination::evaluate(s, all[2], 1, all));
    QVERIFY(EarlyTermination::evaluate(s, all[3], 1, all));
    const auto note = EarlyTermination::evaluate(s, all[1], 1, all);
    QVERIFY(note);
    QVERIFY2(note->contains(u"TruncationSelectionPolicy(truncation_percentage=50"_s) &&
                 note->contains(u"Accuracy 0.4 ranks 4 of 4 (the lowest 2 are stopped)"_s),
             qPrintable(*note));
    QVERIFY(!EarlyTermination::evaluate(s, all[1], 1, {all[1]})); // 50 % of one trial is none
}

QTEST_APPLESS_MAIN(TestEarlyTermination)
#include "TestEarlyTermination.moc"
