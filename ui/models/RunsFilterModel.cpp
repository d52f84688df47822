// RunsFilterModel: the row test of the Runs table's filter and its sort order.
#include "ui/models/RunsFilterModel.h"

#include "ui/models/RunsTableModel.h"

#include <QDateTime>

using namespace Qt::StringLiterals;

namespace mldesk::ui {

namespace {

core::FilterExpression::Syntax syntax()
{
    return {true,
            u"a column such as learning-rate, Accuracy, Accuracy.min, state, name or tag:KEY"_s,
            u"learning-rate<0.01 or Accuracy>=0.88"_s,
            {}};
}

// The filter box holds an expression when it has an operator or a tag clause; else it is free text.
bool looksLikeExpression(const QString &text)
{
    for (QChar c : text) {
        if (c == u'=' || c == u'<' || c == u'>' || c == u'~')
            return true;
    }
    return text.contains(u"tag:"_s, Qt::CaseInsensitive);
}

} // namespace

RunsFilterModel::RunsFilterModel(QObject *parent) : QSortFilterProxyModel(parent)
{
    setSortRole(RunsTableModel::SortRole);
}

QString RunsFilterModel::syntaxHelp()
{
    return tr("Filter runs: free text, or clauses that must all hold, separated by blanks or \"and\":\n"
              "  learning-rate<0.01   Accuracy>=0.88   Loss.min<0.3   state=Completed\n"
              "  name~mlp   tag:stage   tag:stage=prod   \"Final test accuracy\">0.85\n"
              "A field is any column: a hyperparameter, a metric (its last value; .min, .max), a tag or\n"
              "Experiment, Name, State, Compute, Duration (seconds), Priority. Operators: = != ~ (contains) < <= > >=");
}

void RunsFilterModel::setSourceModel(QAbstractItemModel *model)
{
    if (sourceModel())
        disconnect(sourceModel(), nullptr, this, nullptr);
    QSortFilterProxyModel::setSourceModel(model);
    if (!model)
        return;
    // A clause may name a column that only comes with the next runs or points.
    const auto refresh = [this] {
        if (!m_expression.isEmpty()) {
            resolveColumns();
            invalidateFilter();
        }
    };
    connect(model, &QAbstractItemModel::modelReset, this, refresh);
    connect(model, &QAbstractItemModel::columnsInserted, this, refresh);
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

QString RunsFilterModel::setText(const QString &text)
{
    const QString trimmed = text.trimmed();
    m_text.clear();
    m_expression.clear();
    m_clauses.clear();
    m_textError.clear();
    if (!looksLikeExpression(trimmed)) {
        m_text = trimmed;
    } else {
        try {
            for (const core::FilterExpression::Clause &c : core::FilterExpression::parse(trimmed, syntax())) {
                Clause clause{c, -1, {}};
                if (c.field.startsWith(u"tag:"_s, Qt::CaseInsensitive)) {
                    clause.tagKey = c.field.mid(4);
                    if (clause.tagKey.isEmpty())
                        core::FilterExpression::fail(trimmed, syntax(), c.fieldColumn + 4,
                                                     tr("'tag:' needs a key, e.g. tag:stage=prod"));
                }
                m_clauses.append(clause);
            }
            m_expression = trimmed;
            resolveColumns();
        } catch (const core::FilterError &e) {
            m_clauses.clear();
            m_textError = e.message();
        }
    }
    invalidateFilter();
    return m_textError;
}

void RunsFilterModel::resolveColumns()
{
    const auto *model = qobject_cast<const RunsTableModel *>(sourceModel());
    QStringList unknown;
    for (Clause &c : m_clauses) {
        if (!c.tagKey.isEmpty())
            continue;
        c.column = model ? model->columnForField(c.clause.field) : -1;
        if (c.column < 0)
            unknown.append(c.clause.field);
    }
    // Not an error that stops the filter (the column may come with the next run), but the user should know.
    m_textError = unknown.isEmpty() ? QString()
                                    : tr("No column named %1 yet: no run matches it. Columns come from the runs' "
                                         "arguments, metrics and tags.")
                                          .arg(unknown.join(QStringLiteral(", ")));
}

bool RunsFilterModel::matches(const Clause &c, int sourceRow, const QModelIndex &sourceParent) const
{
    using Op = core::FilterExpression::Op;
    const QAbstractItemModel *model = sourceModel();
    if (!c.tagKey.isEmpty()) {
        const auto *runs = qobject_cast<const RunsTableModel *>(model);
        if (!runs)
            return false;
        const QMap<QString, QString> &tags = runs->run(sourceRow).tags;
        for (auto it = tags.cbegin(); it != tags.cend(); ++it) {
            if (it.key().compare(c.tagKey, Qt::CaseInsensitive) == 0)
                return c.clause.op == Op::Exists || core::FilterExpression::compare(*it, c.clause.op, c.clause.value);
        }
        return false;
    }
    if (c.column < 0)
        return false;
    const QVariant v = model->index(sourceRow, c.column, sourceParent).data(RunsTableModel::FilterRole);
    if (!v.isValid())
        return false; // a run without the value never matches (not even "!=")
    if (v.metaType().id() == QMetaType::Double)
        return core::FilterExpression::compare(v.toDouble(), c.clause.op, c.clause.value);
    return core::FilterExpression::compare(v.toString(), c.clause.op, c.clause.value);
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
    for (const Clause &c : m_clauses) {
        if (!matches(c, sourceRow, sourceParent))
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

bool RunsFilterModel::lessThan(const QModelIndex &left, const QModelIndex &right) const
{
    const QVariant l = left.data(sortRole());
    const QVariant r = right.data(sortRole());
    // Runs without a value go last in either order.
    if (!l.isValid() || !r.isValid()) {
        if (l.isValid() == r.isValid())
            return false;
        return sortOrder() == Qt::AscendingOrder ? l.isValid() : r.isValid();
    }
    const int lt = l.metaType().id();
    const int rt = r.metaType().id();
    if (lt == QMetaType::QDateTime && rt == QMetaType::QDateTime)
        return l.toDateTime() < r.toDateTime();
    const bool ln = lt == QMetaType::Double || lt == QMetaType::Int || lt == QMetaType::LongLong;
    const bool rn = rt == QMetaType::Double || rt == QMetaType::Int || rt == QMetaType::LongLong;
    if (ln && rn)
        return l.toDouble() < r.toDouble();
    if (ln != rn)
        return ln; // numbers before text
    return naturalCompare(l.toString(), r.toString()) < 0;
}

int RunsFilterModel::naturalCompare(const QString &a, const QString &b)
{
    // QCollator's numeric mode needs ICU, which not every Qt build has: digit runs are compared here.
    qsizetype i = 0, j = 0;
    while (i < a.size() && j < b.size()) {
        if (a[i].isDigit() && b[j].isDigit()) {
            const qsizetype si = i, sj = j;
            while (i < a.size() && a[i].isDigit())
                ++i;
            while (j < b.size() && b[j].isDigit())
                ++j;
            QStringView x = QStringView(a).mid(si, i - si), y = QStringView(b).mid(sj, j - sj);
            while (x.size() > 1 && x.front() == u'0')
                x = x.mid(1);
            while (y.size() > 1 && y.front() == u'0')
                y = y.mid(1);
            if (x.size() != y.size())
                return x.size() < y.size() ? -1 : 1;
            if (const int c = x.compare(y); c != 0)
                return c;
            continue;
        }
        const QChar x = a[i].toCaseFolded(), y = b[j].toCaseFolded();
        if (x != y)
            return x < y ? -1 : 1;
        ++i;
        ++j;
    }
    if (i < a.size() || j < b.size())
        return i < a.size() ? 1 : -1;
    return a.compare(b);
}

} // namespace mldesk::ui
