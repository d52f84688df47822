// TestSearchSpace: HyperDrive's distributions (bounds, quantization, loguniform exponents), grid enumeration and
// seeded random sampling that is reproducible trial by trial (issue 16).
#include "core/sweeps/SearchSpace.h"

#include <QSet>
#include <QTest>

#include <cmath>

using namespace mldesk::core;
using namespace Qt::StringLiterals;

class TestSearchSpace : public QObject {
    Q_OBJECT

private slots:
    void distributionsStayInTheirSupport();
    void gridEnumeratesEveryCombination();
    void randomIsReproducibleAndSpread();
    void formatsValues();
};

namespace {

SweepParameter param(const QString &name, SweepParameter::Type type, double a, double b, double q = 0)
{
    SweepParameter p;
    p.name = name;
    p.type = type;
    p.min = p.mu = a;
    p.max = p.sigma = b;
    p.q = q;
    return p;
}

} // namespace

void TestSearchSpace::distributionsStayInTheirSupport()
{
    using T = SweepParameter::Type;
    SearchSpace space;
    space.parameters = {param(u"u"_s, T::Uniform, 2, 3),       param(u"qu"_s, T::QUniform, 0, 10, 2.5),
                        param(u"lu"_s, T::LogUniform, -6, -1), param(u"qlu"_s, T::QLogUniform, 0, 5, 10),
                        param(u"n"_s, T::Normal, 100, 1),      param(u"qn"_s, T::QNormal, 0, 10, 5),
                        param(u"ln"_s, T::LogNormal, 0, 0.5),  param(u"qln"_s, T::QLogNormal, 2, 1, 3)};
    SweepParameter ri;
    ri.name = u"ri"_s;
    ri.type = T::RandInt;
    ri.upper = 4;
    space.parameters.append(ri);
    QSet<int> ints;
    double normalSum = 0;
    const int n = 2000;
    for (int i = 0; i < n; ++i) {
        const QJsonObject p = space.randomPoint(1, i);
        const double u = p[u"u"_s].toDouble(), qu = p[u"qu"_s].toDouble(), lu = p[u"lu"_s].toDouble();
        QVERIFY(u >= 2 && u < 3);
        QVERIFY(qu >= 0 && qu <= 10 && std::fmod(qu, 2.5) == 0);
        QVERIFY2(lu >= std::exp(-6.0) && lu <= std::exp(-1.0), qPrintable(QString::number(lu)));
        QVERIFY(std::fmod(p[u"qlu"_s].toDouble(), 10) == 0);
        QVERIFY(std::fmod(p[u"qn"_s].toDouble(), 5) == 0);
        QVERIFY(p[u"ln"_s].toDouble() > 0);
        QVERIFY(std::fmod(p[u"qln"_s].toDouble(), 3) == 0);
        normalSum += p[u"n"_s].toDouble();
        const int r = p[u"ri"_s].toInt();
        QVERIFY(r >= 0 && r < 4);
        ints.insert(r);
    }
    QCOMPARE(ints.size(), 4);
    QVERIFY2(std::abs(normalSum / n - 100) < 0.1, qPrintable(QString::number(normalSum / n)));

    SweepParameter bad = param(u"x"_s, T::Uniform, 3, 2);
    QVERIFY(bad.problem().contains(u"min_value 3 is greater than max_value 2"_s));
    QVERIFY(param(u"s"_s, T::Normal, 0, 0).problem().contains(u"sigma must be greater than 0"_s));
    QVERIFY(param(u"q"_s, T::QUniform, 0, 1, 0).problem().contains(u"q must be greater than 0"_s));
}

void TestSearchSpace::gridEnumeratesEveryCombination()
{
    SearchSpace space;
    SweepParameter a, b;
    a.name = u"a"_s;
    a.values = {1, 2, 3};
    b.name = u"b"_s;
    b.values = {u"x"_s, u"y"_s};
    space.parameters = {a, b};
    QCOMPARE(space.gridSize(), 6);
    QVERIFY(space.gridProblem().isEmpty());
    QSet<QString> seen;
    for (qint64 i = 0; i < space.gridSize(); ++i) {
        const QJsonObject p = space.gridPoint(i);
        seen.insert(formatParameterValue(p[u"a"_s]) + p[u"b"_s].toString());
    }
    QCOMPARE(seen.size(), 6);
    QCOMPARE(space.gridPoint(0), (QJsonObject{{u"a"_s, 1}, {u"b"_s, u"x"_s}}));
    QCOMPARE(space.gridPoint(1), (QJsonObject{{u"a"_s, 1}, {u"b"_s, u"y"_s}}));
    space.parameters.append(param(u"lr"_s, SweepParameter::Type::LogUniform, -6, -1));
    QVERIFY(space.gridProblem().contains(u"'lr' is loguniform"_s));
}

void TestSearchSpace::randomIsReproducibleAndSpread()
{
    SearchSpace space;
    space.parameters = {param(u"x"_s, SweepParameter::Type::Uniform, 0, 1)};
    QCOMPARE(space.randomPoint(7, 5), space.randomPoint(7, 5));
    QVERIFY(space.randomPoint(7, 5) != space.randomPoint(8, 5));
    QVERIFY(space.randomPoint(7, 5) != space.randomPoint(7, 6));
    int low = 0;
    for (int i = 0; i < 1000; ++i)
        low += space.randomPoint(3, i)[u"x"_s].toDouble() < 0.5;
    QVERIFY2(low > 430 && low < 570, qPrintable(QString::number(low)));
}

void TestSearchSpace::formatsValues()
{
    QCOMPARE(formatParameterValue(50.0), u"50"_s);
    QCOMPARE(formatParameterValue(0.1 + 0.2), u"0.3"_s);
    QCOMPARE(formatParameterValue(u"relu"_s), u"relu"_s);
    QCOMPARE(formatParameterValue(2.5e-6), u"2.5e-06"_s);
}

QTEST_APPLESS_MAIN(TestSearchSpace)
#include "TestSearchSpace.moc"
