// SubmitRunDialog: the form, its choices read from the workspace, the preset and the submission through RunServiceHost.
#include "ui/runs/SubmitRunDialog.h"

#include "ui/runs/ArgumentLine.h"

#include "core/compute/ComputeTargetRegistry.h"
#include "core/datasets/DatasetRegistry.h"
#include "core/environments/EnvironmentRegistry.h"
#include "core/experiments/ExperimentStore.h"
#include "core/runs/RunServiceHost.h"
#include "core/workspace/Workspace.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonArray>
#include <QLabel>
#include <QLineEdit>
#include <QProcess>
#include <QPushButton>
#include <QRadioButton>
#include <QRegularExpression>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QTableWidget>
#include <QVBoxLayout>

namespace mldesk::ui {

namespace {
constexpr int kIsSlurmRole = Qt::UserRole + 1; // on the compute combo's items: a Slurm target
} // namespace

SubmitRunDialog::SubmitRunDialog(core::Workspace &workspace, core::RunServiceHost &service, QWidget *parent)
    : QDialog(parent), m_workspace(workspace), m_service(service)
{
    setObjectName(QStringLiteral("submitRunDialog"));
    setWindowTitle(tr("Submit Run"));
    resize(680, 0);

    m_experiment = new QComboBox;
    m_experiment->setObjectName(QStringLiteral("experimentCombo"));
    m_experiment->setEditable(true);
    m_experiment->setInsertPolicy(QComboBox::NoInsert);
    for (const auto &e : core::ExperimentStore(workspace.database()).list())
        m_experiment->addItem(e.name);
    if (m_experiment->count() == 0)
        m_experiment->setEditText(QStringLiteral("keras-mnist"));
    m_displayName = new QLineEdit;
    m_displayName->setObjectName(QStringLiteral("displayNameEdit"));
    m_displayName->setPlaceholderText(tr("optional"));

    m_builtin = new QRadioButton(tr("Built-in trainer (mldesk-train)"));
    m_builtin->setObjectName(QStringLiteral("builtinRadio"));
    m_script = new QRadioButton(tr("Python script"));
    m_script->setObjectName(QStringLiteral("scriptRadio"));
    auto *presetButton = new QPushButton(tr("Keras MLP Preset"));
    presetButton->setObjectName(QStringLiteral("presetButton"));
    presetButton->setToolTip(tr("The seed's keras_mnist.py: MLP 784-300-100-10, RMSprop, batch 50, 20 epochs"));
    auto *entryRow = new QHBoxLayout;
    entryRow->addWidget(m_builtin);
    entryRow->addWidget(m_script);
    entryRow->addStretch(1);
    entryRow->addWidget(presetButton);

    m_sourceFolder = new QLineEdit;
    m_sourceFolder->setObjectName(QStringLiteral("sourceFolderEdit"));
    auto *browse = new QPushButton(tr("Browse\u2026"));
    browse->setObjectName(QStringLiteral("browseSourceButton"));
    auto *sourceRow = new QHBoxLayout;
    sourceRow->addWidget(m_sourceFolder, 1);
    sourceRow->addWidget(browse);
    m_scriptPath = new QLineEdit;
    m_scriptPath->setObjectName(QStringLiteral("scriptEdit"));
    m_scriptPath->setPlaceholderText(tr("e.g. keras_mnist.py (inside the source folder)"));

    m_arguments = new QLineEdit;
    m_arguments->setObjectName(QStringLiteral("argumentsEdit"));
    m_arguments->setToolTip(tr("The raw argument line; the table below shows the same arguments as key/value rows"));
    // The same arguments as rows (issue 17): editing either side rewrites the other.
    m_argumentTable = new QTableWidget(0, 2);
    m_argumentTable->setObjectName(QStringLiteral("argumentsTable"));
    m_argumentTable->setHorizontalHeaderLabels({tr("Argument"), tr("Value")});
    m_argumentTable->horizontalHeader()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    m_argumentTable->horizontalHeader()->setStretchLastSection(true);
    m_argumentTable->verticalHeader()->hide();
    m_argumentTable->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_argumentTable->setMinimumHeight(150);
    auto *addArgument = new QPushButton(tr("Add Argument"));
    addArgument->setObjectName(QStringLiteral("addArgumentButton"));
    auto *removeArgument = new QPushButton(tr("Remove Argument"));
    removeArgument->setObjectName(QStringLiteral("removeArgumentButton"));
    auto *argumentButtons = new QHBoxLayout;
    argumentButtons->addWidget(addArgument);
    argumentButtons->addWidget(removeArgument);
    argumentButtons->addStretch(1);
    auto *argumentRows = new QVBoxLayout;
    argumentRows->setSpacing(2);
    argumentRows->addWidget(m_argumentTable, 1);
    argumentRows->addLayout(argumentButtons);
    m_dataset = new QComboBox;
    m_dataset->setObjectName(QStringLiteral("datasetCombo"));
    for (const core::DatasetSummary &d : core::DatasetRegistry(workspace.database()).list())
        m_dataset->addItem(QStringLiteral("%1 (v%2)").arg(d.name).arg(d.latestVersion), d.name);
    auto *insertDataset = new QPushButton(tr("Insert Dataset"));
    insertDataset->setObjectName(QStringLiteral("insertDatasetButton"));
    insertDataset->setEnabled(m_dataset->count() > 0);
    auto *datasetRow = new QHBoxLayout;
    datasetRow->addWidget(m_dataset, 1);
    datasetRow->addWidget(insertDataset);

    m_environment = new QComboBox;
    m_environment->setObjectName(QStringLiteral("environmentCombo"));
    for (const core::EnvironmentSummary &e : core::EnvironmentRegistry(workspace.database()).list())
        m_environment->addItem(e.name);
    m_compute = new QComboBox;
    m_compute->setObjectName(QStringLiteral("computeCombo"));
    for (const core::ComputeTarget &t : core::ComputeTargetRegistry(workspace.database()).list()) {
        QString where = tr("this machine");
        if (t.kind == core::ComputeTarget::Kind::Slurm) {
            where = tr("Slurm cluster at %1").arg(t.slurm.url);
            if (!t.slurm.partition.isEmpty())
                where += tr(", partition %1").arg(t.slurm.partition);
            where += tr(", %1-%2 node(s)").arg(t.slurm.nodesMin).arg(t.slurm.nodesMax);
            if (t.slurm.gpusPerNode > 0)
                where += tr(", %1 GPU(s) per node").arg(t.slurm.gpusPerNode);
            if (!t.slurm.sharedDirLocal.isEmpty())
                where += tr("; run folders under %1").arg(t.slurm.sharedDirLocal);
        }
        m_compute->addItem(QStringLiteral("%1 (%2)").arg(t.name, core::ComputeTarget::kindName(t.kind)), t.name);
        m_compute->setItemData(m_compute->count() - 1, where, Qt::ToolTipRole);
        m_compute->setItemData(m_compute->count() - 1, t.kind == core::ComputeTarget::Kind::Slurm, kIsSlurmRole);
    }
    m_computeInfo = new QLabel;
    m_computeInfo->setObjectName(QStringLiteral("computeInfoLabel"));
    m_computeInfo->setWordWrap(true);
    m_computeInfo->setEnabled(false); // greyed: a description, not a control
    auto *computeBox = new QWidget;
    auto *computeLayout = new QVBoxLayout(computeBox);
    computeLayout->setContentsMargins(0, 0, 0, 0);
    computeLayout->setSpacing(2);
    computeLayout->addWidget(m_compute);
    computeLayout->addWidget(m_computeInfo);
    computeBox->setFocusProxy(m_compute);

    m_priority = new QComboBox;
    m_priority->setObjectName(QStringLiteral("priorityCombo"));
    m_priority->addItem(tr("Low"), core::kRunPriorityLow);
    m_priority->addItem(tr("Normal"), core::kRunPriorityNormal);
    m_priority->addItem(tr("High"), core::kRunPriorityHigh);
    m_priority->addItem(tr("Custom"));
    m_prioritySpin = new QSpinBox;
    m_prioritySpin->setObjectName(QStringLiteral("prioritySpin"));
    m_prioritySpin->setRange(core::kRunPriorityMin, core::kRunPriorityMax);
    m_prioritySpin->setToolTip(tr("Among queued runs that can start, the highest priority starts first; equal "
                                  "priorities in submission order (local runs; %1 to %2)")
                                   .arg(core::kRunPriorityMin)
                                   .arg(core::kRunPriorityMax));
    m_priority->setToolTip(m_prioritySpin->toolTip());
    m_priority->setCurrentIndex(1);
    connect(m_priority, &QComboBox::activated, this, [this](int index) {
        if (const QVariant value = m_priority->itemData(index); value.isValid())
            m_prioritySpin->setValue(value.toInt());
        else
            m_prioritySpin->setFocus(); // Custom: type the number
    });
    connect(m_prioritySpin, &QSpinBox::valueChanged, this, [this](int value) {
        const int preset = m_priority->findData(value);
        const QSignalBlocker blocker(m_priority);
        m_priority->setCurrentIndex(preset >= 0 ? preset : m_priority->count() - 1);
    });
    // Which slot of this machine the run may take (`run submit --device`); Slurm places jobs by their GPUs per node.
    m_device = new QComboBox;
    m_device->setObjectName(QStringLiteral("deviceCombo"));
    m_device->addItem(tr("Any (a free GPU first, else a CPU slot)"), int(core::RunRequest::Device::Any));
    m_device->addItem(tr("GPU only (waits for a GPU)"), int(core::RunRequest::Device::Gpu));
    m_device->addItem(tr("CPU only (leaves the GPUs to others)"), int(core::RunRequest::Device::Cpu));
    auto *priorityRow = new QHBoxLayout;
    priorityRow->addWidget(m_priority);
    priorityRow->addWidget(m_prioritySpin);
    priorityRow->addStretch(1);

    m_problems = new QLabel;
    m_problems->setObjectName(QStringLiteral("problemsLabel"));
    m_problems->setWordWrap(true);
    m_problems->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_problems->setStyleSheet(QStringLiteral("color: #c0392b;"));
    m_problems->hide();

    auto *form = new QFormLayout;
    form->addRow(tr("E&xperiment:"), withProblem(m_experiment, QStringLiteral("experiment")));
    form->addRow(tr("Display &name:"), m_displayName);
    form->addRow(tr("Entry:"), entryRow);
    form->addRow(tr("&Source folder:"), sourceRow);
    // Rows holding a layout get labels without a buddy, which would show the '&' (issue 17).
    qobject_cast<QLabel *>(form->labelForField(sourceRow))->setBuddy(m_sourceFolder);
    form->addRow(tr("Scrip&t:"), withProblem(m_scriptPath, QStringLiteral("entry")));
    form->addRow(tr("&Arguments:"), withProblem(m_arguments, QStringLiteral("arguments")));
    form->addRow(QString(), argumentRows);
    form->addRow(tr("&Dataset reference:"), datasetRow);
    qobject_cast<QLabel *>(form->labelForField(datasetRow))->setBuddy(m_dataset);
    form->addRow(tr("&Environment:"), withProblem(m_environment, QStringLiteral("environment")));
    form->addRow(tr("&Compute:"), withProblem(computeBox, QStringLiteral("compute")));
    form->addRow(tr("De&vice:"), m_device);
    form->addRow(tr("&Priority:"), priorityRow);
    qobject_cast<QLabel *>(form->labelForField(priorityRow))->setBuddy(m_priority);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Cancel);
    m_submit = buttons->addButton(tr("Submit"), QDialogButtonBox::AcceptRole);
    m_submit->setObjectName(QStringLiteral("submitButton"));
    m_submit->setDefault(true);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_problems);
    layout->addWidget(buttons);

    m_chooser = [](QWidget *parentWidget) {
        return QFileDialog::getExistingDirectory(parentWidget, tr("Source Folder"));
    };
    connect(m_builtin, &QRadioButton::toggled, this, &SubmitRunDialog::entryChanged);
    connect(presetButton, &QPushButton::clicked, this, [this] { applyPreset(m_dataset->currentData().toString()); });
    connect(browse, &QPushButton::clicked, this, [this] {
        const QString folder = m_chooser(this);
        if (!folder.isEmpty())
            m_sourceFolder->setText(folder);
    });
    connect(insertDataset, &QPushButton::clicked, this, [this] {
        const QString reference = QStringLiteral("{dataset:%1:mount}").arg(m_dataset->currentData().toString());
        // Into the selected argument's value when a row is selected, else at the line's cursor.
        const int row = m_argumentTable->currentRow();
        if (row >= 0 && m_argumentTable->selectionModel()->isRowSelected(row, {})) {
            m_argumentTable->item(row, 1)->setText(reference); // itemChanged rewrites the line
            return;
        }
        m_arguments->insert(reference);
    });
    connect(m_arguments, &QLineEdit::textChanged, this, &SubmitRunDialog::lineChanged);
    connect(m_argumentTable, &QTableWidget::itemChanged, this, &SubmitRunDialog::rowsChanged);
    connect(addArgument, &QPushButton::clicked, this, [this] {
        const int row = m_argumentTable->rowCount();
        m_syncing = true;
        m_argumentTable->insertRow(row);
        m_argumentTable->setItem(row, 0, new QTableWidgetItem(QStringLiteral("--")));
        m_argumentTable->setItem(row, 1, new QTableWidgetItem);
        m_syncing = false;
        m_argumentTable->setCurrentCell(row, 0);
        m_argumentTable->editItem(m_argumentTable->item(row, 0));
    });
    connect(removeArgument, &QPushButton::clicked, this, [this] {
        if (m_argumentTable->currentRow() < 0)
            return;
        m_argumentTable->removeRow(m_argumentTable->currentRow());
        rowsChanged();
    });
    connect(m_compute, &QComboBox::currentIndexChanged, this, &SubmitRunDialog::computeChanged);
    connect(m_submit, &QPushButton::clicked, this, &SubmitRunDialog::submit);
    // The snapshot (up to 300 MB) is taken on the service's thread: the answer comes back queued.
    connect(&m_service, &core::RunServiceHost::submitFinished, this,
            [this](quint64 ticket, const core::RunRecord &run) {
                if (ticket != m_ticket)
                    return;
                m_ticket = 0;
                m_submit->setEnabled(true);
                emit submitted(run);
                accept();
            });
    connect(&m_service, &core::RunServiceHost::submitFailed, this, [this](quint64 ticket, const QString &message) {
        if (ticket != m_ticket)
            return;
        m_ticket = 0;
        m_submit->setEnabled(true);
        showProblems({message});
    });
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    applyPreset(m_dataset->currentData().toString());
    computeChanged();
}

QWidget *SubmitRunDialog::withProblem(QWidget *field, const QString &key)
{
    auto *problem = new QLabel;
    problem->setObjectName(key + QStringLiteral("Problem"));
    problem->setWordWrap(true);
    problem->setTextInteractionFlags(Qt::TextSelectableByMouse);
    problem->setStyleSheet(QStringLiteral("color: #c0392b;"));
    problem->hide();
    m_fieldProblems.insert(key, problem);
    auto *box = new QWidget;
    box->setFocusProxy(field); // the form label's mnemonic focuses the field itself
    auto *layout = new QVBoxLayout(box);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    layout->addWidget(field);
    layout->addWidget(problem);
    return box;
}

void SubmitRunDialog::computeChanged()
{
    m_computeInfo->setText(m_compute->currentData(Qt::ToolTipRole).toString());
    const bool slurm = m_compute->currentData(kIsSlurmRole).toBool();
    m_device->setEnabled(!slurm);
    m_device->setToolTip(slurm ? tr("A Slurm job gets the GPUs its compute target asks for per node")
                               : tr("Which slot of this machine the run may take"));
}

QString SubmitRunDialog::fieldOf(const QString &problem)
{
    const QString p = problem.toLower();
    if (p.contains(u"compute target") || p.contains(u"shared folder") || p.contains(u"slurm"))
        return QStringLiteral("compute");
    if (p.contains(u"environment"))
        return QStringLiteral("environment");
    if (p.contains(u"dataset") || p.contains(u"argument"))
        return QStringLiteral("arguments");
    if (p.contains(u"script") || p.contains(u"source folder"))
        return QStringLiteral("entry");
    if (p.contains(u"experiment"))
        return QStringLiteral("experiment");
    return {};
}

QString SubmitRunDialog::fieldProblem(const QString &field) const
{
    const QLabel *label = m_fieldProblems.value(field);
    return label && !label->isHidden() ? label->text() : QString();
}

QStringList SubmitRunDialog::presetArguments(const QString &dataset)
{
    return {QStringLiteral("--data-folder"),
            QStringLiteral("{dataset:%1:mount}").arg(dataset.isEmpty() ? QStringLiteral("fashion-mnist") : dataset),
            QStringLiteral("--batch-size"),
            QStringLiteral("50"),
            QStringLiteral("--first-layer-neurons"),
            QStringLiteral("300"),
            QStringLiteral("--second-layer-neurons"),
            QStringLiteral("100"),
            QStringLiteral("--learning-rate"),
            QStringLiteral("0.001"),
            QStringLiteral("--epochs"),
            QStringLiteral("20")};
}

void SubmitRunDialog::applyPreset(const QString &dataset)
{
    m_builtin->setChecked(true);
    m_arguments->setText(presetArguments(dataset).join(u' '));
    const int native = m_environment->findText(core::EnvironmentRegistry::nativeName());
    if (native >= 0)
        m_environment->setCurrentIndex(native);
    const int local = m_compute->findData(core::ComputeTargetRegistry::localName());
    if (local >= 0)
        m_compute->setCurrentIndex(local);
    entryChanged();
}

void SubmitRunDialog::entryChanged()
{
    const bool script = !m_builtin->isChecked();
    m_scriptPath->setEnabled(script);
    m_sourceFolder->setPlaceholderText(script ? tr("the folder holding the script (snapshotted at submission)")
                                              : tr("optional for the built-in trainer"));
}

core::RunRequest SubmitRunDialog::request() const
{
    core::RunRequest r;
    r.experiment = m_experiment->currentText().trimmed();
    r.displayName = m_displayName->text().trimmed();
    r.entry = m_builtin->isChecked() ? core::RunRequest::Entry::BuiltinTrainer : core::RunRequest::Entry::Script;
    r.sourceFolder = m_sourceFolder->text().trimmed();
    r.script = r.entry == core::RunRequest::Entry::Script ? m_scriptPath->text().trimmed() : QString();
    r.arguments = ArgumentLine::split(m_arguments->text());
    r.environment = m_environment->currentText();
    r.compute = m_compute->currentData().toString();
    r.priority = m_prioritySpin->value();
    if (!m_compute->currentData(kIsSlurmRole).toBool()) // Slurm jobs: the target's GPUs per node decide
        r.device = core::RunRequest::Device(m_device->currentData().toInt());
    return r;
}

void SubmitRunDialog::setRequest(const core::RunRequest &r)
{
    m_experiment->setEditText(r.experiment);
    m_displayName->setText(r.displayName);
    (r.entry == core::RunRequest::Entry::BuiltinTrainer ? m_builtin : m_script)->setChecked(true);
    m_sourceFolder->setText(r.sourceFolder);
    m_scriptPath->setText(r.script);
    m_arguments->setText(ArgumentLine::join(r.arguments)); // split() gives back exactly r.arguments
    if (const int i = m_environment->findText(r.environment); i >= 0)
        m_environment->setCurrentIndex(i);
    if (const int i = m_compute->findData(r.compute); i >= 0)
        m_compute->setCurrentIndex(i);
    m_prioritySpin->setValue(r.priority);
    m_device->setCurrentIndex(m_device->findData(int(r.device)));
    entryChanged();
}

core::RunRequest SubmitRunDialog::requestOf(const core::RunRecord &run)
{
    const QJsonObject c = run.configuration;
    core::RunRequest r;
    r.experiment = run.experiment;
    r.displayName = run.displayName;
    r.sourceFolder = c.value(u"source_folder").toString();
    const QJsonObject entry = c.value(u"entry").toObject();
    r.entry = entry.value(u"kind").toString() == u"builtin" ? core::RunRequest::Entry::BuiltinTrainer
                                                            : core::RunRequest::Entry::Script;
    if (r.entry == core::RunRequest::Entry::Script)
        r.script = entry.value(u"name").toString();
    for (const QJsonValue &a : c.value(u"arguments").toArray())
        r.arguments.append(a.toString());
    r.environment = c.value(u"environment").toObject().value(u"name").toString();
    r.compute = c.value(u"compute").toObject().value(u"name").toString(run.computeTarget);
    r.tags = run.tags;
    r.priority = run.priority;
    r.device = core::runDeviceFromName(c.value(u"resources").toObject().value(u"device").toString())
                   .value_or(core::RunRequest::Device::Any);
    return r;
}

QString SubmitRunDialog::problemsText() const
{
    return m_shownProblems.join(u'\n');
}

void SubmitRunDialog::showProblems(const QStringList &problems)
{
    m_shownProblems = problems;
    QHash<QString, QStringList> byField;
    QStringList general;
    for (const QString &p : problems) {
        const QString field = fieldOf(p);
        (field.isEmpty() ? general : byField[field]).append(p);
    }
    for (auto it = m_fieldProblems.cbegin(); it != m_fieldProblems.cend(); ++it) {
        const QStringList mine = byField.value(it.key());
        it.value()->setText(mine.join(u'\n'));
        it.value()->setVisible(!mine.isEmpty());
    }
    QStringList lines;
    for (const QString &p : std::as_const(general))
        lines.append(QStringLiteral("\u2022 ") + p);
    if (problems.size() > general.size())
        lines.append(
            tr("%n problem(s) shown next to the fields above.", nullptr, int(problems.size() - general.size())));
    m_problems->setText(lines.join(u'\n'));
    m_problems->setVisible(!problems.isEmpty());
}

void SubmitRunDialog::lineChanged()
{
    if (m_syncing)
        return;
    QString error;
    const QStringList arguments = ArgumentLine::split(m_arguments->text(), &error);
    m_argumentError = error.isEmpty() ? QString() : tr("Arguments: %1.").arg(error);
    showProblems(m_argumentError.isEmpty() ? QStringList() : QStringList{m_argumentError});
    const QList<ArgumentLine::Row> rows = ArgumentLine::toRows(arguments);
    m_syncing = true;
    m_argumentTable->setRowCount(int(rows.size()));
    for (int i = 0; i < rows.size(); ++i) {
        m_argumentTable->setItem(i, 0, new QTableWidgetItem(rows[i].first));
        m_argumentTable->setItem(i, 1, new QTableWidgetItem(rows[i].second));
    }
    m_syncing = false;
}

void SubmitRunDialog::rowsChanged()
{
    if (m_syncing)
        return;
    QList<ArgumentLine::Row> rows;
    for (int i = 0; i < m_argumentTable->rowCount(); ++i) {
        const QTableWidgetItem *key = m_argumentTable->item(i, 0);
        const QTableWidgetItem *value = m_argumentTable->item(i, 1);
        QString k = key ? key->text().trimmed() : QString();
        if (k == u"--" || k == u"-")
            k.clear(); // a new row not filled in yet
        rows.append({k, value ? value->text() : QString()});
    }
    m_syncing = true;
    m_arguments->setText(ArgumentLine::join(ArgumentLine::fromRows(rows)));
    m_syncing = false;
    m_argumentError.clear();
    showProblems({});
}

QStringList SubmitRunDialog::argumentProblems() const
{
    QStringList problems;
    if (!m_argumentError.isEmpty())
        problems.append(m_argumentError);
    for (int i = 0; i < m_argumentTable->rowCount(); ++i) {
        const QString key = m_argumentTable->item(i, 0) ? m_argumentTable->item(i, 0)->text().trimmed() : QString();
        if (!key.isEmpty() && key.contains(QRegularExpression(QStringLiteral("\\s"))))
            problems.append(
                tr("Argument \u201c%1\u201d has a space in its name: put the value in the Value column.").arg(key));
    }
    return problems;
}

void SubmitRunDialog::submit()
{
    const core::RunRequest r = request();
    // The line's own problems first (an open quote would silently change the arguments), then core's checks.
    QStringList problems = argumentProblems();
    if (problems.isEmpty())
        problems = m_service.validate(r);
    showProblems(problems);
    if (!problems.isEmpty() || m_ticket != 0)
        return;
    m_submit->setEnabled(false); // until the service's thread has answered
    m_ticket = m_service.submit(r);
}

} // namespace mldesk::ui
