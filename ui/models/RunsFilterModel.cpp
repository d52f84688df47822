// RunsFilterModel: the row test of the Runs table's filter.
#include "ui/models/RunsFilterModel.h"

#include "ui/models/RunsTableModel.h"

namespace mldesk::ui {

RunsFilterModel::RunsFilterModel(QObject *parent) : QSortFilterProxyModel(parent)
{
    setSortRole(RunsTableModel::SortRole);
}

void RunsFilterModel::setExperiment(const QString &experiment)
{
    m_experiment = experiment;
    invalidateFilter();
}

void RunsFilterModel::setState(std::optional<int> state)
{
    m_state = state;
    invalidateFilter();
}

void RunsFilterModel::setTag(const QString &tag)
{
    m_tag = tag.trimmed();
    invalidateFilter();
}

void RunsFilterModel::setText(const QString &text)
{
    m_text = text.trimmed();
    invalidateFilter();
}

bool RunsFilterModel::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    const QAbstractItemModel *model = sourceModel();
    auto cell = [&](int column, int role = Qt::DisplayRole) {
        return model->index(sourceRow, column, sourceParent).data(role);
    };
    if (!m_experiment.isEmpty() && cell(RunsTableModel::Experiment).toString() != m_experiment)
        return false;
    if (m_state && cell(0, RunsTableModel::StateRole).toInt() != *m_state)
        return false;
    if (!m_tag.isEmpty()) {
        const QStringList tags = cell(0, RunsTableModel::TagsTextRole).toString().split(QStringLiteral(", "));
        const bool byKey = !m_tag.contains(u'=');
        bool found = false;
        for (const QString &t : tags)
            found = found || t == m_tag || (byKey && t.section(u'=', 0, 0) == m_tag);
        if (!found)
            return false;
    }
    if (!m_text.isEmpty()) {
        for (int c : {int(RunsTableModel::Experiment), int(RunsTableModel::Name), int(RunsTableModel::State),
                      int(RunsTableModel::Compute), int(RunsTableModel::Tags)}) {
            if (cell(c).toString().contains(m_text, Qt::CaseInsensitive))
                return true;
        }
        return cell(0, RunsTableModel::UidRole).toString().contains(m_text, Qt::CaseInsensitive);
    }
    return true;
}

} // namespace mldesk::ui
