// TestTableModel: the panes' read-only table model under QAbstractItemModelTester - resets, roles, keys, sorting
// values and the byte/date formatting.
#include "ui/models/TableModel.h"

#include <QAbstractItemModelTester>
#include <QDateTime>
#include <QSortFilterProxyModel>
#include <QTest>

using mldesk::ui::TableModel;

class TestTableModel final : public QObject {
    Q_OBJECT

private slots:
    void rowsRolesAndKeys();
    void sortsByRawValue();
};

void TestTableModel::rowsRolesAndKeys()
{
    TableModel model({QStringLiteral("Name"), QStringLiteral("Size")});
    model.setNumericColumns({1});
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(model.rowCount(), 0);
    model.setRows({{QStringLiteral("a"), {{QStringLiteral("a")}, {TableModel::formatBytes(2048), 2048}}},
                   {QStringLiteral("b"), {{QStringLiteral("b")}}}}); // a short row is padded
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.columnCount(), 2);
    QCOMPARE(model.headerData(1, Qt::Horizontal).toString(), QStringLiteral("Size"));
    QCOMPARE(model.index(0, 1).data(TableModel::SortRole).toLongLong(), 2048);
    QCOMPARE(model.index(0, 0).data(TableModel::SortRole).toString(), QStringLiteral("a"));
    QCOMPARE(model.index(1, 1).data().toString(), QString());
    QCOMPARE(model.index(1, 0).data(TableModel::KeyRole).toString(), QStringLiteral("b"));
    QCOMPARE(model.rowOfKey(QStringLiteral("b")), 1);
    QCOMPARE(model.rowOfKey(QStringLiteral("zz")), -1);
    QVERIFY(model.index(0, 1).data(Qt::TextAlignmentRole).isValid());
    QVERIFY(TableModel::formatBytes(2048).contains(QStringLiteral("2")));
    QVERIFY(TableModel::formatDate(QDateTime()).isEmpty());
    model.setRows({});
    QCOMPARE(model.rowCount(), 0);
}

void TestTableModel::sortsByRawValue()
{
    TableModel model({QStringLiteral("Size")});
    model.setRows({{1, {{QStringLiteral("900 bytes"), 900}}},
                   {2, {{QStringLiteral("1.0 KiB"), 1024}}},
                   {3, {{QStringLiteral("10 bytes"), 10}}}});
    QSortFilterProxyModel proxy;
    proxy.setSourceModel(&model);
    proxy.setSortRole(TableModel::SortRole);
    QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
    proxy.sort(0);
    QCOMPARE(proxy.index(0, 0).data().toString(), QStringLiteral("10 bytes"));
    QCOMPARE(proxy.index(2, 0).data().toString(), QStringLiteral("1.0 KiB"));
}

QTEST_APPLESS_MAIN(TestTableModel)
#include "TestTableModel.moc"
