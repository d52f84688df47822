// RunsTableModel: see the header.
#include "core/runs/RunsTableModel.h"

#include "core/runs/RunService.h"

using namespace Qt::StringLiterals;

namespace mldesk::core {

namespace {

QString durationText(const RunRecord &r)
{
    const qint64 s = r.durationMs() / 1000;
    if (!r.started.isValid())
        return {};
    return s >= 3600 ? u"%1h %2m"_s.arg(s / 3600).arg((s % 3600) / 60) : u"%1m %2s"_s.arg(s / 60).arg(s % 60);
}

} // namespace

RunsTableModel::RunsTableModel(RunService &service, QObject *parent) : QAbstractTableModel(parent), m_service(service)
{
    connect(&service, &RunService::runSubmitted, this, &RunsTableModel::upsert);
    connect(&service, &RunService::runStateChanged, this, &RunsTableModel::upsert);
    reload();
}

void RunsTableModel::setExperimentFilter(const QString &experiment)
{
    m_experiment = experiment;
    reload();
}

void RunsTableModel::reload()
{
    beginResetModel();
    m_runs = m_service.store().list(m_experiment);
    endResetModel();
}

int RunsTableModel::rowOf(const QString &uid) const
{
    for (int i = 0; i < m_runs.size(); ++i)
        if (m_runs[i].uid == uid)
            return i;
    return -1;
}

void RunsTableModel::upsert(const RunRecord &run)
{
    if (!m_experiment.isEmpty() && run.experiment != m_experiment)
        return;
    const int row = rowOf(run.uid);
    if (row >= 0) {
        m_runs[row] = run;
        emit dataChanged(index(row, 0), index(row, ColumnCount - 1));
        return;
    }
    beginInsertRows({}, 0, 0); // newest first
    m_runs.prepend(run);
    endInsertRows();
}

int RunsTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_runs.size());
}

int RunsTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant RunsTableModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const RunRecord &r = m_runs[index.row()];
    switch (role) {
    case RunIdRole:
        return r.uid;
    case StateRole:
        return int(r.state);
    case RecordRole:
        return QVariant::fromValue(r);
    case ExperimentRole:
        return r.experiment;
    case Qt::ToolTipRole:
        return r.failureReason.isEmpty() ? QVariant() : QVariant(r.failureReason);
    case Qt::DisplayRole:
        switch (Column(index.column())) {
        case IdColumn:
            return r.uid;
        case ExperimentColumn:
            return r.experiment;
        case DisplayNameColumn:
            return r.displayName;
        case StateColumn:
            return runStateName(r.state);
        case CreatedColumn:
            return r.created.toLocalTime().toString(u"yyyy-MM-dd HH:mm:ss"_s);
        case DurationColumn:
            return durationText(r);
        case ComputeColumn:
            return r.computeTarget;
        case ColumnCount:
            break;
        }
        break;
    default:
        break;
    }
    return {};
}

QVariant RunsTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    static const QStringList names{u"Run"_s,     u"Experiment"_s, u"Name"_s,   u"State"_s,
                                   u"Created"_s, u"Duration"_s,   u"Compute"_s};
    return names.value(section);
}

} // namespace mldesk::core
