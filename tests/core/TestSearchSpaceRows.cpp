// TestSearchSpaceRows: the Submit Sweep dialog's rows <-> a sweep file's search_space (issue 16 item 7) - rows read
// with their lines, each type's bounds checked with a sentence, and writing that replaces only the search_space
// block (comments, blank lines and the keys around it stay), or appends one.
#include "core/sweeps/SearchSpace.h"
#include "core/sweeps/SearchSpaceRows.h"

#include <QtTest>

using namespace Qt::StringLiterals;
using namespace mldesk::core;

class TestSearchSpaceRows final : public QObject {
    Q_OBJECT

private slots:
    void readsRowsWithTheirLines()
    {
        const SearchSpaceRows read = SearchSpaceRows::read(
            u"trial: {script: t.py}\nsearch_space:\n  lr: {type: qloguniform, min_value: -6, max_value: -1, q: 0.5}\n"
            u"  act: {type: choice, values: [relu, '1e-3', 2]}\n  n: {type: randint}\n"_s);
        QVERIFY(read.problem.isEmpty());
        QCOMPARE(read.rows.size(), 3);
        QCOMPARE(read.rows[0].name, u"lr"_s);
        QCOMPARE(read.rows[0].line, 3);
        QCOMPARE(read.rows[0].bounds, u"-6, -1, 0.5"_s);
        QCOMPARE(read.rows[1].bounds, u"relu, 1e-3, 2"_s);
        QVERIFY(read.rows[1].problem().isEmpty());
        QCOMPARE(read.rows[2].problem(), u"'n' (randint) needs one number (upper); got ''"_s);
        QVERIFY(SearchSpaceRows::read(u"search_space: [1\n"_s).problem.startsWith(u"line "_s));
        QCOMPARE(SearchSpaceRows::read(u"trial: {}\n"_s).problem, u"the file has no search_space mapping"_s);
    }

    void problemsPerType_data()
    {
        QTest::addColumn<QString>("type");
        QTest::addColumn<QString>("bounds");
        QTest::addColumn<QString>("problem"); // a part of the sentence; empty: fine
        QTest::newRow("choice") << u"choice"_s << u"1, b"_s << QString();
        QTest::newRow("choice empty value") << u"choice"_s << u"1, , 2"_s << u"an empty value"_s;
        QTest::newRow("choice none") << u"choice"_s << QString() << u"has no values"_s;
        QTest::newRow("randint") << u"randint"_s << u"4"_s << QString();
        QTest::newRow("randint fraction") << u"randint"_s << u"2.5"_s << u"whole number"_s;
        QTest::newRow("uniform") << u"uniform"_s << u"0, 1"_s << QString();
        QTest::newRow("uniform min > max") << u"uniform"_s << u"1, 0"_s << u"min_value 1"_s;
        QTest::newRow("quniform needs q") << u"quniform"_s << u"0, 1"_s << u"needs 3 numbers (min, max, q)"_s;
        QTest::newRow("normal text") << u"normal"_s << u"0, x"_s << u"sigma must be a number, got 'x'"_s;
        QTest::newRow("qlognormal") << u"qlognormal"_s << u"0, 1, 1"_s << QString();
        QTest::newRow("unknown") << u"gauss"_s << u"0, 1"_s << u"unknown parameter type 'gauss'"_s;
    }

    void problemsPerType()
    {
        QFETCH(QString, type);
        QFETCH(QString, bounds);
        QFETCH(QString, problem);
        const SearchSpaceRow row{u"p"_s, type, bounds, 0};
        SweepParameter parameter;
        const QString said = row.problem(&parameter);
        if (problem.isEmpty()) {
            QVERIFY2(said.isEmpty(), qPrintable(said));
            QCOMPARE(SweepParameter::typeName(parameter.type), type);
        } else {
            QVERIFY2(said.contains(problem), qPrintable(said));
        }
    }

    void writeReplacesOnlyTheBlock()
    {
        const QString yaml = u"# a sweep\ntrial:\n  script: t.py\nsearch_space:\n  # old\n  a: {type: choice, "
                             u"values: [1]}\n\n  b: {type: uniform, min_value: 0, max_value: 1}\n\n"
                             u"# objective next\nobjective: {primary_metric: acc}\n"_s;
        const QString written =
            SearchSpaceRows::write(yaml, {{u"a"_s, u"choice"_s, u"1, two"_s, 0}, {u"c"_s, u"normal"_s, u"0, 1"_s, 0}});
        QCOMPARE(written,
                 u"# a sweep\ntrial:\n  script: t.py\nsearch_space:\n  a: {type: choice, values: [1, \"two\"]}\n"
                 u"  c: {type: normal, mu: 0, sigma: 1}\n\n# objective next\nobjective: {primary_metric: acc}\n"_s);
        const SearchSpaceRows again = SearchSpaceRows::read(written);
        QCOMPARE(again.rows.size(), 2);
        QCOMPARE(again.rows[0].bounds, u"1, two"_s);
        // No search_space yet: appended.
        QCOMPARE(SearchSpaceRows::write(u"trial: {}\n\n"_s, {{u"x"_s, u"randint"_s, u"3"_s, 0}}),
                 u"trial: {}\nsearch_space:\n  x: {type: randint, upper: 3}\n"_s);
    }
};

QTEST_GUILESS_MAIN(TestSearchSpaceRows)
#include "TestSearchSpaceRows.moc"
