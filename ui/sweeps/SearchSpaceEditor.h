// SearchSpaceEditor: the sweep's search space as one row per parameter (name, type from HyperDrive's ten, the
// type's bounds or choices, and what is wrong with the row), kept in sync with the sweep YAML both ways: rows are
// read from the YAML editor when its text changes, and a change in a row rewrites the YAML's search_space block
// (only when every row is valid, so the YAML never holds a half-typed row).
#pragma once

#include "core/sweeps/SearchSpaceRows.h"

#include <QWidget>

class QComboBox;
class QGridLayout;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QToolButton;

namespace mldesk::ui {

class SearchSpaceEditor final : public QWidget {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SearchSpaceEditor)

public:
    // Follows and edits `yaml` (the dialog's YAML editor).
    explicit SearchSpaceEditor(QPlainTextEdit *yaml, QWidget *parent = nullptr);

    int rowCount() const { return int(m_rows.size()); }
    QList<core::SearchSpaceRow> rows() const;
    QString rowProblem(int row) const;
    QString problem() const; // the YAML's own problem (does not parse, no search_space)
    void addRow();
    void removeRow(int row);

private:
    struct Row {
        QLineEdit *name = nullptr;
        QComboBox *type = nullptr;
        QLineEdit *bounds = nullptr;
        QLabel *problem = nullptr;
        QToolButton *remove = nullptr;
    };
    void readYaml();
    void writeYaml();
    void ensureRows(int count);
    void validate();

    QPlainTextEdit *m_yaml;
    QGridLayout *m_grid = nullptr;
    QLabel *m_problem = nullptr;
    QList<Row> m_rows;
    bool m_writing = false;
    int m_nextGridRow = 1; // rows are never reused: a removed row leaves an empty (zero-height) grid row
};

} // namespace mldesk::ui
