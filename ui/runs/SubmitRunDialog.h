// SubmitRunDialog: "Submit run..." (Ctrl+R) - experiment (existing or new), display name, the entry (the seed's
// Keras MLP preset on the built-in trainer, or a Python script in a source folder), arguments with dataset
// references picked from a list, environment and compute (local and Slurm targets, with their type and where they
// run), and its queue priority (Low/Normal/High or a number). Submit asks core to validate and shows each problem under
// the field it is about (the rest below the form); "Clone" opens it pre-filled from an earlier run.
#pragma once

#include "core/runs/RunTypes.h"

#include <QDialog>
#include <QHash>

#include <functional>

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QRadioButton;
class QSpinBox;
class QTableWidget;

namespace mldesk::core {
class RunServiceHost;
class Workspace;
} // namespace mldesk::core

namespace mldesk::ui {

class SubmitRunDialog final : public QDialog {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SubmitRunDialog)

public:
    using FolderChooser = std::function<QString(QWidget *parent)>;

    SubmitRunDialog(core::Workspace &workspace, core::RunServiceHost &service, QWidget *parent = nullptr);
    void setFolderChooser(FolderChooser chooser) { m_chooser = std::move(chooser); }

    // The seed's preset: built-in trainer, MLDesk-Native, local, the Keras MLP arguments on dataset.
    void applyPreset(const QString &dataset = {});
    void setRequest(const core::RunRequest &request); // Clone
    core::RunRequest request() const;
    QString problemsText() const; // every problem shown, one per line
    // The problems shown under one field: "experiment", "entry", "arguments", "environment" or "compute".
    QString fieldProblem(const QString &field) const;
    // Which field a problem from core is about (one of the above), or empty for none in particular.
    static QString fieldOf(const QString &problem);

    // The arguments of the seed's keras_mnist.py as the built-in trainer takes them.
    static QStringList presetArguments(const QString &dataset);
    // A run's request again, from its stored configuration (what Clone pre-fills).
    static core::RunRequest requestOf(const core::RunRecord &run);

signals:
    // After Submit, once the service's thread has recorded the run and taken its snapshot (the dialog then closes).
    void submitted(const mldesk::core::RunRecord &run);

private:
    void submit();
    void entryChanged();
    void showProblems(const QStringList &problems);
    void computeChanged();
    void lineChanged();                   // the raw line was edited: the rows follow
    void rowsChanged();                   // a row was edited: the line follows
    QStringList argumentProblems() const; // an open quote, a key with a space
    QWidget *withProblem(QWidget *field, const QString &key);

    core::Workspace &m_workspace;
    core::RunServiceHost &m_service;
    quint64 m_ticket = 0; // the submission in progress on the service's thread (0: none)
    FolderChooser m_chooser;
    QComboBox *m_experiment = nullptr;
    QLineEdit *m_displayName = nullptr;
    QRadioButton *m_builtin = nullptr;
    QRadioButton *m_script = nullptr;
    QLineEdit *m_sourceFolder = nullptr;
    QLineEdit *m_scriptPath = nullptr;
    QLineEdit *m_arguments = nullptr;
    QTableWidget *m_argumentTable = nullptr;
    QString m_argumentError;
    bool m_syncing = false;
    QComboBox *m_dataset = nullptr;
    QComboBox *m_environment = nullptr;
    QComboBox *m_compute = nullptr;
    QLabel *m_computeInfo = nullptr;
    QComboBox *m_device = nullptr;      // Any, GPU only, CPU only (local targets; disabled for Slurm)
    QComboBox *m_priority = nullptr;    // Low, Normal, High, Custom
    QSpinBox *m_prioritySpin = nullptr; // the number the run gets; a preset sets it, another value is Custom
    QLabel *m_problems = nullptr;
    QHash<QString, QLabel *> m_fieldProblems;
    QStringList m_shownProblems;
    QPushButton *m_submit = nullptr;
};

} // namespace mldesk::ui
