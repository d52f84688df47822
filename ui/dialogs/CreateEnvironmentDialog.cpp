// CreateEnvironmentDialog: the form, the live YAML check and the commit.
#include "ui/dialogs/CreateEnvironmentDialog.h"

#include "core/environments/CondaSpec.h"
#include "core/environments/EnvironmentRegistry.h"
#include "core/workspace/Workspace.h"
#include "core/workspace/WorkspaceError.h"
#include "ui/widgets/YamlHighlighter.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontDatabase>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTableWidget>
#include <QTextBlock>
#include <QTimer>
#include <QVBoxLayout>

namespace mldesk::ui {

CreateEnvironmentDialog::CreateEnvironmentDialog(core::Workspace &workspace, QWidget *parent)
    : QDialog(parent), m_workspace(workspace)
{
    setObjectName(QStringLiteral("createEnvironmentDialog"));
    setWindowTitle(tr("Create Environment"));
    resize(700, 640);

    m_name = new QLineEdit;
    m_name->setObjectName(QStringLiteral("environmentNameEdit"));
    m_name->setPlaceholderText(tr("e.g. keras-env"));
    m_description = new QLineEdit;
    m_description->setObjectName(QStringLiteral("environmentDescriptionEdit"));
    m_yaml = new QPlainTextEdit;
    m_yaml->setObjectName(QStringLiteral("condaYamlEdit"));
    m_yaml->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_yaml->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_yaml->setPlaceholderText(QStringLiteral("name: keras-env\ndependencies:\n  - python=3.10\n  - pip:\n    - "
                                              "tensorflow"));
    m_highlighter = new YamlHighlighter(m_yaml->document());
    m_yamlStatus = new QLabel;
    m_yamlStatus->setObjectName(QStringLiteral("yamlStatus"));
    m_yamlStatus->setWordWrap(true);
    auto *loadButton = new QPushButton(tr("Load File\u2026"));
    loadButton->setObjectName(QStringLiteral("loadYamlButton"));
    m_docker = new QLineEdit;
    m_docker->setObjectName(QStringLiteral("dockerImageEdit"));
    m_docker->setPlaceholderText(tr("optional, e.g. mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04"));
    m_dockerfile = new QPlainTextEdit;
    m_dockerfile->setObjectName(QStringLiteral("dockerfileEdit"));
    m_dockerfile->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_dockerfile->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_dockerfile->setPlaceholderText(tr("optional, e.g.\nFROM python:3.11-slim\nRUN pip install numpy"));
    m_dockerfile->setFixedHeight(90);
    auto *loadDockerfileButton = new QPushButton(tr("Load Dockerfile\u2026"));
    loadDockerfileButton->setObjectName(QStringLiteral("loadDockerfileButton"));
    m_network = new QCheckBox(tr("Container runs get a network"));
    m_network->setObjectName(QStringLiteral("containerNetworkCheck"));
    auto *containerHint = new QLabel(tr("With an image or a Dockerfile, local runs execute in a container (podman or "
                                        "docker); the conda file, if any, is installed into the image."));
    containerHint->setWordWrap(true);
    containerHint->setObjectName(QStringLiteral("containerHint"));
    m_variables = new QTableWidget(0, 2);
    m_variables->setObjectName(QStringLiteral("variablesTable"));
    m_variables->setHorizontalHeaderLabels({tr("Variable"), tr("Value")});
    m_variables->horizontalHeader()->setStretchLastSection(true);
    m_variables->verticalHeader()->hide();
    m_variables->setFixedHeight(110);
    auto *addVariable = new QPushButton(tr("Add Variable"));
    addVariable->setObjectName(QStringLiteral("addVariableButton"));

    m_error = new QLabel;
    m_error->setObjectName(QStringLiteral("errorLabel"));
    m_error->setWordWrap(true);
    m_error->setStyleSheet(QStringLiteral("color: #c0392b;"));
    m_error->hide();

    auto *yamlTools = new QHBoxLayout;
    yamlTools->addWidget(m_yamlStatus, 1);
    yamlTools->addWidget(loadButton);
    auto *yamlBox = new QVBoxLayout;
    yamlBox->addWidget(m_yaml, 1);
    yamlBox->addLayout(yamlTools);
    auto *dockerfileBox = new QVBoxLayout;
    dockerfileBox->addWidget(m_dockerfile);
    auto *dockerfileTools = new QHBoxLayout;
    dockerfileTools->addWidget(m_network, 1);
    dockerfileTools->addWidget(loadDockerfileButton);
    dockerfileBox->addLayout(dockerfileTools);
    dockerfileBox->addWidget(containerHint);
    auto *variablesBox = new QVBoxLayout;
    variablesBox->addWidget(m_variables);
    variablesBox->addWidget(addVariable, 0, Qt::AlignLeft);

    auto *form = new QFormLayout;
    form->addRow(tr("&Name:"), m_name);
    form->addRow(tr("&Description:"), m_description);
    form->addRow(tr("Conda &YAML:"), yamlBox);
    qobject_cast<QLabel *>(form->labelForField(yamlBox))->setBuddy(m_yaml); // else the '&' shows (issue 17)
    form->addRow(tr("Docker &image:"), m_docker);
    form->addRow(tr("Docker&file:"), dockerfileBox);
    qobject_cast<QLabel *>(form->labelForField(dockerfileBox))->setBuddy(m_dockerfile);
    form->addRow(tr("&Variables:"), variablesBox);
    qobject_cast<QLabel *>(form->labelForField(variablesBox))->setBuddy(m_variables);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Cancel);
    m_create = buttons->addButton(tr("Create"), QDialogButtonBox::AcceptRole);
    m_create->setObjectName(QStringLiteral("createButton"));
    m_create->setDefault(true);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form, 1);
    layout->addWidget(m_error);
    layout->addWidget(buttons);

    m_parseTimer = new QTimer(this);
    m_parseTimer->setSingleShot(true);
    m_parseTimer->setInterval(300);
    m_chooser = [](QWidget *parentWidget) {
        return QFileDialog::getOpenFileName(parentWidget, tr("Conda Environment File"), {},
                                            tr("Conda YAML (*.yml *.yaml);;All files (*)"));
    };
    m_dockerfileChooser = [](QWidget *parentWidget) {
        return QFileDialog::getOpenFileName(parentWidget, tr("Dockerfile"), {},
                                            tr("Dockerfile (Dockerfile* Containerfile* *.dockerfile);;All files (*)"));
    };
    connect(loadDockerfileButton, &QPushButton::clicked, this, [this] {
        const QString path = m_dockerfileChooser(this);
        if (!path.isEmpty())
            loadDockerfile(path);
    });
    connect(m_yaml, &QPlainTextEdit::textChanged, m_parseTimer, qOverload<>(&QTimer::start));
    connect(m_parseTimer, &QTimer::timeout, this, &CreateEnvironmentDialog::checkYaml);
    connect(loadButton, &QPushButton::clicked, this, [this] {
        const QString path = m_chooser(this);
        if (!path.isEmpty())
            loadFile(path);
    });
    connect(addVariable, &QPushButton::clicked, this, [this] {
        const int row = m_variables->rowCount();
        m_variables->insertRow(row);
        m_variables->setItem(row, 0, new QTableWidgetItem);
        m_variables->setItem(row, 1, new QTableWidgetItem);
        m_variables->editItem(m_variables->item(row, 0));
    });
    connect(m_create, &QPushButton::clicked, this, &CreateEnvironmentDialog::create);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
}

bool CreateEnvironmentDialog::loadFile(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        showError(tr("Could not read %1: %2").arg(path, file.errorString()));
        return false;
    }
    m_sourceName = QFileInfo(path).fileName();
    m_yaml->setPlainText(QString::fromUtf8(file.readAll()));
    const int errorLine = checkYaml();
    if (m_name->text().isEmpty() && errorLine == 0) {
        try {
            m_name->setText(core::CondaSpec::parse(m_yaml->toPlainText()).name);
        } catch (const core::CondaSpecError &) {
        }
    }
    return true;
}

bool CreateEnvironmentDialog::loadDockerfile(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        showError(tr("Could not read %1: %2").arg(path, file.errorString()));
        return false;
    }
    m_dockerfile->setPlainText(QString::fromUtf8(file.readAll()));
    return true;
}

int CreateEnvironmentDialog::checkYaml()
{
    m_parseTimer->stop();
    const QString text = m_yaml->toPlainText();
    if (text.trimmed().isEmpty()) {
        m_highlighter->setErrorLine(0);
        m_yamlStatus->clear();
        return 0;
    }
    try {
        const core::CondaSpec spec = core::CondaSpec::parse(text);
        m_highlighter->setErrorLine(0);
        m_yamlStatus->setStyleSheet(QString());
        m_yamlStatus->setText(
            tr("Valid: %n package(s)", nullptr, int(spec.condaPackages.size() + spec.pipPackages.size())) +
            (spec.pythonVersion.isEmpty() ? QString() : tr(", Python %1").arg(spec.pythonVersion)));
        return 0;
    } catch (const core::CondaSpecError &e) {
        m_highlighter->setErrorLine(e.line());
        m_yamlStatus->setStyleSheet(QStringLiteral("color: #c0392b;"));
        m_yamlStatus->setText(e.message());
        if (e.line() > 0) { // show the line
            QTextCursor cursor(m_yaml->document()->findBlockByNumber(e.line() - 1));
            m_yaml->setTextCursor(cursor);
            m_yaml->ensureCursorVisible();
        }
        return e.line() > 0 ? e.line() : -1;
    }
}

QString CreateEnvironmentDialog::errorText() const
{
    return m_error->isHidden() ? QString() : m_error->text();
}

void CreateEnvironmentDialog::showError(const QString &message)
{
    m_error->setText(message);
    m_error->setVisible(!message.isEmpty());
}

QMap<QString, QString> CreateEnvironmentDialog::variables(QString *error) const
{
    QMap<QString, QString> result;
    for (int row = 0; row < m_variables->rowCount(); ++row) {
        const QString key = m_variables->item(row, 0) ? m_variables->item(row, 0)->text().trimmed() : QString();
        const QString value = m_variables->item(row, 1) ? m_variables->item(row, 1)->text() : QString();
        if (key.isEmpty() && value.isEmpty())
            continue;
        if (key.isEmpty()) {
            *error = tr("Variable in row %1 has a value but no name.").arg(row + 1);
            return {};
        }
        result.insert(key, value);
    }
    return result;
}

void CreateEnvironmentDialog::create()
{
    const QString name = m_name->text().trimmed();
    if (!core::EnvironmentRegistry::isValidName(name)) {
        showError(name.isEmpty() ? tr("Enter a name for the environment.")
                                 : tr("\u201c%1\u201d is not a valid environment name: use letters, digits, '_', "
                                      "'-' and '.'.")
                                       .arg(name));
        return;
    }
    const QString image = m_docker->text().trimmed();
    core::EnvironmentContainerOptions container;
    container.dockerfile = m_dockerfile->toPlainText().trimmed().isEmpty() ? QString() : m_dockerfile->toPlainText();
    container.network = m_network->isChecked();
    if (m_yaml->toPlainText().trimmed().isEmpty() && image.isEmpty() && container.dockerfile.isEmpty()) {
        showError(tr("Paste or load a conda environment file (YAML), or give a docker image or a Dockerfile."));
        return;
    }
    if (checkYaml() != 0) {
        showError(tr("Fix the conda file first: %1").arg(m_yamlStatus->text()));
        return;
    }
    if (!image.isEmpty() && !core::EnvironmentRegistry::isValidDockerImage(image)) {
        showError(
            tr("\u201c%1\u201d is not a docker image reference (e.g. ubuntu:22.04 or registry/name:tag).").arg(image));
        return;
    }
    QString variableError;
    const QMap<QString, QString> vars = variables(&variableError);
    if (!variableError.isEmpty()) {
        showError(variableError);
        return;
    }
    try {
        core::EnvironmentRegistry registry(m_workspace.database());
        const core::EnvironmentCommit commit = registry.createFromConda(
            name, m_yaml->toPlainText(), image, vars, m_description->text().trimmed(), m_sourceName, container);
        emit created(commit.version.name, commit.version.version, commit.unchanged);
        accept();
    } catch (const core::WorkspaceError &e) {
        showError(e.message());
    }
}

} // namespace mldesk::ui
