// Tests of the model filter syntax (issue 6): what matches (names, tags, properties, numbers vs text) and parse
// errors that point at the column where the expression went wrong.
#include "core/models/ModelFilter.h"
#include "core/models/ModelRegistry.h"

#include <QtTest>

using namespace mldesk::core;
using namespace Qt::StringLiterals;

class TestModelFilter final : public QObject {
    Q_OBJECT
private slots:
    void matches_data()
    {
        QTest::addColumn<QString>("expression");
        QTest::addColumn<bool>("expected");
        QTest::newRow("property >") << u"accuracy>0.88"_s << true;
        QTest::newRow("property > false") << u"accuracy>0.9"_s << false;
        QTest::newRow("property key case") << u"ACCURACY >= 0.8812"_s << true;
        QTest::newRow("property <") << u"loss<0.5"_s << true;
        QTest::newRow("property = numeric") << u"epochs=20.0"_s << true;
        QTest::newRow("prop: prefix") << u"prop:accuracy<=0.8812"_s << true;
        QTest::newRow("missing property") << u"f1>0"_s << false;
        QTest::newRow("missing property !=") << u"f1!=3"_s << false;
        QTest::newRow("text property ordering") << u"optimizer>1"_s << false;
        QTest::newRow("text property =") << u"optimizer=rmsprop"_s << true;
        QTest::newRow("name contains") << u"name~MNIST"_s << true;
        QTest::newRow("name =") << u"name=keras-mnist"_s << true;
        QTest::newRow("name !=") << u"name!=keras-mnist"_s << false;
        QTest::newRow("tag =") << u"tag:stage=prod"_s << true;
        QTest::newRow("tag other value") << u"tag:stage=dev"_s << false;
        QTest::newRow("tag exists") << u"tag:stage"_s << true;
        QTest::newRow("tag missing") << u"tag:owner"_s << false;
        QTest::newRow("quoted") << u"description~\"first try\""_s << true;
        QTest::newRow("framework") << u"framework=keras"_s << true;
        QTest::newRow("version") << u"version>=3"_s << true;
        QTest::newRow("run") << u"run~run-1"_s << true;
        QTest::newRow("and") << u"name~mnist and accuracy>0.8"_s << true;
        QTest::newRow("comma, one false") << u"name~mnist, accuracy>0.95"_s << false;
        QTest::newRow("quoted property key") << u"\"final test accuracy\">0.85"_s << true;
        QTest::newRow("quoted prop: key") << u"prop:\"Final test accuracy\"<0.85"_s << false;
        QTest::newRow("quoted tag key") << u"tag:\"my key\"=x"_s << true;
        QTest::newRow("quoted tag key exists") << u"tag:\"my key\", name~keras"_s << true;
        QTest::newRow("and with tag exists") << u"tag:stage and version=3"_s << true;
    }

    void matches()
    {
        QFETCH(QString, expression);
        QFETCH(bool, expected);
        ModelVersion v;
        v.name = u"keras-mnist"_s;
        v.version = 3;
        v.framework = u"Keras"_s;
        v.description = u"The first try at it"_s;
        v.runUid = u"run-1"_s;
        v.tags = {{u"stage"_s, u"prod"_s}, {u"my key"_s, u"x"_s}};
        v.properties = {{u"Accuracy"_s, u"0.8812"_s},
                        {u"loss"_s, u"0.31"_s},
                        {u"epochs"_s, u"20"_s},
                        {u"optimizer"_s, u"RMSprop"_s},
                        {u"Final test accuracy"_s, u"0.8812"_s}};
        QCOMPARE(ModelFilter::parse(expression).matches(v), expected);
    }

    void errorsPointAtTheColumn_data()
    {
        QTest::addColumn<QString>("expression");
        QTest::addColumn<int>("column");
        QTest::addColumn<QString>("message");
        QTest::newRow("no operator") << u"accuracy 0.88"_s << 10 << u"expected an operator"_s;
        QTest::newRow("no separator") << u"name~a b=1"_s << 8 << u"expected ',' or 'and'"_s;
        QTest::newRow("operator missing at end") << u"accuracy"_s << 9 << u"expected an operator"_s;
        QTest::newRow("no value") << u"accuracy>"_s << 10 << u"expected a value after '>'"_s;
        QTest::newRow("not a number") << u"accuracy>high"_s << 10 << u"'high' is not a number"_s;
        QTest::newRow("version not a number") << u"version=x"_s << 9 << u"'x' is not a number"_s;
        QTest::newRow("bad operator") << u"name=~x"_s << 6 << u"expected a value"_s;
        QTest::newRow("starts with operator") << u">3"_s << 1 << u"expected a field"_s;
        QTest::newRow("empty") << u"   "_s << 4 << u"the filter is empty"_s;
        QTest::newRow("dangling and") << u"name~a and "_s << 12 << u"expected a clause"_s;
        QTest::newRow("unclosed quote") << u"name=\"abc"_s << 6 << u"never closed"_s;
        QTest::newRow("tag without key") << u"tag:=x"_s << 5 << u"needs a key"_s;
        QTest::newRow("unknown prefix") << u"foo:bar=1"_s << 1 << u"unknown field 'foo:bar'"_s;
        QTest::newRow("unclosed quoted key") << u"prop:\"abc>1"_s << 6 << u"never closed"_s;
        QTest::newRow("second clause") << u"name~a, accuracy>>1"_s << 18 << u"expected a value"_s;
    }

    void errorsPointAtTheColumn()
    {
        QFETCH(QString, expression);
        QFETCH(int, column);
        QFETCH(QString, message);
        try {
            ModelFilter::parse(expression);
            QFAIL("no error");
        } catch (const ModelFilterError &e) {
            QVERIFY2(e.message().contains(message), qPrintable(e.message()));
            QCOMPARE(e.column(), column);
            QVERIFY2(e.message().contains(u"column %1"_s.arg(column)), qPrintable(e.message()));
            QVERIFY2(e.message().contains(u">>>"_s), qPrintable(e.message()));
        }
    }

    void tagClauseOfTheTagOption()
    {
        const ModelFilter::Clause c = ModelFilter::tagClause(u"stage=prod"_s);
        QCOMPARE(c.field, ModelFilter::Field::Tag);
        QCOMPARE(c.key, u"stage"_s);
        QCOMPARE(c.value, u"prod"_s);
        QCOMPARE(ModelFilter::tagClause(u"stage"_s).op, ModelFilter::Op::Exists);
        QVERIFY_THROWS_EXCEPTION(ModelFilterError, ModelFilter::tagClause(u"a=b, name=c"_s));
    }

    void emptyFilterMatchesEverything() { QVERIFY(ModelFilter().matches(ModelVersion{})); }
};

QTEST_GUILESS_MAIN(TestModelFilter)
#include "TestModelFilter.moc"
