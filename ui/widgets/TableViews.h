// TableViews: how the panes' tables look and behave (row selection, sorting, no resize-to-contents on big
// tables - MEASUREMENTS.md) and a small titled frame around a view.
#pragma once

#include <QString>

class QAbstractItemModel;
class QTableView;
class QWidget;

namespace mldesk::ui {

QTableView *makeTableView(const QString &objectName, QAbstractItemModel *model, bool sortable);
// A caption above widget.
QWidget *titled(const QString &caption, QWidget *widget);

} // namespace mldesk::ui
