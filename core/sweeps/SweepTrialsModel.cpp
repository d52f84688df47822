// SweepTrialsModel: a sweep's children for views; see the header.
#include "core/sweeps/SweepTrialsModel.h"

#include "core/runs/RunStore.h"
#include "core/sweeps/SweepController.h"
#include "core/sweeps/SweepStore.h"

using namespace Qt::StringLiterals;

namespace mldesk::core {

SweepTrialsModel::SweepTrialsModel(const RunRecord &parent, QObject *parentObject)
    : QAbstractTableModel(parentObject), m_spec(SweepStore::specOf(parent))
{
}

SweepTrialsModel::Contents SweepTrialsModel::read(Database &db, qint64 parentId, const SweepSpec &spec)
{
    RunStore store(db);
    Contents out;
    for (const RunRecord &child : store.children(parentId)) {
        const QList<MetricPoint> points = store.metrics(child.id, spec.primaryMetric);
        QList<double> series;
        for (const MetricPoint &p : points)
            series.append(p.value);
        out.rows.append({child, SweepController::primaryValue(spec, series), points});
        const Row &r = out.rows.constLast();
        if (r.run.state == RunState::Completed && r.metric &&
            (out.best < 0 || spec.better(*r.metric, *out.rows[out.best].metric)))
            out.best = int(out.rows.size() - 1);
    }
    return out;
}

void SweepTrialsModel::setContents(Contents contents)
{
    beginResetModel();
    m_rows = std::move(contents.rows);
    m_best = contents.best;
    endResetModel();
}

QString SweepTrialsModel::axisName(int axis) const
{
    return axis < m_spec.space.parameters.size() ? m_spec.space.parameters[axis].name : m_spec.primaryMetric;
}

std::optional<double> SweepTrialsModel::parameterValue(const Row &row, int parameter) const
{
    const SweepParameter &p = m_spec.space.parameters[parameter];
    const QJsonValue v = row.run.hyperparameters.value(p.name);
    if (v.isDouble())
        return v.toDouble();
    if (v.isString() && p.isChoice()) {
        const qsizetype i = p.values.toVariantList().indexOf(v.toString());
        return i >= 0 ? std::optional<double>(double(i)) : std::nullopt;
    }
    return std::nullopt;
}

std::optional<double> SweepTrialsModel::axisValue(int row, int axis) const
{
    if (row < 0 || row >= m_rows.size())
        return std::nullopt;
    return axis < m_spec.space.parameters.size() ? parameterValue(m_rows[row], axis) : m_rows[row].metric;
}

int SweepTrialsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int SweepTrialsModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : metricColumn() + 1;
}

QVariant SweepTrialsModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_rows.size())
        return {};
    const Row &r = m_rows[index.row()];
    const int c = index.column();
    if (role == BestRole)
        return index.row() == m_best;
    if (role == ValueRole) {
        if (c == TrialColumn)
            return r.run.trialIndex.value_or(-1);
        if (c >= FirstParameterColumn) {
            const auto v = axisValue(index.row(), c - FirstParameterColumn);
            return v ? QVariant(*v) : QVariant();
        }
        return data(index, Qt::DisplayRole);
    }
    if (role != Qt::DisplayRole && role != Qt::ToolTipRole)
        return {};
    if (c == TrialColumn)
        return r.run.trialIndex.value_or(-1);
    if (c == RunIdColumn)
        return r.run.uid;
    if (c == StateColumn)
        return role == Qt::ToolTipRole && !r.run.note.isEmpty() ? r.run.note : runStateName(r.run.state);
    if (c == metricColumn())
        return r.metric ? QVariant(QString::number(*r.metric, 'g', 6)) : QVariant();
    return formatParameterValue(r.run.hyperparameters.value(m_spec.space.parameters[c - FirstParameterColumn].name));
}

QVariant SweepTrialsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case TrialColumn:
        return tr("Trial");
    case RunIdColumn:
        return tr("Run ID");
    case StateColumn:
        return tr("State");
    default:
        return axisName(section - FirstParameterColumn);
    }
}

} // namespace mldesk::core
