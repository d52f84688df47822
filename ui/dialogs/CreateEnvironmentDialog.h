// CreateEnvironmentDialog: a new environment (or a new version of one) from a conda YAML file - shown with syntax
// highlighting and parsed as the user types, a parse error naming and marking its line - plus an optional docker
// base image and/or Dockerfile (local runs then execute in a container), whether such runs get a network, and
// environment variables. Create commits through core EnvironmentRegistry.
#pragma once

#include <QDialog>

#include <functional>

class QCheckBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QTableWidget;
class QTimer;

namespace mldesk::core {
class Workspace;
}

namespace mldesk::ui {

class YamlHighlighter;

class CreateEnvironmentDialog final : public QDialog {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CreateEnvironmentDialog)

public:
    using FileChooser = std::function<QString(QWidget *parent)>;

    CreateEnvironmentDialog(core::Workspace &workspace, QWidget *parent = nullptr);
    void setFileChooser(FileChooser chooser) { m_chooser = std::move(chooser); }
    void setDockerfileChooser(FileChooser chooser) { m_dockerfileChooser = std::move(chooser); }
    bool loadFile(const QString &path); // false with the error shown inline
    bool loadDockerfile(const QString &path);

    // Parses the YAML now (the editor does it 300 ms after typing stops); returns the error line (0: none).
    int checkYaml();
    QString errorText() const;

signals:
    void created(const QString &name, int version, bool unchanged);

private:
    void create();
    QMap<QString, QString> variables(QString *error) const;
    void showError(const QString &message);

    core::Workspace &m_workspace;
    FileChooser m_chooser;
    FileChooser m_dockerfileChooser;
    QLineEdit *m_name = nullptr;
    QLineEdit *m_description = nullptr;
    QPlainTextEdit *m_yaml = nullptr;
    YamlHighlighter *m_highlighter = nullptr;
    QLabel *m_yamlStatus = nullptr;
    QLineEdit *m_docker = nullptr;
    QPlainTextEdit *m_dockerfile = nullptr;
    QCheckBox *m_network = nullptr;
    QTableWidget *m_variables = nullptr;
    QLabel *m_error = nullptr;
    QPushButton *m_create = nullptr;
    QTimer *m_parseTimer = nullptr;
    QString m_sourceName;
};

} // namespace mldesk::ui
