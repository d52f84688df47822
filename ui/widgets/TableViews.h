// TableViews: how the panes' tables look and behave (row selection, sorting, no resize-to-contents on big
// tables - MEASUREMENTS.md), the current row kept by key across a TableModel reset, and a small titled frame around
// a view.
#pragma once

#include "ui/models/TableModel.h"

#include <QString>

#include <initializer_list>

class QAbstractItemModel;
class QTableView;
class QWidget;

namespace mldesk::ui {

QTableView *makeTableView(const QString &objectName, QAbstractItemModel *model, bool sortable);

// Makes row (of model, which view shows directly or through a proxy) the view's current row and scrolls to it.
void setCurrentRow(QTableView *view, const TableModel &model, int row);
// The same for the row of key; false (the view untouched) when model does not list it.
bool setCurrentKey(QTableView *view, const TableModel &model, const QVariant &key);
// What to make current when none of the keys is listed.
enum class IfNoneListed { NoCurrentRow, FirstRow };
// Replaces model's rows (a reset: the view loses its current row) and makes current the row of the first of keys
// still listed (a key not listed - an empty or null one - is passed over), else as ifNone says.
void setRowsKeepingCurrent(QTableView *view, TableModel &model, QList<TableModel::Row> rows,
                           std::initializer_list<QVariant> keys, IfNoneListed ifNone);
// A caption above widget.
QWidget *titled(const QString &caption, QWidget *widget);

} // namespace mldesk::ui
