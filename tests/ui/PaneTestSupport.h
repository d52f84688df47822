// PaneTestSupport: what the tests of the panes that read off the GUI thread (Datasets, Environments, Models) share -
// a record of every table a pane shows, to prove that no answer for a selection no longer current is ever shown.
#pragma once

#include <QAbstractItemModel>
#include <QObject>
#include <QStringList>
#include <QTableView>

namespace mldesk::test {

// From now on, every reset of model that leaves rows appends "<the current row of table> [label ]<row count>" to
// shown (context ends the recording).
inline void recordShown(QStringList &shown, const QAbstractItemModel *model, const QTableView *table,
                        const QString &label, QObject *context)
{
    QObject::connect(model, &QAbstractItemModel::modelReset, context, [&shown, model, table, label] {
        if (model->rowCount() == 0)
            return;
        QStringList parts{table->currentIndex().data().toString()};
        if (!label.isEmpty())
            parts.append(label);
        parts.append(QString::number(model->rowCount()));
        shown.append(parts.join(u' '));
    });
}

} // namespace mldesk::test
