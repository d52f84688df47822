// RunsFilterModel: the Runs table's filter - experiment, state, tag, and the filter box: an expression over any
// column (`learning-rate<0.01 Accuracy>=0.88 state=Completed tag:foo`, core/filter/FilterExpression's syntax with
// blanks separating clauses) or, when it has no operator, free text over the text columns - and a numeric-aware
// sort (numbers as numbers, "run 2" before "run 10", runs without a value last either way).
#pragma once

#include "core/filter/FilterExpression.h"

#include <QSortFilterProxyModel>

#include <optional>

namespace mldesk::ui {

class RunsFilterModel final : public QSortFilterProxyModel {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RunsFilterModel)

public:
    explicit RunsFilterModel(QObject *parent = nullptr);
    void setSourceModel(QAbstractItemModel *model) override; // a RunsTableModel
    void setExperiment(const QString &experiment);           // empty: all
    void setState(std::optional<int> state);                 // core::RunState as int; nullopt: all
    void setTag(const QString &tag);                         // "key" or "key=value"; empty: all
    // The filter box. Returns what is wrong with it (empty when fine); while it is wrong it filters nothing out.
    QString setText(const QString &text);
    QString textError() const { return m_textError; }

    static QString syntaxHelp();
    // <0, 0, >0: digit runs compare as numbers ("run 2" < "run 10"), the rest case-insensitively.
    static int naturalCompare(const QString &a, const QString &b);

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;
    bool lessThan(const QModelIndex &left, const QModelIndex &right) const override;

private:
    struct Clause {
        core::FilterExpression::Clause clause;
        int column = -1; // in the source model; -1 for a tag clause
        QString tagKey;  // for "tag:KEY"
    };
    void resolveColumns(); // clause fields -> columns (columns come and go with the runs)
    bool matches(const Clause &c, int sourceRow, const QModelIndex &sourceParent) const;

    QString m_experiment;
    std::optional<int> m_state;
    QString m_tag;
    QString m_text;       // free text
    QString m_expression; // as typed, when it is an expression
    QList<Clause> m_clauses;
    QString m_textError;
};

} // namespace mldesk::ui
