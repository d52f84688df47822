// ArgumentLine: a run's argument list as one editable line and as key/value rows, converted both ways without
// loss - quotes, spaces, '=' and backslashes in values survive a clone (issue 17).
#pragma once

#include <QList>
#include <QPair>
#include <QString>
#include <QStringList>

namespace mldesk::ui::ArgumentLine {

// Splits like a POSIX shell without expansion: whitespace separates, "..." and '...' group (an empty "" is an
// empty argument), a backslash escapes the next character outside single quotes. error: set when a quote is
// left open (the arguments up to there are returned).
QStringList split(const QString &line, QString *error = nullptr);
// The line split() turns back into exactly `arguments`: plain ones as they are, others in double quotes.
QString join(const QStringList &arguments);

// Rows of (key, value): "--name value" is one row, a key followed by another key or by nothing is a row with an
// empty value (a flag), as is "--name=value"; a value with no key before it is a row with an empty key.
using Row = QPair<QString, QString>;
QList<Row> toRows(const QStringList &arguments);
QStringList fromRows(const QList<Row> &rows); // empty keys and empty flag values are left out
bool isKey(const QString &argument);          // "--name" or "-n" (not "-0.5")

} // namespace mldesk::ui::ArgumentLine
