// TableModel: rows, roles and the byte/date formatting the panes share.
#include "ui/models/TableModel.h"

#include <QDateTime>
#include <QLocale>

namespace mldesk::ui {

TableModel::TableModel(const QStringList &headers, QObject *parent) : QAbstractTableModel(parent), m_headers(headers) {}

void TableModel::setRows(QList<Row> rows)
{
    beginResetModel();
    m_rows = std::move(rows);
    for (Row &row : m_rows)
        row.cells.resize(m_headers.size());
    endResetModel();
}

int TableModel::rowOfKey(const QVariant &key) const
{
    for (int i = 0; i < m_rows.size(); ++i) {
        if (m_rows[i].key == key)
            return i;
    }
    return -1;
}

void TableModel::setCell(int row, int column, const Cell &cell)
{
    if (row < 0 || row >= m_rows.size() || column < 0 || column >= m_headers.size())
        return;
    m_rows[row].cells[column] = cell;
    const QModelIndex changed = index(row, column);
    emit dataChanged(changed, changed);
}

int TableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int TableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_headers.size());
}

QVariant TableModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row &row = m_rows.at(index.row());
    const Cell &cell = row.cells.at(index.column());
    switch (role) {
    case Qt::DisplayRole:
        return cell.text;
    case Qt::ToolTipRole:
        return cell.toolTip.isEmpty() ? cell.text : cell.toolTip;
    case Qt::TextAlignmentRole:
        return m_numeric.contains(index.column()) ? QVariant(Qt::AlignRight | Qt::AlignVCenter) : QVariant();
    case SortRole:
        return cell.sortValue.isNull() ? QVariant(cell.text) : cell.sortValue;
    case KeyRole:
        return row.key;
    default:
        return {};
    }
}

QVariant TableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation == Qt::Horizontal && role == Qt::DisplayRole && section >= 0 && section < m_headers.size())
        return m_headers.at(section);
    return QAbstractTableModel::headerData(section, orientation, role);
}

QString TableModel::formatBytes(qint64 bytes)
{
    return QLocale().formattedDataSize(bytes, 1, QLocale::DataSizeTraditionalFormat);
}

QString TableModel::formatDate(const QDateTime &utc)
{
    if (!utc.isValid())
        return {};
    return QLocale().toString(utc.toLocalTime(), QStringLiteral("yyyy-MM-dd HH:mm"));
}

} // namespace mldesk::ui
