// SearchSpaceEditor: rows <-> the search_space block of the sweep YAML; see the header.
#include "ui/sweeps/SearchSpaceEditor.h"

#include "core/sweeps/SearchSpace.h"

#include <QComboBox>
#include <QGridLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QSignalBlocker>
#include <QTextCursor>
#include <QToolButton>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace mldesk::ui {

SearchSpaceEditor::SearchSpaceEditor(QPlainTextEdit *yaml, QWidget *parent) : QWidget(parent), m_yaml(yaml)
{
    setObjectName(u"searchSpaceEditor"_s);
    m_grid = new QGridLayout;
    m_grid->setContentsMargins(0, 0, 0, 0);
    int column = 0;
    for (const QString &title : {tr("Parameter"), tr("Type"), tr("Bounds or choices")})
        m_grid->addWidget(new QLabel(u"<b>%1</b>"_s.arg(title)), 0, column++);
    m_grid->setColumnStretch(2, 1);
    m_problem = new QLabel;
    m_problem->setObjectName(u"searchSpaceProblem"_s);
    m_problem->setWordWrap(true);
    m_problem->hide();
    auto *add = new QPushButton(tr("Add parameter"));
    add->setObjectName(u"addParameter"_s);
    connect(add, &QPushButton::clicked, this, &SearchSpaceEditor::addRow);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(m_grid);
    layout->addWidget(m_problem);
    layout->addWidget(add, 0, Qt::AlignLeft);
    connect(m_yaml, &QPlainTextEdit::textChanged, this, &SearchSpaceEditor::readYaml);
    readYaml();
}

QList<core::SearchSpaceRow> SearchSpaceEditor::rows() const
{
    QList<core::SearchSpaceRow> out;
    for (const Row &r : m_rows)
        out.append({r.name->text(), r.type->currentText(), r.bounds->text(), 0});
    return out;
}

QString SearchSpaceEditor::rowProblem(int row) const
{
    return row >= 0 && row < m_rows.size() ? m_rows[row].problem->text() : QString();
}

QString SearchSpaceEditor::problem() const
{
    return m_problem->text();
}

void SearchSpaceEditor::ensureRows(int count)
{
    while (m_rows.size() > count) {
        const Row r = m_rows.takeLast();
        for (QWidget *w : std::initializer_list<QWidget *>{r.name, r.type, r.bounds, r.problem, r.remove})
            w->deleteLater();
    }
    while (m_rows.size() < count) {
        Row r;
        r.name = new QLineEdit;
        r.type = new QComboBox;
        r.type->setEditable(true); // a type typed in the YAML that is not one of the ten shows as it is
        r.type->addItems(core::SweepParameter::typeNames());
        r.bounds = new QLineEdit;
        r.problem = new QLabel;
        r.problem->setWordWrap(true);
        r.problem->setStyleSheet(u"color: palette(link)"_s);
        r.problem->hide();
        r.remove = new QToolButton;
        r.remove->setText(u"\u2212"_s);
        r.remove->setToolTip(tr("Remove this parameter"));
        const int gridRow = m_nextGridRow;
        m_nextGridRow += 2;
        m_grid->addWidget(r.name, gridRow, 0);
        m_grid->addWidget(r.type, gridRow, 1);
        m_grid->addWidget(r.bounds, gridRow, 2);
        m_grid->addWidget(r.remove, gridRow, 3);
        m_grid->addWidget(r.problem, gridRow + 1, 0, 1, 4);
        connect(r.name, &QLineEdit::textEdited, this, &SearchSpaceEditor::writeYaml);
        connect(r.bounds, &QLineEdit::textEdited, this, &SearchSpaceEditor::writeYaml);
        QComboBox *type = r.type;
        QLineEdit *bounds = r.bounds;
        connect(r.type, &QComboBox::editTextChanged, this, [this, type, bounds] {
            bounds->setPlaceholderText(core::SearchSpaceRow::boundsHint(type->currentText()));
            writeYaml();
        });
        QToolButton *remove = r.remove;
        connect(r.remove, &QToolButton::clicked, this, [this, remove] {
            for (int i = 0; i < m_rows.size(); ++i)
                if (m_rows[i].remove == remove) {
                    removeRow(i);
                    return;
                }
        });
        m_rows.append(r);
    }
    for (int i = 0; i < m_rows.size(); ++i) { // names by position (tests and accessibility find rows by them)
        m_rows[i].name->setObjectName(u"parameterName%1"_s.arg(i));
        m_rows[i].type->setObjectName(u"parameterType%1"_s.arg(i));
        m_rows[i].bounds->setObjectName(u"parameterBounds%1"_s.arg(i));
        m_rows[i].problem->setObjectName(u"parameterProblem%1"_s.arg(i));
        m_rows[i].remove->setObjectName(u"removeParameter%1"_s.arg(i));
    }
}

void SearchSpaceEditor::readYaml()
{
    if (m_writing)
        return;
    const core::SearchSpaceRows read = core::SearchSpaceRows::read(m_yaml->toPlainText());
    m_problem->setText(read.problem.isEmpty() ? QString() : tr("Rows not updated from the YAML: %1").arg(read.problem));
    m_problem->setVisible(!read.problem.isEmpty());
    if (!read.problem.isEmpty())
        return;
    // Rebuilding rows would take the rows' widgets away mid-edit; the YAML's own rows of the same count update in
    // place.
    const QList<core::SearchSpaceRow> &rows = read.rows;
    ensureRows(int(rows.size()));
    for (int i = 0; i < rows.size(); ++i) {
        const QSignalBlocker b1(m_rows[i].name), b2(m_rows[i].type), b3(m_rows[i].bounds);
        if (m_rows[i].name->text() != rows[i].name)
            m_rows[i].name->setText(rows[i].name);
        m_rows[i].type->setCurrentText(rows[i].type);
        m_rows[i].bounds->setPlaceholderText(core::SearchSpaceRow::boundsHint(rows[i].type));
        if (m_rows[i].bounds->text() != rows[i].bounds)
            m_rows[i].bounds->setText(rows[i].bounds);
    }
    validate();
}

void SearchSpaceEditor::validate()
{
    const QList<core::SearchSpaceRow> all = rows();
    const QString text = m_yaml->toPlainText();
    for (int i = 0; i < all.size(); ++i) {
        QString problem = all[i].problem();
        if (problem.isEmpty())
            problem = core::SearchSpaceRows::duplicateProblem(all, i);
        if (problem.isEmpty()) {
            const QRegularExpression used(
                uR"(\$\{\{\s*search_space\.%1\s*\}\})"_s.arg(QRegularExpression::escape(all[i].name.trimmed())));
            if (!used.match(text).hasMatch())
                problem = tr("no trial argument uses it yet: add ${{search_space.%1}} to trial.arguments")
                              .arg(all[i].name.trimmed());
        }
        m_rows[i].problem->setText(problem);
        m_rows[i].problem->setVisible(!problem.isEmpty());
    }
}

void SearchSpaceEditor::writeYaml()
{
    const QList<core::SearchSpaceRow> all = rows();
    bool ok = true;
    for (int i = 0; i < all.size() && ok; ++i)
        ok = all[i].problem().isEmpty() && core::SearchSpaceRows::duplicateProblem(all, i).isEmpty();
    if (ok && m_problem->isHidden()) { // a YAML that does not parse is the user's to mend first
        const QString before = m_yaml->toPlainText();
        const QString after = core::SearchSpaceRows::write(before, all);
        if (after != before) {
            m_writing = true;
            QTextCursor cursor(m_yaml->document()); // one undo step in the YAML editor
            cursor.select(QTextCursor::Document);
            cursor.insertText(after);
            m_writing = false;
        }
    }
    validate();
}

void SearchSpaceEditor::addRow()
{
    ensureRows(int(m_rows.size()) + 1);
    validate();
    m_rows.constLast().name->setFocus();
}

void SearchSpaceEditor::removeRow(int row)
{
    if (row < 0 || row >= m_rows.size())
        return;
    const Row r = m_rows.takeAt(row);
    for (QWidget *w : std::initializer_list<QWidget *>{r.name, r.type, r.bounds, r.problem, r.remove})
        w->deleteLater();
    ensureRows(int(m_rows.size())); // renames by position
    writeYaml();
}

} // namespace mldesk::ui
