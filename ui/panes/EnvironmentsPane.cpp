// EnvironmentsPane: reads EnvironmentRegistry into its tables and the spec view, on the pane's StoreReader.
#include "ui/panes/EnvironmentsPane.h"

#include "core/environments/EnvironmentRegistry.h"
#include "core/store/Database.h"
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

#include <algorithm>

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
    // The user moved the current row: read (or show) what it shows. Moves the pane makes itself do that explicitly.
    connect(m_environmentView->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this] {
        if (!m_selecting)
            loadVersions();
    });
    connect(m_versionView->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this] {
        if (!m_selecting)
            showDetails();
    });
    setWorkspace(nullptr);
}

EnvironmentsPane::~EnvironmentsPane() = default;

void EnvironmentsPane::setWorkspace(core::Workspace *workspace)
{
    if (workspace != m_workspace || !workspace) {
        m_reader.reset(); // its reads in flight are dropped with it
        m_workspace = workspace;
        if (workspace)
            m_reader = std::make_unique<core::StoreReader>(workspace->database());
        // Another workspace's rows must not stay while this one's are read.
        m_environments->setRows({});
        m_wanted.clear();
        loadVersions();
    }
    reload();
}

struct EnvironmentsPane::Listed {
    bool ok = false; // false: the read failed (said in the log)
    QList<TableModel::Row> rows;
    QString initial; // the first conda (user's own) environment, else the first
};

void EnvironmentsPane::reload()
{
    const quint64 sequence = m_reloads.start();
    m_toolbar->setVisible(m_workspace != nullptr);
    if (!m_workspace) {
        m_reloads.answer(sequence);
        m_environments->setRows({});
        showCount(nullptr, 0, {}, {}, {}, {});
        m_stack->setCurrentIndex(0);
        loadVersions();
        return;
    }
    if (m_environments->rowCount() == 0)
        m_stack->setCurrentIndex(1); // the (empty) tables until the answer says whether there is anything
    m_reader->read(
        this,
        [](core::Database &db) {
            Listed listed;
            try {
                const QList<core::EnvironmentSummary> list = core::EnvironmentRegistry(db).list();
                for (const core::EnvironmentSummary &e : list) {
                    listed.rows.append({e.name,
                                        {{e.name},
                                         {EnvironmentVersion::kindName(e.kind)},
                                         {QString::number(e.latestVersion), e.latestVersion},
                                         {QString::number(e.versionCount), e.versionCount},
                                         {TableModel::formatDate(e.created), e.created},
                                         {e.description}}});
                }
                // The user's own environments are what they come here for: the first non-curated one, else the
                // first.
                if (!list.isEmpty())
                    listed.initial = list.constFirst().name;
                for (const core::EnvironmentSummary &e : list) {
                    if (e.kind == EnvironmentVersion::Kind::Conda) {
                        listed.initial = e.name;
                        break;
                    }
                }
                listed.ok = true;
            } catch (const std::exception &e) {
                qWarning("environments: reading the environments failed: %s", e.what());
            }
            return listed;
        },
        [this, sequence](Listed listed) { showLoaded(sequence, std::move(listed)); });
}

void EnvironmentsPane::showLoaded(quint64 sequence, Listed listed)
{
    if (!m_reloads.answer(sequence))
        return; // a newer reload is in flight: its answer follows
    if (!listed.ok) {
        emit loaded();
        return;
    }
    // The current row is kept by name across the reset; one asked for before it was listed is selected now.
    const QString current = currentEnvironment();
    const QString wanted = m_wanted;
    m_wanted.clear();
    m_selecting = true;
    // Nothing was selected: the initial one; one gone since stays unselected.
    setRowsKeepingCurrent(m_environmentView, *m_environments, std::move(listed.rows),
                          {wanted, current, current.isEmpty() ? listed.initial : QString()},
                          IfNoneListed::NoCurrentRow);
    m_selecting = false;
    const int count = m_environments->rowCount();
    showCount(m_workspace, count, tr("No environments yet"), tr("environment"), tr("environments"),
              tr("Create one from a conda YAML file."));
    m_stack->setCurrentIndex(count == 0 ? 0 : 1);
    loadVersions();
    emit loaded();
}

QString EnvironmentsPane::currentEnvironment() const
{
    return m_environmentView->currentIndex().data(TableModel::KeyRole).toString();
}

void EnvironmentsPane::selectEnvironment(const QString &name)
{
    const int row = m_environments->rowOfKey(name);
    if (row < 0) {
        if (m_reloads.inFlight())
            m_wanted = name; // not listed yet (a reload in flight): selected when the list comes
        return;
    }
    if (currentEnvironment() == name)
        return;
    m_selecting = true;
    setCurrentRow(m_environmentView, *m_environments, row);
    m_selecting = false;
    loadVersions();
}

void EnvironmentsPane::loadVersions()
{
    const quint64 sequence = m_versionReads.start();
    const QString name = currentEnvironment();
    if (name != m_versionsOf || name.isEmpty()) {
        // Another environment's versions must not stay (Delete would name this one with their number).
        m_selecting = true;
        m_shownVersions.clear();
        m_versions->setRows({});
        m_selecting = false;
        m_versionsOf.clear();
        showDetails();
    }
    if (!m_reader || name.isEmpty()) {
        emit versionsLoaded();
        return;
    }
    m_reader->read(
        this,
        [name](core::Database &db) {
            QList<EnvironmentVersion> versions;
            try {
                versions = core::EnvironmentRegistry(db).versions(name);
                std::reverse(versions.begin(), versions.end()); // newest first
            } catch (const core::WorkspaceError &) {
                // Deleted by another process since the list was read: the next refresh drops it.
            }
            return versions;
        },
        [this, sequence, name](QList<EnvironmentVersion> versions) {
            showVersions(sequence, name, std::move(versions));
        });
}

void EnvironmentsPane::showVersions(quint64 sequence, const QString &name, QList<EnvironmentVersion> versions)
{
    // Dropped when another environment (or the same one again) was asked for since: that answer follows.
    if (!m_versionReads.isNewest(sequence) || name != currentEnvironment())
        return;
    const int kept = m_versionsOf == name ? m_versionView->currentIndex().data(TableModel::KeyRole).toInt() : 0;
    QList<TableModel::Row> rows;
    for (const EnvironmentVersion &v : std::as_const(versions)) {
        const int packages = int(v.conda.condaPackages.size() + v.conda.pipPackages.size());
        rows.append({v.version,
                     {{QString::number(v.version), v.version},
                      {v.conda.pythonVersion},
                      {v.kind == EnvironmentVersion::Kind::Conda ? QString::number(packages) : QString(), packages},
                      {v.dockerImage},
                      {TableModel::formatDate(v.created), v.created}}});
    }
    m_selecting = true;
    m_shownVersions = std::move(versions);
    setRowsKeepingCurrent(m_versionView, *m_versions, std::move(rows), {kept}, IfNoneListed::FirstRow);
    m_versionsOf = name;
    m_selecting = false;
    showDetails();
    emit versionsLoaded();
}

QString EnvironmentsPane::selectedForDeletion() const
{
    const QString name = m_environmentView->currentIndex().data(TableModel::KeyRole).toString();
    const int version = m_versionView->currentIndex().data(TableModel::KeyRole).toInt();
    return name.isEmpty() || version <= 0 ? QString() : name + u':' + QString::number(version);
}

void EnvironmentsPane::showDetails()
{
    m_spec->clear();
    m_details->clear();
    const int row = m_versionView->currentIndex().row();
    if (row < 0 || row >= m_shownVersions.size())
        return;
    const EnvironmentVersion &v = m_shownVersions.at(row);
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
        lines.append(QStringLiteral("<code>%1=%2</code>").arg(it.key().toHtmlEscaped(), it.value().toHtmlEscaped()));
    m_details->setText(lines.join(QStringLiteral("<br>")));
    m_details->setVisible(!lines.isEmpty());
    m_spec->setPlainText(v.specText);
    m_spec->setVisible(!v.specText.isEmpty());
}

CreateEnvironmentDialog *EnvironmentsPane::openCreateDialog()
{
    if (!m_workspace)
        return nullptr;
    auto *dialog = new CreateEnvironmentDialog(*m_workspace, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &CreateEnvironmentDialog::created, this, [this](const QString &name) {
        m_wanted = name; // selected when the reload's answer lists it
        reload();
    });
    dialog->open();
    return dialog;
}

} // namespace mldesk::ui
