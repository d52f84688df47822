// TestFilterExpression: the scanner shared by the model and run filters - clauses with their columns, blanks as
// separators where the syntax allows them (the Runs table, issue 17), and number-aware comparisons.
#include "core/filter/FilterExpression.h"

#include <QTest>

#include <cmath>

using mldesk::core::FilterError;
using mldesk::core::FilterExpression;
using Op = FilterExpression::Op;
using namespace Qt::StringLiterals;

class TestFilterExpression final : public QObject {
    Q_OBJECT

private slots:
    void blanksSeparateWhenAllowed()
    {
        const FilterExpression::Syntax runs{true, u"a column"_s, u"a<1"_s, {}};
        const auto clauses =
            FilterExpression::parse(u"learning-rate<0.01  Accuracy >= 0.88 and tag:foo, state=Completed"_s, runs);
        QCOMPARE(clauses.size(), 4);
        QCOMPARE(clauses[0].field, u"learning-rate"_s);
        QCOMPARE(clauses[0].op, Op::Less);
        QCOMPARE(clauses[0].value, u"0.01"_s);
        QCOMPARE(clauses[1].field, u"Accuracy"_s);
        QCOMPARE(clauses[1].op, Op::GreaterEqual);
        QCOMPARE(clauses[1].fieldColumn, 21);
        QCOMPARE(clauses[2].field, u"tag:foo"_s);
        QCOMPARE(clauses[2].op, Op::Exists);
        QCOMPARE(clauses[3].value, u"Completed"_s);
        const auto quoted = FilterExpression::parse(u"\"Loss (min)\"<0.5 tag:\"a b\""_s, runs);
        QCOMPARE(quoted.size(), 2);
        QVERIFY(quoted[0].quoted);
        QCOMPARE(quoted[0].field, u"Loss (min)"_s);
        QCOMPARE(quoted[1].field, u"tag:a b"_s);
    }

    void blanksAreAnErrorOtherwise()
    {
        const FilterExpression::Syntax models{false, u"name"_s, u"name~x"_s, u"mldesk-cli model list --help"_s};
        try {
            FilterExpression::parse(u"a=1 b=2"_s, models);
            QFAIL("no error");
        } catch (const FilterError &e) {
            QCOMPARE(e.column(), 5);
            QVERIFY2(e.message().contains(u"expected ',' or 'and'"_s), qPrintable(e.message()));
            QVERIFY(e.message().contains(u"mldesk-cli model list --help"_s));
        }
        // With blanks separating, a bare field is still an error unless it is a tag.
        const FilterExpression::Syntax runs{true, u"a column"_s, u"a<1"_s, {}};
        QVERIFY_THROWS_EXCEPTION(FilterError, FilterExpression::parse(u"accuracy 0.88"_s, runs));
        QVERIFY_THROWS_EXCEPTION(FilterError, FilterExpression::parse(u"lr<fast"_s, runs));
    }

    void comparesNumbersAsNumbers()
    {
        QVERIFY(FilterExpression::compare(u"1e-4"_s, Op::Less, u"0.001"_s));
        QVERIFY(FilterExpression::compare(u"10"_s, Op::Greater, u"9"_s)); // not as text
        QVERIFY(FilterExpression::compare(u"Completed"_s, Op::Equal, u"completed"_s));
        QVERIFY(!FilterExpression::compare(u"adam"_s, Op::Less, u"1"_s));
        QVERIFY(FilterExpression::compare(0.88, Op::GreaterEqual, u"0.88"_s));
        QVERIFY(!FilterExpression::compare(std::nan(""), Op::NotEqual, u"1"_s));
        QVERIFY(FilterExpression::compare(u"keras mlp"_s, Op::Contains, u"MLP"_s));
    }
};

QTEST_GUILESS_MAIN(TestFilterExpression)
#include "TestFilterExpression.moc"
