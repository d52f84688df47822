// SearchSpaceRows: a sweep file's search_space as editable rows (name, type, bounds as text) for the Submit Sweep
// dialog's row editor, and back: rows are read from the YAML text and written into it by replacing only the
// search_space block, so the rest of the file (comments, order) stays as the user wrote it.
#pragma once

#include <QList>
#include <QString>

namespace mldesk::core {

struct SweepParameter;

struct SearchSpaceRow {
    QString name;
    QString type;   // one of SweepParameter::typeNames()
    QString bounds; // choice: "25, 50, 100"; randint: "10"; uniform family: "min, max[, q]"; normal: "mu, sigma[, q]"
    int line = 0;   // in the YAML text it was read from (1-based; 0 for a new row)

    // What the bounds field holds for a type, e.g. "min, max, q" (a hint for the user).
    static QString boundsHint(const QString &type);
    // One sentence naming what is wrong with this row (empty name, unknown type, bounds that do not parse or do not
    // fit the type, min > max, ...); empty when fine. On success and with out given, *out is the parameter.
    QString problem(SweepParameter *out = nullptr) const;
    // The row as one flow-style YAML mapping line without indentation: "lr: {type: loguniform, ...}". Only for rows
    // without a problem.
    QString yamlLine() const;
};

struct SearchSpaceRows {
    QList<SearchSpaceRow> rows;
    QString problem; // the YAML does not parse or has no search_space mapping (rows then empty)

    static SearchSpaceRows read(const QString &yamlText);
    // yamlText with its search_space block replaced by rows (appended when it has none).
    static QString write(const QString &yamlText, const QList<SearchSpaceRow> &rows);
    // Problems across rows: a name used twice. Empty when fine.
    static QString duplicateProblem(const QList<SearchSpaceRow> &rows, int row);
};

} // namespace mldesk::core
