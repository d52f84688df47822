// ModelFilter: the filter expressions of `model list --filter` and the GUI's search box, parsed once and matched
// against model versions; the scanner is core/filter/FilterExpression's. Syntax (also printed by
// `mldesk-cli model list --help`, see syntaxHelp()):
//   EXPR   := CLAUSE { ("," | "and") CLAUSE }           all clauses must hold
//   CLAUSE := FIELD OP VALUE | "tag:" KEY               the second form: the tag is set (any value)
//   FIELD  := name | framework | description | version | run | tag:KEY | prop:KEY | KEY (a property);
//             a KEY may be quoted: "Final test accuracy">0.85
//   OP     := "=" | "!=" | "~" (contains, case-insensitive) | "<" | "<=" | ">" | ">="
//   VALUE  := a word (up to a blank or ',') or "a quoted string"
// Names compare case-insensitively for "="; a comparison is numeric when both sides are numbers. A property or tag
// the version lacks never matches (not even "!=").
#pragma once

#include <QList>
#include <QMap>
#include <QString>

#include "core/filter/FilterExpression.h"

namespace mldesk::core {

struct ModelVersion;

using ModelFilterError = FilterError; // the message names the 1-based column and what was expected there

class ModelFilter final {
public:
    using Op = FilterExpression::Op;
    enum class Field { Name, Framework, Description, Version, Run, Tag, Property };
    struct Clause {
        Field field = Field::Name;
        QString key; // of a tag or property
        Op op = Op::Equal;
        QString value;
    };

    ModelFilter() = default; // matches everything
    // Throws ModelFilterError pointing at the first problem.
    static ModelFilter parse(const QString &expression);
    // "k=v" or "k" of --tag: the same as the clause tag:k=v / tag:k. Throws ModelFilterError.
    static Clause tagClause(const QString &keyValue);

    void add(const Clause &clause) { m_clauses.append(clause); }
    bool isEmpty() const { return m_clauses.isEmpty(); }
    const QList<Clause> &clauses() const { return m_clauses; }
    bool matches(const ModelVersion &version) const;

    static QString syntaxHelp();

private:
    QList<Clause> m_clauses;
};

} // namespace mldesk::core
