// TestTableViews: the current row the panes keep by key across a TableModel reset (setRowsKeepingCurrent), in a
// view of the model itself and in one through a sorting, filtering proxy.
#include "ui/models/TableModel.h"
#include "ui/widgets/TableViews.h"

#include <QAbstractItemModelTester>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QTest>

#include <memory>

using mldesk::ui::IfNoneListed;
using mldesk::ui::TableModel;

namespace {

QList<TableModel::Row> rows(const QStringList &names)
{
    QList<TableModel::Row> list;
    for (const QString &name : names)
        list.append({name, {{name}}});
    return list;
}

QString current(const QTableView *view)
{
    return view->currentIndex().data(TableModel::KeyRole).toString();
}

} // namespace

class TestTableViews final : public QObject {
    Q_OBJECT

private slots:
    void keepsTheFirstListedKey();
    void mapsThroughAProxy();
};

void TestTableViews::keepsTheFirstListedKey()
{
    TableModel model({QStringLiteral("Name")});
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    std::unique_ptr<QTableView> view(mldesk::ui::makeTableView(QStringLiteral("table"), &model, false));
    const QStringList abc{QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("c")};

    mldesk::ui::setRowsKeepingCurrent(view.get(), model, rows(abc), {QStringLiteral("x"), QStringLiteral("b")},
                                      IfNoneListed::NoCurrentRow);
    QCOMPARE(current(view.get()), QStringLiteral("b")); // x is not listed: the next key
    mldesk::ui::setRowsKeepingCurrent(view.get(), model, rows(abc), {QStringLiteral("c"), QStringLiteral("b")},
                                      IfNoneListed::NoCurrentRow);
    QCOMPARE(current(view.get()), QStringLiteral("c")); // the first listed wins
    mldesk::ui::setRowsKeepingCurrent(view.get(), model, rows(abc), {QString(), QVariant(), QStringLiteral("x")},
                                      IfNoneListed::NoCurrentRow);
    QVERIFY(!view->currentIndex().isValid()); // none listed (empty and null keys never are): none current
    mldesk::ui::setRowsKeepingCurrent(view.get(), model, rows(abc), {QStringLiteral("x")}, IfNoneListed::FirstRow);
    QCOMPARE(current(view.get()), QStringLiteral("a"));
    mldesk::ui::setRowsKeepingCurrent(view.get(), model, {}, {QStringLiteral("a")}, IfNoneListed::FirstRow);
    QCOMPARE(model.rowCount(), 0);
    QVERIFY(!view->currentIndex().isValid());

    // Numbers (versions) as keys.
    TableModel versions({QStringLiteral("Version")});
    std::unique_ptr<QTableView> versionView(mldesk::ui::makeTableView(QStringLiteral("versions"), &versions, false));
    mldesk::ui::setRowsKeepingCurrent(versionView.get(), versions, {{3, {{QStringLiteral("3")}}}, {2, {}}, {1, {}}},
                                      {2}, IfNoneListed::FirstRow);
    QCOMPARE(versionView->currentIndex().row(), 1);
    mldesk::ui::setRowsKeepingCurrent(versionView.get(), versions, {{3, {}}, {2, {}}, {1, {}}}, {0},
                                      IfNoneListed::FirstRow);
    QCOMPARE(versionView->currentIndex().row(), 0); // 0: none asked for, the first (newest)
}

void TestTableViews::mapsThroughAProxy()
{
    TableModel model({QStringLiteral("Name")});
    QSortFilterProxyModel proxy;
    proxy.setSourceModel(&model);
    proxy.setSortRole(TableModel::SortRole);
    std::unique_ptr<QTableView> view(mldesk::ui::makeTableView(QStringLiteral("table"), &proxy, true));
    view->sortByColumn(0, Qt::DescendingOrder); // view rows are not the model's
    const QStringList abc{QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("c")};

    mldesk::ui::setRowsKeepingCurrent(view.get(), model, rows(abc), {QStringLiteral("b")}, IfNoneListed::FirstRow);
    QCOMPARE(current(view.get()), QStringLiteral("b"));
    mldesk::ui::setRowsKeepingCurrent(view.get(), model, rows(abc), {QStringLiteral("x")}, IfNoneListed::FirstRow);
    QCOMPARE(current(view.get()), QStringLiteral("a")); // the model's first row, wherever the view sorts it
    QCOMPARE(view->currentIndex().row(), 2);
    mldesk::ui::setCurrentRow(view.get(), model, model.rowOfKey(QStringLiteral("c")));
    QCOMPARE(current(view.get()), QStringLiteral("c"));
    QVERIFY(mldesk::ui::setCurrentKey(view.get(), model, QStringLiteral("b")));
    QCOMPARE(current(view.get()), QStringLiteral("b"));
    QVERIFY(!mldesk::ui::setCurrentKey(view.get(), model, QStringLiteral("x"))); // not listed: nothing moves
    QCOMPARE(current(view.get()), QStringLiteral("b"));

    // A row the proxy filters out cannot be current: none is.
    proxy.setFilterFixedString(QStringLiteral("b"));
    mldesk::ui::setRowsKeepingCurrent(view.get(), model, rows(abc), {QStringLiteral("a")}, IfNoneListed::FirstRow);
    QVERIFY(!view->currentIndex().isValid());
    mldesk::ui::setRowsKeepingCurrent(view.get(), model, rows(abc), {QStringLiteral("b")}, IfNoneListed::FirstRow);
    QCOMPARE(current(view.get()), QStringLiteral("b"));
}

QTEST_MAIN(TestTableViews)
#include "TestTableViews.moc"
