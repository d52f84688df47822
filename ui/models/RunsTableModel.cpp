// RunsTableModel: rows of RunRecords with their hyperparameters and metric summaries, state icons, durations, and
// the columns those make.
#include "ui/models/RunsTableModel.h"

#include "ui/charts/ChartTicks.h"
#include "ui/models/TableModel.h"
#include "ui/runs/ArgumentLine.h"

#include <QColor>
#include <QIcon>
#include <QJsonArray>
#include <QPainter>
#include <QPixmap>

#include <algorithm>
#include <cmath>
#include <limits>

namespace mldesk::ui {

using core::RunState;

namespace {
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

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
const char *const kFixedKeys[] = {"experiment", "name", "state", "compute", "started", "duration", "tags", "priority"};

double numberOf(const QString &text)
{
    bool ok = false;
    const double v = text.toDouble(&ok);
    return ok ? v : kNaN;
}

// "learning_rate" and "Learning-Rate" name the same thing in a filter.
QString normalized(QString name)
{
    while (name.startsWith(u'-'))
        name.remove(0, 1);
    return name.toLower().replace(u'_', u'-');
}

QString jsonText(const QJsonValue &v)
{
    if (v.isDouble())
        return QString::number(v.toDouble(), 'g', 12);
    if (v.isBool())
        return v.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    return v.toString();
}
} // namespace

RunsTableModel::RunsTableModel(QObject *parent) : QAbstractTableModel(parent)
{
    setContents(prepare({}, {}));
}

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

QList<QPair<QString, QString>> RunsTableModel::hyperparameters(const core::RunRecord &run)
{
    // The arguments as submitted (a dataset reference reads better than the path it resolved to).
    QJsonArray array = run.configuration.value(QStringLiteral("arguments")).toArray();
    if (array.isEmpty())
        array = run.configuration.value(QStringLiteral("resolved_arguments")).toArray();
    QStringList arguments;
    arguments.reserve(array.size());
    for (const QJsonValue &v : std::as_const(array))
        arguments.append(v.toString());
    QList<QPair<QString, QString>> out;
    for (const ArgumentLine::Row &row : ArgumentLine::toRows(arguments)) {
        if (row.first.isEmpty())
            continue; // a positional argument names nothing
        QString name = row.first;
        QString value = row.second;
        if (const qsizetype eq = name.indexOf(u'='); eq > 0) { // --name=value
            value = name.mid(eq + 1);
            name.truncate(eq);
        } else if (value.isEmpty()) {
            value = QStringLiteral("true"); // a flag
        }
        while (name.startsWith(u'-'))
            name.remove(0, 1);
        out.append({name, value});
    }
    // A sweep child's sampled values; one that is also an argument (learning_rate / --learning-rate) is one column.
    for (auto it = run.hyperparameters.constBegin(); it != run.hyperparameters.constEnd(); ++it) {
        const QString key = normalized(it.key());
        auto same = std::find_if(out.begin(), out.end(), [&](const auto &p) { return normalized(p.first) == key; });
        if (same != out.end())
            same->second = jsonText(it.value());
        else
            out.append({it.key(), jsonText(it.value())});
    }
    return out;
}

RunsTableModel::Contents RunsTableModel::prepare(QList<core::RunRecord> runs, const core::RunMetricSummaries &summaries)
{
    Contents out;
    out.rows.reserve(runs.size());
    for (int c = 0; c < FixedColumnCount; ++c)
        out.columns.append({Group::Run, QString::fromLatin1(kFixedKeys[c]), Stat::Last, c});
    QList<QString> paramOrder;
    QMap<QString, QString> tagKeys; // lower -> as first seen: sorted, case-insensitively unique
    // Runs of one experiment mostly share their argument lines: each distinct line is parsed once, and its rows
    // share one list of values (implicitly shared).
    QHash<QString, QList<Param>> parsed; // arguments joined by \x1f -> params by slot
    for (core::RunRecord &run : runs) {
        Row row;
        // A sweep child's sampled values are merged in per run: only plain runs share a parse.
        const bool shared = run.hyperparameters.isEmpty();
        QString line;
        if (shared) {
            QJsonArray array = run.configuration.value(QStringLiteral("arguments")).toArray();
            if (array.isEmpty())
                array = run.configuration.value(QStringLiteral("resolved_arguments")).toArray();
            for (const QJsonValue &v : std::as_const(array)) {
                line += v.toString();
                line += u'\x1f';
            }
        }
        if (const auto hit = shared ? parsed.constFind(line) : parsed.cend(); hit != parsed.cend()) {
            row.params = *hit;
        } else {
            for (const auto &[name, value] : hyperparameters(run)) {
                int slot = out.paramSlots.value(name, -1);
                if (slot < 0) {
                    slot = int(out.paramSlots.size());
                    out.paramSlots.insert(name, slot);
                    paramOrder.append(name);
                }
                if (row.params.size() <= slot)
                    row.params.resize(slot + 1);
                row.params[slot] = {value, numberOf(value)};
            }
            if (shared)
                parsed.insert(line, row.params);
        }
        for (auto it = run.tags.cbegin(); it != run.tags.cend(); ++it)
            tagKeys.insert(it.key().toLower(), it.key());
        row.run = std::move(run);
        out.rows.append(std::move(row));
    }
    for (int slot = 0; slot < paramOrder.size(); ++slot)
        out.columns.append({Group::Hyperparameter, paramOrder[slot], Stat::Last, slot});
    for (const QString &key : std::as_const(tagKeys))
        out.columns.append({Group::Tag, key, Stat::Last, 0});
    // Metrics with a number somewhere (an image series has none), sorted by name.
    QMap<QString, QString> metricNames;
    for (const auto &metrics : summaries) {
        for (auto it = metrics.cbegin(); it != metrics.cend(); ++it) {
            if (!std::isnan(it->last) || !std::isnan(it->min))
                metricNames.insert(it.key().toLower() + u'\n' + it.key(), it.key());
        }
    }
    for (const QString &name : std::as_const(metricNames)) {
        const int slot = int(out.metricSlots.size());
        out.metricSlots.insert(name, slot);
        for (Stat stat : {Stat::Last, Stat::Min, Stat::Max})
            out.columns.append({Group::Metric, name, stat, slot});
    }
    const core::MetricSummary none{kNaN, kNaN, kNaN};
    for (Row &row : out.rows) {
        row.metrics.fill(none, out.metricSlots.size());
        const auto found = summaries.constFind(row.run.id);
        if (found == summaries.cend())
            continue;
        for (auto it = found->cbegin(); it != found->cend(); ++it) {
            if (const int slot = out.metricSlots.value(it.key(), -1); slot >= 0)
                row.metrics[slot] = *it;
        }
    }
    return out;
}

void RunsTableModel::setContents(Contents contents)
{
    beginResetModel();
    m_rows = std::move(contents.rows);
    m_columns = std::move(contents.columns);
    m_paramSlots = std::move(contents.paramSlots);
    m_metricSlots = std::move(contents.metricSlots);
    m_columnOfKey.clear();
    for (int c = 0; c < m_columns.size(); ++c)
        m_columnOfKey.insert(columnKey(c), c);
    reindex();
    endResetModel();
}

void RunsTableModel::reindex()
{
    m_rowOfUid.clear();
    m_rowOfUid.reserve(m_rows.size());
    for (int i = 0; i < m_rows.size(); ++i)
        m_rowOfUid.insert(m_rows[i].run.uid, i);
}

void RunsTableModel::appendColumns(const QList<ColumnInfo> &columns)
{
    const int first = int(m_columns.size());
    beginInsertColumns({}, first, first + int(columns.size()) - 1);
    for (const ColumnInfo &c : columns) {
        m_columns.append(c);
        m_columnOfKey.insert(columnKey(int(m_columns.size()) - 1), int(m_columns.size()) - 1);
    }
    endInsertColumns();
}

int RunsTableModel::paramSlot(const QString &name)
{
    if (const int slot = m_paramSlots.value(name, -1); slot >= 0)
        return slot;
    const int slot = int(m_paramSlots.size());
    m_paramSlots.insert(name, slot);
    appendColumns({{Group::Hyperparameter, name, Stat::Last, slot}});
    return slot;
}

int RunsTableModel::metricSlot(const QString &name)
{
    if (const int slot = m_metricSlots.value(name, -1); slot >= 0)
        return slot;
    const int slot = int(m_metricSlots.size());
    m_metricSlots.insert(name, slot);
    appendColumns({{Group::Metric, name, Stat::Last, slot},
                   {Group::Metric, name, Stat::Min, slot},
                   {Group::Metric, name, Stat::Max, slot}});
    return slot;
}

void RunsTableModel::tagColumn(const QString &key)
{
    if (!m_columnOfKey.contains(QStringLiteral("tag:") + key))
        appendColumns({{Group::Tag, key, Stat::Last, 0}});
}

void RunsTableModel::fillRow(Row &row, const core::RunRecord &run)
{
    row.run = run;
    row.params.clear();
    for (const auto &[name, value] : hyperparameters(run)) {
        const int slot = paramSlot(name);
        if (row.params.size() <= slot)
            row.params.resize(slot + 1);
        row.params[slot] = {value, numberOf(value)};
    }
    for (auto it = run.tags.cbegin(); it != run.tags.cend(); ++it)
        tagColumn(it.key());
}

void RunsTableModel::upsert(const core::RunRecord &run)
{
    Row fresh;
    if (const int row = rowOf(run.uid); row >= 0)
        fresh.metrics = m_rows[row].metrics;
    fillRow(fresh, run); // new columns first: a row is never inserted while columns are
    if (const int row = rowOf(run.uid); row >= 0) {
        m_rows[row] = std::move(fresh);
        emit dataChanged(index(row, 0), index(row, columnCount() - 1));
        return;
    }
    beginInsertRows({}, 0, 0);
    m_rows.prepend(std::move(fresh));
    reindex();
    endInsertRows();
}

void RunsTableModel::addMetrics(const QString &uid, const QList<core::MetricPoint> &points)
{
    if (rowOf(uid) < 0)
        return;
    bool changed = false;
    for (const core::MetricPoint &p : points) {
        if (std::isnan(p.value))
            continue;
        const int slot = metricSlot(p.name);
        QList<core::MetricSummary> &metrics = m_rows[rowOf(uid)].metrics;
        if (metrics.size() <= slot)
            metrics.resize(slot + 1, {kNaN, kNaN, kNaN});
        core::MetricSummary &m = metrics[slot];
        m.last = p.value; // live points come in step order
        m.min = std::isnan(m.min) ? p.value : std::min(m.min, p.value);
        m.max = std::isnan(m.max) ? p.value : std::max(m.max, p.value);
        changed = true;
    }
    if (changed) {
        const int row = rowOf(uid);
        emit dataChanged(index(row, 0), index(row, columnCount() - 1));
    }
}

QString RunsTableModel::columnKey(int column) const
{
    return columnKey(m_columns.at(column));
}

QString RunsTableModel::columnKey(const ColumnInfo &c)
{
    switch (c.group) {
    case Group::Run:
        return QStringLiteral("run:") + c.name;
    case Group::Hyperparameter:
        return QStringLiteral("hp:") + c.name;
    case Group::Tag:
        return QStringLiteral("tag:") + c.name;
    case Group::Metric:
        break;
    }
    const char *stat = c.stat == Stat::Last ? ":last" : c.stat == Stat::Min ? ":min" : ":max";
    return QStringLiteral("metric:") + c.name + QLatin1String(stat);
}

RunsTableModel::Group RunsTableModel::columnGroup(int column) const
{
    return m_columns.at(column).group;
}

int RunsTableModel::columnForField(const QString &field) const
{
    const QString wanted = normalized(field);
    for (int c = 0; c < m_columns.size(); ++c) { // names first: a hyperparameter, a metric (its last value)
        const ColumnInfo &info = m_columns.at(c);
        if (info.group != Group::Tag && info.stat == Stat::Last && normalized(info.name) == wanted)
            return c;
    }
    for (int c = 0; c < m_columns.size(); ++c) {
        const ColumnInfo &info = m_columns.at(c);
        const QString title = headerData(c, Qt::Horizontal).toString();
        if (normalized(title) == wanted)
            return c;
        if (info.group == Group::Metric && info.stat != Stat::Last &&
            wanted == normalized(info.name) + (info.stat == Stat::Min ? u".min" : u".max"))
            return c;
    }
    return -1;
}

int RunsTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int RunsTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_columns.size());
}

QVariant RunsTableModel::value(const Row &row, const ColumnInfo &column) const
{
    switch (column.group) {
    case Group::Hyperparameter: {
        if (column.slot >= row.params.size() || row.params[column.slot].text.isEmpty())
            return {};
        const Param &p = row.params[column.slot];
        return std::isnan(p.number) ? QVariant(p.text) : QVariant(p.number);
    }
    case Group::Metric: {
        if (column.slot >= row.metrics.size())
            return {};
        const core::MetricSummary &m = row.metrics[column.slot];
        const double v = column.stat == Stat::Last ? m.last : column.stat == Stat::Min ? m.min : m.max;
        return std::isnan(v) ? QVariant() : QVariant(v);
    }
    case Group::Tag: {
        const auto it = row.run.tags.constFind(column.name);
        if (it == row.run.tags.cend())
            return {};
        const double number = numberOf(*it);
        return std::isnan(number) ? QVariant(*it) : QVariant(number);
    }
    case Group::Run:
        break;
    }
    return {};
}

QVariant RunsTableModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row &row = m_rows.at(index.row());
    const core::RunRecord &r = row.run;
    const int column = index.column();
    const ColumnInfo &info = m_columns.at(column);
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
    if (info.group != Group::Run) {
        const QVariant v = value(row, info);
        const bool number = v.metaType().id() == QMetaType::Double;
        switch (role) {
        case SortRole:
        case FilterRole:
            return v;
        case Qt::DisplayRole:
            if (number && info.group == Group::Metric)
                return QString::number(v.toDouble(), 'g', 4);
            if (number && info.group == Group::Hyperparameter)
                return row.params[info.slot].text; // as given: "1e-3" stays "1e-3"
            return v.toString();
        case Qt::ToolTipRole:
            return number && info.group == Group::Metric ? QVariant(QString::number(v.toDouble(), 'g', 12))
                                                         : QVariant();
        case Qt::TextAlignmentRole:
            return number ? QVariant(Qt::AlignRight | Qt::AlignVCenter) : QVariant();
        default:
            return {};
        }
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
    if (role == Qt::TextAlignmentRole && (column == Duration || column == Priority))
        return QVariant(Qt::AlignRight | Qt::AlignVCenter);
    if (role == SortRole || role == FilterRole) {
        switch (column) {
        case Started: // a number sorts 10,000 rows faster than a QDateTime
            if (role == SortRole)
                return double((r.started.isValid() ? r.started : r.created).toMSecsSinceEpoch());
            break;
        case Duration: // seconds, as "duration>60" reads
            return role == SortRole ? QVariant(double(r.durationMs())) : QVariant(r.durationMs() / 1000.0);
        case State:
            return role == SortRole ? QVariant(int(r.state)) : QVariant(core::runStateName(r.state));
        case Priority: // "priority>=100" compares the number
            return double(r.priority);
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
    case Tags:
        return data(index, TagsTextRole);
    case Priority:
        return core::runPriorityText(r.priority);
    default:
        return {};
    }
}

QVariant RunsTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || section < 0 || section >= m_columns.size())
        return QAbstractTableModel::headerData(section, orientation, role);
    const ColumnInfo &c = m_columns.at(section);
    if (role == ColumnKeyRole)
        return columnKey(section);
    if (role == ColumnGroupRole)
        return int(c.group);
    if (role == Qt::ToolTipRole) {
        switch (c.group) {
        case Group::Hyperparameter:
            return tr("Hyperparameter %1 (from the run's arguments or its sweep)").arg(c.name);
        case Group::Tag:
            return tr("Tag %1").arg(c.name);
        case Group::Metric:
            return c.stat == Stat::Last  ? tr("%1: the value at the last step").arg(c.name)
                   : c.stat == Stat::Min ? tr("%1: the lowest value over all steps").arg(c.name)
                                         : tr("%1: the highest value over all steps").arg(c.name);
        case Group::Run:
            return {};
        }
    }
    if (role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (c.group) {
    case Group::Hyperparameter:
        return c.name;
    case Group::Tag:
        return tr("%1 (tag)").arg(c.name);
    case Group::Metric:
        return c.stat == Stat::Last  ? c.name
               : c.stat == Stat::Min ? tr("%1 (min)").arg(c.name)
                                     : tr("%1 (max)").arg(c.name);
    case Group::Run:
        break;
    }
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
    case Tags:
        return tr("Tags");
    case Priority:
        return tr("Priority");
    default:
        return {};
    }
}

} // namespace mldesk::ui
