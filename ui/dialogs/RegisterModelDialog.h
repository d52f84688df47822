// RegisterModelDialog: "Register Model..." on a folder (or file) of a completed run's outputs - the model name
// (an existing one for a new version, or a new name), description, tags and properties. It calls
// ModelRegistry::registerFromRun; problems (a bad name, a malformed tag, a run that is not Completed) show inline.
#pragma once

#include "core/models/ModelRegistry.h"

#include <QDialog>

class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;

namespace mldesk::core {
class Workspace;
}

namespace mldesk::ui {

class RegisterModelDialog final : public QDialog {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RegisterModelDialog)

public:
    // runPath: "outputs/model" (a folder or file of the run's captured outputs).
    RegisterModelDialog(core::Workspace &workspace, const QString &runUid, const QString &runPath,
                        QWidget *parent = nullptr);

    // The name proposed for a run's model: its experiment ("keras-mnist"), made a valid model name, else the
    // output folder's name, else "model".
    static QString proposedName(const QString &experiment, const QString &folderName);

    QString errorText() const;
    void registerModel(); // what the Register button does

signals:
    void registered(const mldesk::core::ModelVersion &version);

private:
    void showError(const QString &message);

    core::Workspace &m_workspace;
    QString m_runUid;
    QString m_runPath;
    QComboBox *m_name = nullptr;
    QPlainTextEdit *m_description = nullptr;
    QLineEdit *m_tags = nullptr;
    QLineEdit *m_properties = nullptr;
    QLabel *m_error = nullptr;
    QPushButton *m_register = nullptr;
};

} // namespace mldesk::ui
