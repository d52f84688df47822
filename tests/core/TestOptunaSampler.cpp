// TestOptunaSampler: Bayesian sampling through Optuna's TPE helper process - refused with the package to install
// when Optuna is missing, and better than random where it should be: on the Branin function (known optimum
// 0.397887), the median over 5 seeds of the best value after 30 trials is closer to the optimum than random
// sampling's. The objective is computed here, not by 300 child processes, to keep CI affordable (issue 16).
#include "core/sweeps/OptunaSampler.h"

#include <QElapsedTimer>
#include <QTest>

#include <algorithm>
#include <cmath>

using namespace mldesk::core;
using namespace Qt::StringLiterals;

class TestOptunaSampler : public QObject {
    Q_OBJECT

private slots:
    void refusedWithThePackageWhenMissing();
    void tpeBeatsRandomOnBranin();
    void restartReplaysFinishedTrials();
};

namespace {

constexpr double kBraninMinimum = 0.397887;

double branin(double x1, double x2)
{
    const double b = 5.1 / (4 * M_PI * M_PI), c = 5 / M_PI, t = 1 / (8 * M_PI);
    return std::pow(x2 - b * x1 * x1 + c * x1 - 6, 2) + 10 * (1 - t) * std::cos(x1) + 10;
}

SweepSpec braninSpec(quint64 seed)
{
    SweepSpec s;
    s.goal = SweepSpec::Goal::Minimize;
    s.seed = seed;
    SweepParameter x1, x2;
    x1.name = u"x1"_s;
    x1.type = SweepParameter::Type::Uniform;
    x1.min = -5;
    x1.max = 10;
    x2 = x1;
    x2.name = u"x2"_s;
    x2.min = 0;
    x2.max = 15;
    s.space.parameters = {x1, x2};
    return s;
}

double median(QList<double> v)
{
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

} // namespace

void TestOptunaSampler::refusedWithThePackageWhenMissing()
{
    qputenv("MLDESK_SWEEP_PYTHON", "/nonexistent/python3");
    const QString reason = OptunaSampler::unavailableReason();
    qunsetenv("MLDESK_SWEEP_PYTHON");
    QVERIFY2(reason.contains(u"install the Debian package python3-optuna"_s), qPrintable(reason));
}

void TestOptunaSampler::tpeBeatsRandomOnBranin()
{
    if (const QString missing = OptunaSampler::unavailableReason(); !missing.isEmpty())
        QSKIP(qPrintable(missing));
    QElapsedTimer clock;
    clock.start();
    QList<double> tpe, random;
    for (quint64 seed = 1; seed <= 5; ++seed) {
        const SweepSpec spec = braninSpec(seed);
        OptunaSampler sampler(spec);
        double bestTpe = INFINITY, bestRandom = INFINITY;
        for (int i = 0; i < 30; ++i) {
            const OptunaSampler::Asked a = sampler.ask();
            const double y = branin(a.values[u"x1"_s].toDouble(), a.values[u"x2"_s].toDouble());
            sampler.tell(a.number, y);
            bestTpe = std::min(bestTpe, y);
            const QJsonObject r = spec.space.randomPoint(seed, i);
            bestRandom = std::min(bestRandom, branin(r[u"x1"_s].toDouble(), r[u"x2"_s].toDouble()));
        }
        tpe.append(bestTpe - kBraninMinimum);
        random.append(bestRandom - kBraninMinimum);
    }
    qInfo("Branin, best after 30 trials minus the optimum, median of 5 seeds: TPE %.4f, random %.4f (%lld ms)",
          median(tpe), median(random), qint64(clock.elapsed()));
    QVERIFY2(median(tpe) < median(random), qPrintable(u"TPE %1 vs random %2"_s.arg(median(tpe)).arg(median(random))));
}

void TestOptunaSampler::restartReplaysFinishedTrials()
{
    if (const QString missing = OptunaSampler::unavailableReason(); !missing.isEmpty())
        QSKIP(qPrintable(missing));
    OptunaSampler sampler(braninSpec(9));
    sampler.add(QJsonObject{{u"x1"_s, 3.14}, {u"x2"_s, 2.27}}, branin(3.14, 2.27)); // from before a restart
    const OptunaSampler::Asked a = sampler.ask();
    QCOMPARE(a.number, 1); // the replayed trial is trial 0 of the new study
    QVERIFY(a.values.contains(u"x1"_s) && a.values.contains(u"x2"_s));
    try {
        sampler.tell(a.number + 5, 1.0);
        QFAIL("told an unknown trial");
    } catch (const std::runtime_error &e) {
        QVERIFY2(QString::fromUtf8(e.what()).startsWith(u"Optuna: KeyError"_s), e.what());
    }
}

QTEST_APPLESS_MAIN(TestOptunaSampler)
#include "TestOptunaSampler.moc"
