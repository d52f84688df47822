// SubmitSweepDialog: the sweep file editor, the preset and submission; see the header.
#include "ui/sweeps/SubmitSweepDialog.h"

#include "core/sweeps/SweepSpec.h"
#include "core/sweeps/SweepStore.h"
#include "core/workspace/WorkspaceError.h"
#include "ui/sweeps/SearchSpaceEditor.h"
#include "ui/widgets/YamlHighlighter.h"

#include <QDialogButtonBox>
#include <QDir>
#include <QFontDatabase>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

namespace mldesk::ui {

SubmitSweepDialog::SubmitSweepDialog(core::Workspace &workspace, QWidget *parent)
    : QDialog(parent), m_workspace(workspace)
{
    setObjectName(QStringLiteral("submitSweepDialog"));
    setWindowTitle(tr("Submit Sweep"));
    m_editor = new QPlainTextEdit;
    m_editor->setObjectName(QStringLiteral("sweepYaml"));
    m_editor->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    new YamlHighlighter(m_editor->document());
    m_base = new QLineEdit(QDir::homePath());
    m_base->setObjectName(QStringLiteral("sweepBaseFolder"));
    m_dataset = new QLineEdit(QStringLiteral("mnist"));
    m_dataset->setObjectName(QStringLiteral("presetDataset"));
    const auto spin = [](const char *name, int value, int max) {
        auto *s = new QSpinBox;
        s->setObjectName(QString::fromLatin1(name));
        s->setRange(1, max);
        s->setValue(value);
        return s;
    };
    m_epochs = spin("presetEpochs", 20, 1000);
    m_trials = spin("presetTrials", 20, 10000);
    m_concurrent = spin("presetConcurrent", 4, 1000);
    auto *preset = new QPushButton(tr("HyperDrive preset"));
    preset->setObjectName(QStringLiteral("presetButton"));
    preset->setToolTip(tr("The seed notebook's HyperDrive configuration for the built-in trainer"));
    connect(preset, &QPushButton::clicked, this, &SubmitSweepDialog::fillPreset);
    auto *presetRow = new QHBoxLayout;
    for (auto [label, widget] : {std::pair<QString, QWidget *>{tr("Dataset"), m_dataset},
                                 {tr("Epochs"), m_epochs},
                                 {tr("Trials"), m_trials},
                                 {tr("At a time"), m_concurrent}}) {
        presetRow->addWidget(new QLabel(label));
        presetRow->addWidget(widget);
    }
    presetRow->addWidget(preset);
    m_problem = new QLabel;
    m_problem->setObjectName(QStringLiteral("sweepProblem"));
    m_problem->setWordWrap(true);
    m_problem->setStyleSheet(QStringLiteral("color: palette(link)"));
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("Submit"));
    buttons->button(QDialogButtonBox::Ok)->setObjectName(QStringLiteral("submitSweep"));
    connect(buttons, &QDialogButtonBox::accepted, this, [this] {
        if (submit())
            accept();
    });
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto *form = new QFormLayout;
    form->addRow(tr("Relative paths from"), m_base);
    m_space = new SearchSpaceEditor(m_editor);
    auto *spaceBox = new QGroupBox(tr("Search space"));
    (new QVBoxLayout(spaceBox))->addWidget(m_space);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(presetRow);
    layout->addWidget(spaceBox);
    layout->addWidget(m_editor, 1);
    layout->addLayout(form);
    layout->addWidget(m_problem);
    layout->addWidget(buttons);
    resize(760, 800);
    fillPreset();
}

void SubmitSweepDialog::fillPreset()
{
    m_editor->setPlainText(core::SweepSpec::hyperDrivePresetYaml(m_dataset->text().trimmed(), m_epochs->value(),
                                                                 m_trials->value(), m_concurrent->value()));
}

void SubmitSweepDialog::setYaml(const QString &yaml)
{
    m_editor->setPlainText(yaml);
}

QString SubmitSweepDialog::yaml() const
{
    return m_editor->toPlainText();
}

void SubmitSweepDialog::setBaseFolder(const QString &folder)
{
    m_base->setText(folder);
}

QString SubmitSweepDialog::problem() const
{
    return m_problem->text();
}

bool SubmitSweepDialog::submit()
{
    const QString text = yaml();
    try {
        const core::SweepSpec spec = core::SweepSpec::parse(text, m_base->text());
        const core::RunRecord parent = core::SweepStore(m_workspace).create(spec, text);
        m_problem->clear();
        emit submitted(parent);
        return true;
    } catch (const core::SweepSpecError &e) {
        m_problem->setText(e.message());
        if (e.line() > 0) { // put the cursor on the line it names
            QTextCursor cursor(m_editor->document()->findBlockByNumber(e.line() - 1));
            m_editor->setTextCursor(cursor);
        }
    } catch (const core::WorkspaceError &e) {
        m_problem->setText(e.message());
    }
    return false;
}

} // namespace mldesk::ui
