// EnvironmentsPane: reads EnvironmentRegistry into its tables and the spec view.
#include "ui/panes/EnvironmentsPane.h"

#include "core/environments/EnvironmentRegistry.h"
#include "core/workspace/Workspace.h"
#include "core/workspace/WorkspaceError.h"
#include "ui/dialogs/CreateEnvironmentDialog.h"
#include "ui/models/TableModel.h"
#include "ui/widgets/TableViews.h"
#include "ui/widgets/YamlHighlighter.h"

#include <QFontDatabase>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSplitter>
#include <QStackedWidget>
#include <QTableView>
#include <QVBoxLayout>

namespace mldesk::ui {

using core::EnvironmentVersion;

EnvironmentsPane::EnvironmentsPane(QWidget *parent)
    : Pane(tr("Environments"), tr("Software environments for runs: conda specifications and docker images, versioned."),
           QStringLiteral("environments"), parent)
{
    setObjectName(QStringLiteral("environmentsPane"));
    m_environments = new TableModel(
        {tr("Name"), tr("Kind"), tr("Latest version"), tr("Versions"), tr("Created"), tr("Description")}, this);
    m_environments->setNumericColumns({2, 3});
    m_versions = new TableModel({tr("Version"), tr("Python"), tr("Packages"), tr("Docker image"), tr("Created")}, this);
    m_versions->setNumericColumns({0, 2});
    m_environmentView = makeTableView(QStringLiteral("environmentsTable"), m_environments, false);
    m_environmentView->horizontalHeader()->resizeSection(0, 200);
    m_versionView = makeTableView(QStringLiteral("environmentVersionsTable"), m_versions, false);
    m_versionView->horizontalHeader()->setDefaultSectionSize(80);

    m_spec = new QPlainTextEdit;
    m_spec->setObjectName(QStringLiteral("specView"));
    m_spec->setReadOnly(true);
    m_spec->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_spec->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    new YamlHighlighter(m_spec->document());
    m_details = new QLabel;
    m_details->setObjectName(QStringLiteral("environmentDetails"));
    m_details->setWordWrap(true);
    m_details->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto *createButton = new QPushButton(tr("Create Environment\u2026"));
    createButton->setObjectName(QStringLiteral("createEnvironmentButton"));
    m_toolbar = new QWidget;
    auto *tools = new QHBoxLayout(m_toolbar);
    tools->setContentsMargins(0, 0, 0, 0);
    tools->addWidget(createButton);
    tools->addStretch(1);

    auto *specBox = new QWidget;
    auto *specLayout = new QVBoxLayout(specBox);
    specLayout->setContentsMargins(0, 0, 0, 0);
    specLayout->addWidget(m_details, 0, Qt::AlignTop);
    specLayout->addWidget(m_spec, 100);
    specLayout->addStretch(1); // keeps the details at the top when a curated environment has no spec
    auto *details = new QSplitter(Qt::Horizontal);
    details->addWidget(titled(tr("Versions"), m_versionView));
    details->addWidget(titled(tr("Specification of the selected version"), specBox));
    details->setStretchFactor(1, 2);
    auto *split = new QSplitter(Qt::Vertical);
    split->addWidget(m_environmentView);
    split->addWidget(details);
    split->setStretchFactor(0, 2);
    split->setStretchFactor(1, 3);

    m_stack = new QStackedWidget;
    m_stack->addWidget(emptyState());
    m_stack->addWidget(split);
    contentLayout()->addWidget(m_toolbar);
    contentLayout()->addWidget(m_stack, 1);

    connect(createButton, &QPushButton::clicked, this, &EnvironmentsPane::openCreateDialog);
    connect(m_environmentView->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &EnvironmentsPane::showVersions);
    connect(m_versionView->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &EnvironmentsPane::showDetails);
    setWorkspace(nullptr);
}

void EnvironmentsPane::setWorkspace(core::Workspace *workspace)
{
    m_workspace = workspace;
    reload();
}

void EnvironmentsPane::reload()
{
    const QString selected = m_environmentView->currentIndex().data(TableModel::KeyRole).toString();
    m_toolbar->setVisible(m_workspace != nullptr);
    QList<core::EnvironmentSummary> list;
    if (m_workspace)
        list = core::EnvironmentRegistry(m_workspace->database()).list();
    QList<TableModel::Row> rows;
    for (const core::EnvironmentSummary &e : std::as_const(list)) {
        rows.append({e.name,
                     {{e.name},
                      {EnvironmentVersion::kindName(e.kind)},
                      {QString::number(e.latestVersion), e.latestVersion},
                      {QString::number(e.versionCount), e.versionCount},
                      {TableModel::formatDate(e.created), e.created},
                      {e.description}}});
    }
    m_environments->setRows(rows);
    showCount(m_workspace, int(list.size()), tr("No environments yet"), tr("environment"), tr("environments"),
              tr("Create one from a conda YAML file."));
    m_stack->setCurrentIndex(list.isEmpty() ? 0 : 1);
    if (!list.isEmpty()) {
        // The user's own environments are what they come here for: the first non-curated one, else the first.
        QString initial = list.constFirst().name;
        for (const core::EnvironmentSummary &e : std::as_const(list)) {
            if (e.kind == EnvironmentVersion::Kind::Conda) {
                initial = e.name;
                break;
            }
        }
        selectEnvironment(selected.isEmpty() ? initial : selected);
    } else
        showVersions();
}

void EnvironmentsPane::selectEnvironment(const QString &name)
{
    const int row = m_environments->rowOfKey(name);
    if (row < 0)
        return;
    m_environmentView->setCurrentIndex(m_environments->index(row, 0));
    showVersions();
}

void EnvironmentsPane::showVersions()
{
    QList<TableModel::Row> rows;
    const QString name = m_environmentView->currentIndex().data(TableModel::KeyRole).toString();
    if (m_workspace && !name.isEmpty()) {
        try {
            const QList<EnvironmentVersion> versions =
                core::EnvironmentRegistry(m_workspace->database()).versions(name);
            for (auto it = versions.crbegin(); it != versions.crend(); ++it) {
                const int packages = int(it->conda.condaPackages.size() + it->conda.pipPackages.size());
                rows.append(
                    {it->version,
                     {{QString::number(it->version), it->version},
                      {it->conda.pythonVersion},
                      {it->kind == EnvironmentVersion::Kind::Conda ? QString::number(packages) : QString(), packages},
                      {it->dockerImage},
                      {TableModel::formatDate(it->created), it->created}}});
            }
        } catch (const core::WorkspaceError &) {
        }
    }
    m_versions->setRows(rows);
    if (!rows.isEmpty())
        m_versionView->setCurrentIndex(m_versions->index(0, 0));
    showDetails();
}

QString EnvironmentsPane::selectedForDeletion() const
{
    const QString name = m_environmentView->currentIndex().data(TableModel::KeyRole).toString();
    const int version = m_versionView->currentIndex().data(TableModel::KeyRole).toInt();
    return name.isEmpty() || version <= 0 ? QString() : name + u':' + QString::number(version);
}

void EnvironmentsPane::showDetails()
{
    const QString name = m_environmentView->currentIndex().data(TableModel::KeyRole).toString();
    const int version = m_versionView->currentIndex().data(TableModel::KeyRole).toInt();
    m_spec->clear();
    m_details->clear();
    if (!m_workspace || name.isEmpty() || version <= 0)
        return;
    try {
        const EnvironmentVersion v = core::EnvironmentRegistry(m_workspace->database()).version(name, version);
        QStringList lines;
        if (!v.description.isEmpty())
            lines.append(v.description.toHtmlEscaped());
        if (v.kind == EnvironmentVersion::Kind::Native)
            lines.append(tr("Curated: runs the built-in trainer <code>mldesk-train</code> (GPU when available)."));
        else if (v.kind == EnvironmentVersion::Kind::SystemPython)
            lines.append(tr("Curated: runs scripts with <code>python3</code> from PATH."));
        if (!v.dockerImage.isEmpty())
            lines.append(tr("Docker image: <code>%1</code>").arg(v.dockerImage.toHtmlEscaped()));
        if (v.isContainer())
            lines.append(v.dockerfile.isEmpty() ? tr("Local runs execute in a container (podman or docker).")
                                                : tr("Local runs execute in a container of an image built from its "
                                                     "Dockerfile (podman or docker)."));
        for (auto it = v.variables.cbegin(); it != v.variables.cend(); ++it)
            lines.append(
                QStringLiteral("<code>%1=%2</code>").arg(it.key().toHtmlEscaped(), it.value().toHtmlEscaped()));
        m_details->setText(lines.join(QStringLiteral("<br>")));
        m_details->setVisible(!lines.isEmpty());
        m_spec->setPlainText(v.specText);
        m_spec->setVisible(!v.specText.isEmpty());
    } catch (const core::WorkspaceError &) {
    }
}

CreateEnvironmentDialog *EnvironmentsPane::openCreateDialog()
{
    if (!m_workspace)
        return nullptr;
    auto *dialog = new CreateEnvironmentDialog(*m_workspace, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &CreateEnvironmentDialog::created, this, [this](const QString &name) {
        reload();
        selectEnvironment(name);
    });
    dialog->open();
    return dialog;
}

} // namespace mldesk::ui
