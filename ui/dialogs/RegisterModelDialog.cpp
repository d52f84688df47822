// RegisterModelDialog: the form, its validation and the registration through core::ModelRegistry.
#include "ui/dialogs/RegisterModelDialog.h"

#include "core/runs/RunStore.h"
#include "core/workspace/Workspace.h"
#include "core/workspace/WorkspaceError.h"
#include "ui/dialogs/RegisterDatasetDialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace mldesk::ui {

RegisterModelDialog::RegisterModelDialog(core::Workspace &workspace, const QString &runUid, const QString &runPath,
                                         QWidget *parent)
    : QDialog(parent), m_workspace(workspace), m_runUid(runUid), m_runPath(runPath)
{
    setObjectName(QStringLiteral("registerModelDialog"));
    setWindowTitle(tr("Register Model"));
    resize(560, 360);

    auto *source = new QLabel(QStringLiteral("<code>%1</code> &nbsp;of run&nbsp; <code>%2</code>")
                                  .arg(runPath.toHtmlEscaped(), runUid.toHtmlEscaped()));
    source->setObjectName(QStringLiteral("modelSourceLabel"));
    source->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_name = new QComboBox;
    m_name->setObjectName(QStringLiteral("modelNameCombo"));
    m_name->setEditable(true);
    m_name->setInsertPolicy(QComboBox::NoInsert);
    m_name->setToolTip(tr("An existing name adds a new version of that model; a new name starts at version 1."));
    try {
        for (const core::ModelSummary &m : core::ModelRegistry(workspace.database(), workspace.blobs()).list({}, true))
            m_name->addItem(m.name);
    } catch (const core::WorkspaceError &) {
        // No list: a new name still works.
    }
    // A model is named after what it learned: the run's experiment (keras-mnist), not its folder ("model-model").
    QString experiment;
    try {
        if (const std::optional<core::RunRecord> run = core::RunStore(workspace.database()).find(runUid))
            experiment = run->experiment;
    } catch (const core::WorkspaceError &) {
        // No run record: the folder's name still gives a proposal.
    }
    m_name->setEditText(proposedName(experiment, runPath.section(u'/', -1)));
    m_description = new QPlainTextEdit;
    m_description->setObjectName(QStringLiteral("modelDescriptionEdit"));
    m_description->setFixedHeight(60);
    m_tags = new QLineEdit;
    m_tags->setObjectName(QStringLiteral("modelTagsEdit"));
    m_tags->setPlaceholderText(tr("key=value, key2=value2"));
    m_properties = new QLineEdit;
    m_properties->setObjectName(QStringLiteral("modelPropertiesEdit"));
    m_properties->setPlaceholderText(tr("key=value, key2=value2 (the run's final metrics are added)"));

    m_error = new QLabel;
    m_error->setObjectName(QStringLiteral("errorLabel"));
    m_error->setWordWrap(true);
    m_error->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_error->setStyleSheet(QStringLiteral("color: #c0392b;"));
    m_error->hide();

    auto *form = new QFormLayout;
    form->addRow(tr("Source:"), source);
    form->addRow(tr("&Name:"), m_name);
    form->addRow(tr("&Description:"), m_description);
    form->addRow(tr("&Tags:"), m_tags);
    form->addRow(tr("&Properties:"), m_properties);

    auto *buttons = new QDialogButtonBox;
    m_register = buttons->addButton(tr("Register"), QDialogButtonBox::AcceptRole);
    m_register->setObjectName(QStringLiteral("registerButton"));
    m_register->setDefault(true);
    QPushButton *cancel = buttons->addButton(QDialogButtonBox::Cancel);
    cancel->setObjectName(QStringLiteral("cancelButton"));

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_error);
    layout->addStretch(1);
    layout->addWidget(buttons);
    connect(m_register, &QPushButton::clicked, this, &RegisterModelDialog::registerModel);
    connect(cancel, &QPushButton::clicked, this, &QDialog::reject);
}

QString RegisterModelDialog::proposedName(const QString &experiment, const QString &folderName)
{
    for (const QString &candidate : {experiment, folderName}) {
        // Keep what a model name allows; anything else becomes '-', runs of it one '-'.
        QString name;
        for (const QChar c : candidate.trimmed()) {
            const bool allowed = c.unicode() < 128 && (c.isLetterOrNumber() || c == u'_' || c == u'-' || c == u'.');
            if (allowed)
                name += c;
            else if (!name.isEmpty() && !name.endsWith(u'-'))
                name += u'-';
        }
        while (name.endsWith(u'-'))
            name.chop(1);
        if (core::ModelRegistry::isValidName(name))
            return name;
    }
    return QStringLiteral("model");
}

QString RegisterModelDialog::errorText() const
{
    return m_error->isHidden() ? QString() : m_error->text();
}

void RegisterModelDialog::showError(const QString &message)
{
    m_error->setText(message);
    m_error->setVisible(!message.isEmpty());
}

void RegisterModelDialog::registerModel()
{
    core::ModelRegistration r;
    r.name = m_name->currentText().trimmed();
    if (r.name.isEmpty()) {
        showError(tr("Enter a model name: an existing one for a new version, or a new one."));
        return;
    }
    if (!core::ModelRegistry::isValidName(r.name)) {
        showError(tr("\u201c%1\u201d is not a valid model name: use letters, digits, '_', '-' and '.', starting with "
                     "a letter or digit.")
                      .arg(r.name));
        return;
    }
    QString problem;
    r.tags = RegisterDatasetDialog::parseTags(m_tags->text(), &problem);
    if (problem.isEmpty())
        r.properties = RegisterDatasetDialog::parseTags(m_properties->text(), &problem);
    if (!problem.isEmpty()) {
        showError(problem);
        return;
    }
    r.description = m_description->toPlainText().trimmed();
    r.runUid = m_runUid;
    r.runPath = m_runPath;
    try {
        const core::ModelVersion version =
            core::ModelRegistry(m_workspace.database(), m_workspace.blobs()).registerFromRun(r);
        showError(QString());
        emit registered(version);
        accept();
    } catch (const core::WorkspaceError &e) {
        showError(e.message());
    }
}

} // namespace mldesk::ui
