// SlurmTargetDialog: the form, per-field problems from SlurmTargetConfig::validate(), the keychain and the commit.
#include "ui/dialogs/SlurmTargetDialog.h"

#include "core/compute/ComputeTargetRegistry.h"
#include "core/compute/ComputeTokenStore.h"
#include "core/compute/SlurmTargetConfig.h"
#include "core/workspace/Workspace.h"
#include "core/workspace/WorkspaceError.h"

#include <QButtonGroup>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QSpinBox>
#include <QVBoxLayout>

namespace mldesk::ui {

namespace {
QLineEdit *lineEdit(const QString &objectName, const QString &placeholder = {})
{
    auto *edit = new QLineEdit;
    edit->setObjectName(objectName);
    edit->setPlaceholderText(placeholder);
    return edit;
}
QSpinBox *spinBox(const QString &objectName, int min, int value)
{
    auto *box = new QSpinBox;
    box->setObjectName(objectName);
    box->setRange(min, 100000);
    box->setValue(value);
    return box;
}
} // namespace

SlurmTargetDialog::SlurmTargetDialog(core::Workspace &workspace, QWidget *parent)
    : QDialog(parent), m_workspace(workspace)
{
    setObjectName(QStringLiteral("slurmTargetDialog"));
    setWindowTitle(tr("Add Slurm Cluster"));
    resize(560, 0);
    m_name = lineEdit(QStringLiteral("targetNameEdit"), tr("e.g. gpu-cluster"));
    m_url = lineEdit(QStringLiteral("urlEdit"), QStringLiteral("http://127.0.0.1:6820"));
    m_apiVersion = lineEdit(QStringLiteral("apiVersionEdit"));
    m_apiVersion->setText(QString::fromLatin1(core::SlurmTargetConfig::kDefaultApiVersion));
    m_user = lineEdit(QStringLiteral("userEdit"), tr("the cluster account runs are submitted as"));
    m_partition = lineEdit(QStringLiteral("partitionEdit"), tr("empty: the cluster's default"));
    m_nodesMin = spinBox(QStringLiteral("nodesMinSpin"), 0, 1);
    m_nodesMax = spinBox(QStringLiteral("nodesMaxSpin"), 0, 1);
    m_gpus = spinBox(QStringLiteral("gpusSpin"), 0, 0);
    m_timeLimit = lineEdit(QStringLiteral("timeLimitEdit"), tr("e.g. 2:00:00 or 1-00; empty: the partition's"));
    m_sharedLocal = lineEdit(QStringLiteral("sharedDirEdit"), tr("a folder this machine and the nodes share"));
    m_sharedCluster = lineEdit(QStringLiteral("sharedDirClusterEdit"), tr("empty: the same path on the nodes"));
    m_useKeychain = new QRadioButton(tr("Store in the system keychain:"));
    m_useKeychain->setObjectName(QStringLiteral("tokenKeychainRadio"));
    m_useKeychain->setChecked(true);
    m_useEnv = new QRadioButton(tr("Read from environment variable:"));
    m_useEnv->setObjectName(QStringLiteral("tokenEnvRadio"));
    auto *group = new QButtonGroup(this);
    group->addButton(m_useKeychain);
    group->addButton(m_useEnv);
    m_token = lineEdit(QStringLiteral("tokenEdit"), tr("JWT from scontrol token"));
    m_token->setEchoMode(QLineEdit::Password);
    m_tokenEnv = lineEdit(QStringLiteral("tokenEnvEdit"), QStringLiteral("SLURM_JWT"));
    m_tokenEnv->setEnabled(false);
    connect(m_useEnv, &QRadioButton::toggled, this, [this](bool env) {
        m_tokenEnv->setEnabled(env);
        m_token->setEnabled(!env);
    });

    auto *nodes = new QHBoxLayout;
    nodes->addWidget(m_nodesMin);
    nodes->addWidget(new QLabel(tr("to")));
    nodes->addWidget(m_nodesMax);
    nodes->addSpacing(16);
    nodes->addWidget(new QLabel(tr("GPUs per node:")));
    nodes->addWidget(m_gpus);
    nodes->addStretch(1);
    auto *nodesWidget = new QWidget;
    nodesWidget->setLayout(nodes);
    nodes->setContentsMargins(0, 0, 0, 0);
    auto *token = new QVBoxLayout;
    token->setContentsMargins(0, 0, 0, 0);
    token->addWidget(m_useKeychain);
    token->addWidget(m_token);
    token->addWidget(m_useEnv);
    token->addWidget(m_tokenEnv);
    auto *tokenWidget = new QWidget;
    tokenWidget->setLayout(token);

    auto *form = new QFormLayout;
    addRow(form, tr("&Name:"), m_name, {QStringLiteral("name")});
    addRow(form, tr("slurmrestd &URL:"), m_url, {QStringLiteral("url")});
    addRow(form, tr("&API version:"), m_apiVersion, {QStringLiteral("api_version")});
    addRow(form, tr("&User:"), m_user, {QStringLiteral("user")});
    addRow(form, tr("&Partition:"), m_partition, {QStringLiteral("partition")});
    addRow(form, tr("N&odes:"), nodesWidget,
           {QStringLiteral("nodes_min"), QStringLiteral("nodes_max"), QStringLiteral("gpus_per_node")});
    addRow(form, tr("&Time limit:"), m_timeLimit, {QStringLiteral("time_limit")});
    addRow(form, tr("&Shared folder:"), m_sharedLocal, {QStringLiteral("shared_dir")});
    addRow(form, tr("Shared folder on &nodes:"), m_sharedCluster, {QStringLiteral("shared_dir_cluster")});
    addRow(form, tr("Token:"), tokenWidget, {QStringLiteral("token"), QStringLiteral("token_env")});

    m_error = new QLabel;
    m_error->setObjectName(QStringLiteral("errorLabel"));
    m_error->setWordWrap(true);
    m_error->setStyleSheet(QStringLiteral("color: #c0392b;"));
    m_error->hide();
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Cancel);
    m_create = buttons->addButton(tr("Add"), QDialogButtonBox::AcceptRole);
    m_create->setObjectName(QStringLiteral("createButton"));
    m_create->setDefault(true);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_error);
    layout->addWidget(buttons);

    m_saveToken = [](const QString &key, const QString &tokenText, QObject *context,
                     std::function<void(const QString &)> done) {
        core::ComputeTokenStore::store(key, tokenText, context, std::move(done));
    };
    connect(m_create, &QPushButton::clicked, this, &SlurmTargetDialog::save);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
}

void SlurmTargetDialog::addRow(QFormLayout *form, const QString &label, QWidget *field, const QStringList &keys)
{
    auto *box = new QWidget;
    auto *layout = new QVBoxLayout(box);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    layout->addWidget(field);
    auto *error = new QLabel;
    error->setObjectName(keys.constFirst() + QStringLiteral("Error"));
    error->setWordWrap(true);
    error->setStyleSheet(QStringLiteral("color: #c0392b;"));
    error->hide();
    layout->addWidget(error);
    for (const QString &key : keys)
        m_fieldErrors.insert(key, error);
    form->addRow(label, box);
}

QString SlurmTargetDialog::fieldError(const QString &field) const
{
    const QLabel *label = m_fieldErrors.value(field);
    return label && !label->isHidden() ? label->text() : QString();
}

QString SlurmTargetDialog::errorText() const
{
    return m_error->isHidden() ? QString() : m_error->text();
}

void SlurmTargetDialog::showError(const QString &message)
{
    m_error->setText(message);
    m_error->setVisible(!message.isEmpty());
}

core::SlurmTargetConfig SlurmTargetDialog::config() const
{
    core::SlurmTargetConfig c;
    c.url = m_url->text().trimmed();
    c.apiVersion = m_apiVersion->text().trimmed();
    c.user = m_user->text().trimmed();
    c.partition = m_partition->text().trimmed();
    c.nodesMin = m_nodesMin->value();
    c.nodesMax = m_nodesMax->value();
    c.gpusPerNode = m_gpus->value();
    c.timeLimit = m_timeLimit->text().trimmed();
    c.sharedDirLocal = m_sharedLocal->text().trimmed();
    c.sharedDirCluster = m_sharedCluster->text().trimmed();
    c.tokenInKeychain = m_useKeychain->isChecked();
    c.tokenEnv = m_useEnv->isChecked() ? m_tokenEnv->text().trimmed() : QString();
    return c;
}

bool SlurmTargetDialog::showProblems(const QStringList &problems)
{
    QHash<QLabel *, QStringList> byLabel;
    QStringList unplaced;
    for (const QString &problem : problems) {
        const qsizetype colon = problem.indexOf(u':');
        QLabel *label = colon > 0 ? m_fieldErrors.value(problem.left(colon)) : nullptr;
        if (label)
            byLabel[label].append(problem.mid(colon + 1).trimmed());
        else
            unplaced.append(problem);
    }
    for (QLabel *label : std::as_const(m_fieldErrors)) {
        label->setText(byLabel.value(label).join(u'\n'));
        label->setVisible(byLabel.contains(label));
    }
    showError(unplaced.join(u'\n'));
    return !problems.isEmpty();
}

void SlurmTargetDialog::save()
{
    const core::SlurmTargetConfig c = config();
    QStringList problems;
    const QString name = m_name->text().trimmed();
    if (name.isEmpty())
        problems.append(tr("name: enter a name for the target"));
    else if (!core::ComputeTargetRegistry::isValidName(name))
        problems.append(tr("name: use letters, digits, '_', '-' and '.', starting with a letter or digit"));
    else if (core::ComputeTargetRegistry(m_workspace.database()).find(name))
        problems.append(tr("name: a compute target named \u201c%1\u201d exists; choose another name").arg(name));
    for (const QString &p : c.validate()) {
        if (!p.startsWith(u"token:")) // its wording names CLI options; the GUI says it its own way below
            problems.append(p);
    }
    if (c.tokenInKeychain && m_token->text().isEmpty())
        problems.append(tr("token: paste the JWT (from `scontrol token`), or read it from an environment variable"));
    if (!c.tokenInKeychain && c.tokenEnv.isEmpty())
        problems.append(tr("token_env: name the environment variable that holds the JWT"));
    if (showProblems(problems))
        return;
    if (!c.tokenInKeychain) {
        commit();
        return;
    }
    m_create->setEnabled(false);
    showError(QString());
    m_saveToken(core::ComputeTokenStore::keyFor(m_workspace.path(), name), m_token->text(), this,
                [this](const QString &error) {
                    m_create->setEnabled(true);
                    if (!error.isEmpty()) {
                        showError(tr("The token could not be stored in the system keychain: %1\nChoose \u201cRead "
                                     "from environment variable\u201d instead, or start a keyring service.")
                                      .arg(error));
                        return;
                    }
                    commit();
                });
}

void SlurmTargetDialog::commit()
{
    const QString name = m_name->text().trimmed();
    try {
        core::ComputeTargetRegistry(m_workspace.database()).createSlurm(name, config());
        emit created(name);
        accept();
    } catch (const core::WorkspaceError &e) {
        showProblems(e.message().split(QStringLiteral("; ")));
    }
}

} // namespace mldesk::ui
