// RunsTableModel: rows of RunRecords, state icons, durations and key metrics.
#include "ui/models/RunsTableModel.h"

#include "ui/charts/ChartTicks.h"
#include "ui/models/TableModel.h"

#include <QColor>
#include <QIcon>
#include <QPainter>
#include <QPixmap>

#include <cmath>

namespace mldesk::ui {

using core::RunState;

namespace {
const QString kLoss = QStringLiteral("Loss");
const QString kAccuracy = QStringLiteral("Accuracy");
const QString kNoteSuffix = QStringLiteral(" \u26A0");

QIcon stateIcon(RunState state)
{
    // A filled dot per state colour, drawn once (SVG would be nicer; the colour is what users read).
    static QHash<int, QIcon> cache;
    auto it = cache.find(int(state));
    if (it != cache.end())
        return *it;
    QIcon icon;
    for (int size : {16, 32}) {
        QPixmap pixmap(size, size);
        pixmap.fill(Qt::transparent);
        QPainter painter(&pixmap);
        painter.setRenderHint(QPainter::Antialiasing);
        painter.setPen(Qt::NoPen);
        painter.setBrush(RunsTableModel::stateColor(state));
        const qreal margin = size * 0.2;
        painter.drawEllipse(QRectF(margin, margin, size - 2 * margin, size - 2 * margin));
        icon.addPixmap(pixmap);
    }
    cache.insert(int(state), icon);
    return icon;
}
} // namespace

RunsTableModel::RunsTableModel(QObject *parent) : QAbstractTableModel(parent) {}

QColor RunsTableModel::stateColor(RunState state)
{
    switch (state) {
    case RunState::Queued:
        return QColor(0x95a5a6);
    case RunState::Preparing:
    case RunState::Starting:
        return QColor(0xf39c12);
    case RunState::Running:
    case RunState::Finalizing:
        return QColor(0x2f6fd1);
    case RunState::Completed:
        return QColor(0x27ae60);
    case RunState::Failed:
        return QColor(0xc0392b);
    case RunState::Canceled:
        return QColor(0x7f8c8d);
    }
    return {};
}

QString RunsTableModel::formatDuration(qint64 ms)
{
    if (ms <= 0)
        return {};
    const qint64 s = ms / 1000;
    if (s < 60)
        return QStringLiteral("%1 s").arg(s);
    if (s < 3600)
        return QStringLiteral("%1 min %2 s").arg(s / 60).arg(s % 60);
    return QStringLiteral("%1 h %2 min").arg(s / 3600).arg((s % 3600) / 60);
}

void RunsTableModel::setRuns(QList<core::RunRecord> runs)
{
    beginResetModel();
    m_runs = std::move(runs);
    m_metrics.clear();
    reindex();
    endResetModel();
}

void RunsTableModel::reindex()
{
    m_rowOfUid.clear();
    m_rowOfUid.reserve(m_runs.size());
    for (int i = 0; i < m_runs.size(); ++i)
        m_rowOfUid.insert(m_runs[i].uid, i);
}

void RunsTableModel::upsert(const core::RunRecord &run)
{
    const int row = rowOf(run.uid);
    if (row >= 0) {
        m_runs[row] = run;
        emit dataChanged(index(row, 0), index(row, ColumnCount - 1));
        return;
    }
    beginInsertRows({}, 0, 0);
    m_runs.prepend(run);
    reindex();
    endInsertRows();
}

void RunsTableModel::addMetrics(const QString &uid, const QList<core::MetricPoint> &points)
{
    const int row = rowOf(uid);
    if (row < 0)
        return;
    bool changed = false;
    for (const core::MetricPoint &p : points) {
        if (p.name == kLoss || p.name == kAccuracy) {
            m_metrics[uid][p.name] = p.value;
            changed = true;
        }
    }
    if (changed)
        emit dataChanged(index(row, Loss), index(row, Accuracy));
}

double RunsTableModel::metric(int row, const QString &name) const
{
    const core::RunRecord &r = m_runs.at(row);
    auto &values = m_metrics[r.uid];
    auto it = values.find(name);
    if (it != values.end())
        return *it;
    const double value = m_lookup ? m_lookup(r.id, name) : std::nan("");
    values.insert(name, value);
    return value;
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
    const core::RunRecord &r = m_runs.at(index.row());
    const int column = index.column();
    if (role == UidRole)
        return r.uid;
    if (role == StateRole)
        return int(r.state);
    if (role == TagsTextRole) {
        QStringList tags;
        for (auto it = r.tags.cbegin(); it != r.tags.cend(); ++it)
            tags.append(it.value().isEmpty() ? it.key() : it.key() + u'=' + it.value());
        return tags.join(QStringLiteral(", "));
    }
    if (role == Qt::DecorationRole && column == State)
        return stateIcon(r.state);
    if (role == Qt::DecorationRole && column == Name)
        return colorForRun(r.uid); // a swatch: the run's colour in every chart (issue 17)
    if (role == Qt::ToolTipRole && column == State) {
        // The backend's note (e.g. "cluster unreachable, retrying ...") first: it is what is happening now.
        QStringList lines;
        if (!r.note.isEmpty())
            lines.append(r.note);
        if (!r.failureReason.isEmpty())
            lines.append(r.failureReason);
        return lines.isEmpty() ? QVariant() : QVariant(lines.join(u'\n'));
    }
    if (role == Qt::ToolTipRole && column == Name && !r.parentUid.isEmpty())
        return tr("%1, a child run of %2").arg(r.uid, r.parentUid);
    if (role == Qt::TextAlignmentRole && (column == Duration || column == Loss || column == Accuracy))
        return QVariant(Qt::AlignRight | Qt::AlignVCenter);
    if (role == SortRole) {
        switch (column) {
        case Started:
            return r.started.isValid() ? r.started : r.created;
        case Duration:
            return r.durationMs();
        case Loss:
        case Accuracy: {
            // Only what is known already: sorting must not query 10,000 runs.
            const auto values = m_metrics.value(r.uid);
            const QString name = column == Loss ? kLoss : kAccuracy;
            return values.contains(name) && !std::isnan(values.value(name)) ? values.value(name) : -1e300;
        }
        case State:
            return int(r.state);
        default:
            break;
        }
        return data(index, Qt::DisplayRole);
    }
    if (role != Qt::DisplayRole)
        return {};
    switch (column) {
    case Experiment:
        return r.experiment;
    case Name: // a child (a sweep's trial, a script's child run) is marked; its tooltip names the parent
        return QString((r.parentUid.isEmpty() ? QString() : QStringLiteral("\u21b3 ")) +
                       (r.displayName.isEmpty() ? r.uid : r.displayName));
    case State:
        // A warning sign while the backend has a note; the tooltip says what it is.
        return r.note.isEmpty() ? core::runStateName(r.state) : core::runStateName(r.state) + kNoteSuffix;
    case Compute:
        return r.device.isEmpty() ? r.computeTarget : r.computeTarget + QStringLiteral(" (") + r.device + u')';
    case Started:
        return TableModel::formatDate(r.started.isValid() ? r.started : r.created);
    case Duration:
        return formatDuration(r.durationMs());
    case Loss:
    case Accuracy: {
        const double v = metric(index.row(), column == Loss ? kLoss : kAccuracy);
        return std::isnan(v) ? QString() : QString::number(v, 'g', 4);
    }
    case Tags:
        return data(index, TagsTextRole);
    default:
        return {};
    }
}

QVariant RunsTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case Experiment:
        return tr("Experiment");
    case Name:
        return tr("Name");
    case State:
        return tr("State");
    case Compute:
        return tr("Compute");
    case Started:
        return tr("Started");
    case Duration:
        return tr("Duration");
    case Loss:
        return tr("Loss");
    case Accuracy:
        return tr("Accuracy");
    case Tags:
        return tr("Tags");
    default:
        return {};
    }
}

} // namespace mldesk::ui
