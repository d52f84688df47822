// TableViews: the shared table setup.
#include "ui/widgets/TableViews.h"

#include <QAbstractProxyModel>
#include <QHeaderView>
#include <QLabel>
#include <QTableView>
#include <QVBoxLayout>

namespace mldesk::ui {

QTableView *makeTableView(const QString &objectName, QAbstractItemModel *model, bool sortable)
{
    auto *view = new QTableView;
    view->setObjectName(objectName);
    view->setModel(model);
    view->setSelectionBehavior(QAbstractItemView::SelectRows);
    view->setSelectionMode(QAbstractItemView::SingleSelection);
    view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    view->setAlternatingRowColors(true);
    view->setWordWrap(false);
    view->setSortingEnabled(sortable);
    view->verticalHeader()->hide();
    view->verticalHeader()->setDefaultSectionSize(view->fontMetrics().height() + 10);
    view->horizontalHeader()->setStretchLastSection(true);
    view->horizontalHeader()->setDefaultSectionSize(120);
    view->horizontalHeader()->setHighlightSections(false);
    if (sortable)
        view->sortByColumn(0, Qt::AscendingOrder);
    return view;
}

void setCurrentRow(QTableView *view, const TableModel &model, int row)
{
    QModelIndex index = model.index(row, 0);
    if (const auto *proxy = qobject_cast<const QAbstractProxyModel *>(view->model()))
        index = proxy->mapFromSource(index); // invalid when the proxy filters the row out: then none is current
    view->setCurrentIndex(index);
    view->scrollTo(index);
}

bool setCurrentKey(QTableView *view, const TableModel &model, const QVariant &key)
{
    const int row = model.rowOfKey(key);
    if (row < 0)
        return false;
    setCurrentRow(view, model, row);
    return true;
}

void setRowsKeepingCurrent(QTableView *view, TableModel &model, QList<TableModel::Row> rows,
                           std::initializer_list<QVariant> keys, IfNoneListed ifNone)
{
    model.setRows(std::move(rows));
    int row = -1;
    for (auto key = keys.begin(); key != keys.end() && row < 0; ++key)
        row = model.rowOfKey(*key);
    if (row < 0 && ifNone == IfNoneListed::FirstRow && model.rowCount() > 0)
        row = 0;
    if (row >= 0)
        setCurrentRow(view, model, row);
}

QWidget *titled(const QString &caption, QWidget *widget)
{
    auto *box = new QWidget;
    auto *layout = new QVBoxLayout(box);
    layout->setContentsMargins(0, 6, 0, 0);
    layout->setSpacing(4);
    auto *label = new QLabel(caption);
    QFont font = label->font();
    font.setWeight(QFont::DemiBold);
    label->setFont(font);
    layout->addWidget(label);
    layout->addWidget(widget, 1);
    return box;
}

} // namespace mldesk::ui
