// FilterExpression: the scanner behind every "FIELD OP VALUE" filter box - models (`model list --filter`, the Models
// pane) and runs (the Runs table) - so both read one syntax and report errors the same way. What a field means is
// left to the caller (ModelFilter, RunsFilterModel). Syntax:
//   EXPR   := CLAUSE { SEP CLAUSE }          SEP: "," or "and" (and blanks, when Syntax::blankSeparates)
//   CLAUSE := FIELD OP VALUE | "tag:" KEY     the second form: the tag is set (any value)
//   FIELD  := a word up to a blank or an operator, or "a quoted key", optionally after a prefix ending in ':'
//   OP     := "=" | "==" | "!=" | "~" (contains, case-insensitive) | "<" | "<=" | ">" | ">="
//   VALUE  := a word (up to a blank or ',') or "a quoted string"; <, <=, > and >= need a number
#pragma once

#include "core/workspace/WorkspaceError.h"

#include <QList>
#include <QString>

namespace mldesk::core {

// A parse error: the message names the 1-based column and what was expected there.
class FilterError : public WorkspaceError {
public:
    FilterError(const QString &message, int column) : WorkspaceError(message), m_column(column) {}
    int column() const { return m_column; }

private:
    int m_column;
};

class FilterExpression final {
public:
    enum class Op { Equal, NotEqual, Contains, Less, LessEqual, Greater, GreaterEqual, Exists };
    struct Clause {
        QString field;       // as written, without quotes: "name", "tag:stage", "learning-rate", "Final accuracy"
        bool quoted = false; // the field (after any prefix) was quoted
        Op op = Op::Equal;
        QString value;
        int fieldColumn = 1; // 1-based, for the caller's own errors
        int opColumn = 1;
        int valueColumn = 1;
    };
    struct Syntax {
        bool blankSeparates = false; // "a<1 b>2" is two clauses (else: an error asking for ',' or 'and')
        QString fields;              // for "expected a field (...)", e.g. "name, version, tag:KEY or a property"
        QString example;             // for an empty filter, e.g. "name~mnist or accuracy>0.9"
        QString help;                // where the syntax is explained, e.g. "mldesk-cli model list --help"
    };

    // Throws FilterError pointing at the first problem.
    static QList<Clause> parse(const QString &expression, const Syntax &syntax);
    // Throws FilterError at column (1-based) with the expression marked there, in parse()'s words.
    [[noreturn]] static void fail(const QString &expression, const Syntax &syntax, int column, const QString &what);

    // actual OP expected: numerically when both are numbers; "=" and "!=" ignore case; an ordering against text is
    // false. Exists is true.
    static bool compare(const QString &actual, Op op, const QString &expected);
    static bool compare(double actual, Op op, const QString &expected); // NaN: false
    static bool isOrdering(Op op)
    {
        return op == Op::Less || op == Op::LessEqual || op == Op::Greater || op == Op::GreaterEqual;
    }
};

} // namespace mldesk::core
