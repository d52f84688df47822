// SubmitSweepDialog: "Submit Sweep" - the sweep file (Azure ML v2 sweep YAML) in a highlighted editor, filled from
// the seed's HyperDrive preset (dataset, epochs, trials, concurrency) or from a file, its search space also as one
// row per parameter (SearchSpaceEditor, in sync with the YAML both ways), checked on submit: a problem
// is shown with its line and nothing is recorded; a good sweep is recorded and `submitted` names its parent run.
#pragma once

#include "core/runs/RunTypes.h"

#include <QDialog>

class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QSpinBox;

namespace mldesk::core {
class Workspace;
}

namespace mldesk::ui {

class SearchSpaceEditor;

class SubmitSweepDialog final : public QDialog {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SubmitSweepDialog)

public:
    explicit SubmitSweepDialog(core::Workspace &workspace, QWidget *parent = nullptr);

    void setYaml(const QString &yaml);
    QString yaml() const;
    // The folder a relative trial.source is read from (a sweep file's own folder).
    void setBaseFolder(const QString &folder);
    QString problem() const; // the last refusal, empty when none
    // Checks and records the sweep; false (with problem() set) when refused.
    bool submit();

signals:
    void submitted(const mldesk::core::RunRecord &parent);

private:
    void fillPreset();

    core::Workspace &m_workspace;
    QPlainTextEdit *m_editor = nullptr;
    QLineEdit *m_base = nullptr;
    QLineEdit *m_dataset = nullptr;
    QSpinBox *m_epochs = nullptr;
    QSpinBox *m_trials = nullptr;
    QSpinBox *m_concurrent = nullptr;
    QLabel *m_problem = nullptr;
    SearchSpaceEditor *m_space = nullptr;
};

} // namespace mldesk::ui
