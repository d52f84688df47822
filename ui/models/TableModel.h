// TableModel: a read-only table of rows the panes fill from core services (datasets, versions, files,
// environments, compute targets). Each cell has its display text and a raw sort value (sizes sort as bytes,
// dates as dates); each row a key (the name or version it stands for). Needs only QtCore: it belongs in core/
// (CONVENTIONS 9) once core/ takes UI-neutral models.
#pragma once

#include <QAbstractTableModel>
#include <QList>
#include <QStringList>
#include <QVariant>

namespace mldesk::ui {

class TableModel final : public QAbstractTableModel {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TableModel)

public:
    enum Role { SortRole = Qt::UserRole, KeyRole };

    struct Cell {
        QString text;
        QVariant sortValue; // null: the text
        QString toolTip;    // empty: the text
    };
    struct Row {
        QVariant key;
        QList<Cell> cells;
    };

    explicit TableModel(const QStringList &headers, QObject *parent = nullptr);

    // Replaces all rows (one model reset; views keep their column sizes).
    void setRows(QList<Row> rows);
    const Row &row(int index) const { return m_rows.at(index); }
    int rowOfKey(const QVariant &key) const; // -1 when absent
    // Replaces one cell in place (dataChanged, no reset: selection and scrolling stay); ignored when out of range.
    void setCell(int row, int column, const Cell &cell);
    // Numeric columns are right-aligned.
    void setNumericColumns(const QList<int> &columns) { m_numeric = columns; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // Display helpers shared by the panes.
    static QString formatBytes(qint64 bytes);
    static QString formatDate(const QDateTime &utc); // local time, minutes

private:
    QStringList m_headers;
    QList<Row> m_rows;
    QList<int> m_numeric;
};

} // namespace mldesk::ui
