// RegisterDatasetDialog: the form, drag and drop, validation, and the background job's progress and errors.
#include "ui/dialogs/RegisterDatasetDialog.h"

#include "core/datasets/DatasetRegistry.h"
#include "ui/models/TableModel.h"
#include "ui/widgets/ActivityList.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMimeData>
#include <QPlainTextEdit>
#include <QPointer>
#include <QProgressBar>
#include <QPushButton>
#include <QTableWidget>
#include <QUrl>
#include <QVBoxLayout>

namespace mldesk::ui {

RegisterDatasetDialog::RegisterDatasetDialog(const QString &workspacePath, ActivityList *activities, QWidget *parent)
    : QDialog(parent), m_workspacePath(workspacePath), m_activities(activities)
{
    setObjectName(QStringLiteral("registerDatasetDialog"));
    setWindowTitle(tr("Register Dataset"));
    setAcceptDrops(true);
    resize(640, 560);

    m_name = new QLineEdit;
    m_name->setObjectName(QStringLiteral("datasetNameEdit"));
    m_name->setPlaceholderText(tr("e.g. fashion-mnist"));
    m_description = new QPlainTextEdit;
    m_description->setObjectName(QStringLiteral("datasetDescriptionEdit"));
    m_description->setFixedHeight(54);
    m_tags = new QLineEdit;
    m_tags->setObjectName(QStringLiteral("datasetTagsEdit"));
    m_tags->setPlaceholderText(tr("key=value, key2=value2"));

    m_sources = new QListWidget;
    m_sources->setObjectName(QStringLiteral("sourcesList"));
    m_sources->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_sources->setToolTip(tr("Drop files or folders here"));
    m_url = new QLineEdit;
    m_url->setObjectName(QStringLiteral("urlEdit"));
    m_url->setPlaceholderText(tr("https://example.org/data/train-images-idx3-ubyte.gz"));
    auto *addUrl = new QPushButton(tr("Add URL"));
    addUrl->setObjectName(QStringLiteral("addUrlButton"));
    auto *addFiles = new QPushButton(tr("Add Files\u2026"));
    addFiles->setObjectName(QStringLiteral("addFilesButton"));
    auto *addFolder = new QPushButton(tr("Add Folder\u2026"));
    addFolder->setObjectName(QStringLiteral("addFolderButton"));
    auto *remove = new QPushButton(tr("Remove"));
    remove->setObjectName(QStringLiteral("removeSourceButton"));
    auto *urlRow = new QHBoxLayout;
    urlRow->addWidget(m_url, 1);
    urlRow->addWidget(addUrl);
    auto *sourceButtons = new QHBoxLayout;
    sourceButtons->addWidget(addFiles);
    sourceButtons->addWidget(addFolder);
    sourceButtons->addWidget(remove);
    sourceButtons->addStretch(1);
    auto *dropHint = new QLabel(tr("Files and folders can be dropped onto this dialog."));
    dropHint->setForegroundRole(QPalette::PlaceholderText);
    sourceButtons->addWidget(dropHint);

    m_newVersion = new QCheckBox(tr("Create a new version when the name exists"));
    m_newVersion->setObjectName(QStringLiteral("newVersionCheck"));
    m_newVersion->setChecked(true);

    m_error = new QLabel;
    m_error->setObjectName(QStringLiteral("errorLabel"));
    m_error->setWordWrap(true);
    m_error->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_error->setStyleSheet(QStringLiteral("color: #c0392b;"));
    m_error->hide();

    m_progress = new QTableWidget(0, 2);
    m_progress->setObjectName(QStringLiteral("progressTable"));
    m_progress->setHorizontalHeaderLabels({tr("File"), tr("Progress")});
    m_progress->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
    m_progress->horizontalHeader()->resizeSection(1, 220);
    m_progress->verticalHeader()->hide();
    m_progress->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_progress->hide();

    auto *form = new QFormLayout;
    form->addRow(tr("&Name:"), m_name);
    form->addRow(tr("&Description:"), m_description);
    form->addRow(tr("&Tags:"), m_tags);
    auto *sourcesBox = new QVBoxLayout;
    sourcesBox->addWidget(m_sources, 1);
    sourcesBox->addLayout(urlRow);
    sourcesBox->addLayout(sourceButtons);
    form->addRow(tr("&Sources:"), sourcesBox);
    // A row holding a layout gets a label without a buddy, which would show the '&' (issue 17).
    qobject_cast<QLabel *>(form->labelForField(sourcesBox))->setBuddy(m_sources);
    form->addRow(QString(), m_newVersion);

    auto *buttons = new QDialogButtonBox;
    m_register = buttons->addButton(tr("Register"), QDialogButtonBox::AcceptRole);
    m_register->setObjectName(QStringLiteral("registerButton"));
    m_register->setDefault(true);
    m_cancel = buttons->addButton(QDialogButtonBox::Cancel);
    m_cancel->setObjectName(QStringLiteral("cancelButton"));

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form, 1);
    layout->addWidget(m_error);
    layout->addWidget(m_progress, 1);
    layout->addWidget(buttons);
    m_editors = {m_name, m_description, m_tags, m_sources, m_url, addUrl, addFiles, addFolder, remove, m_newVersion};

    m_chooser = [](QWidget *parentWidget, bool folders) {
        if (folders) {
            const QString folder = QFileDialog::getExistingDirectory(parentWidget, tr("Add Folder"));
            return folder.isEmpty() ? QStringList() : QStringList{folder};
        }
        return QFileDialog::getOpenFileNames(parentWidget, tr("Add Files"));
    };
    connect(addUrl, &QPushButton::clicked, this, [this] {
        const QString url = m_url->text().trimmed();
        if (url.isEmpty())
            return;
        addSources({url});
        m_url->clear();
    });
    connect(m_url, &QLineEdit::returnPressed, addUrl, &QPushButton::click);
    connect(addFiles, &QPushButton::clicked, this, [this] { addSources(m_chooser(this, false)); });
    connect(addFolder, &QPushButton::clicked, this, [this] { addSources(m_chooser(this, true)); });
    connect(remove, &QPushButton::clicked, this, [this] { qDeleteAll(m_sources->selectedItems()); });
    connect(m_register, &QPushButton::clicked, this, &RegisterDatasetDialog::startRegistration);
    connect(m_cancel, &QPushButton::clicked, this, &RegisterDatasetDialog::reject);
}

RegisterDatasetDialog::~RegisterDatasetDialog()
{
    if (m_activity && m_activities)
        m_activities->finish(m_activity);
}

void RegisterDatasetDialog::setHttp(std::shared_ptr<core::HttpClient> http, const core::HttpOptions &options)
{
    m_http = std::move(http);
    m_httpOptions = options;
    m_haveHttpOptions = true;
}

void RegisterDatasetDialog::addSources(const QStringList &sources)
{
    const QStringList existing = this->sources();
    for (const QString &source : sources) {
        if (!source.isEmpty() && !existing.contains(source))
            m_sources->addItem(source);
    }
}

QStringList RegisterDatasetDialog::sources() const
{
    QStringList list;
    for (int i = 0; i < m_sources->count(); ++i)
        list.append(m_sources->item(i)->text());
    return list;
}

QString RegisterDatasetDialog::errorText() const
{
    return m_error->isVisible() || !m_error->isHidden() ? m_error->text() : QString();
}

void RegisterDatasetDialog::dragEnterEvent(QDragEnterEvent *event)
{
    if (event->mimeData()->hasUrls() && !isRegistering())
        event->acceptProposedAction();
}

void RegisterDatasetDialog::dropEvent(QDropEvent *event)
{
    QStringList dropped;
    for (const QUrl &url : event->mimeData()->urls())
        dropped.append(url.isLocalFile() ? url.toLocalFile() : url.toString());
    addSources(dropped);
    event->acceptProposedAction();
}

QMap<QString, QString> RegisterDatasetDialog::parseTags(const QString &text, QString *error)
{
    QMap<QString, QString> tags;
    for (const QString &entry : text.split(u',', Qt::SkipEmptyParts)) {
        const QString trimmed = entry.trimmed();
        if (trimmed.isEmpty())
            continue;
        const qsizetype eq = trimmed.indexOf(u'=');
        const QString key = (eq < 0 ? trimmed : trimmed.left(eq)).trimmed();
        if (key.isEmpty()) {
            *error = tr("Tag \u201c%1\u201d has no name; write tags as key=value, separated by commas.").arg(trimmed);
            return {};
        }
        tags.insert(key, eq < 0 ? QString() : trimmed.mid(eq + 1).trimmed());
    }
    return tags;
}

QString RegisterDatasetDialog::validate() const
{
    const QString name = m_name->text().trimmed();
    if (name.isEmpty())
        return tr("Enter a name for the dataset.");
    if (!core::DatasetRegistry::isValidName(name))
        return tr("\u201c%1\u201d is not a valid dataset name: use letters, digits, '_', '-' and '.', starting "
                  "with a letter or digit.")
            .arg(name);
    QString tagError;
    parseTags(m_tags->text(), &tagError);
    if (!tagError.isEmpty())
        return tagError;
    const QStringList list = sources();
    if (list.isEmpty())
        return tr("Add at least one URL, file or folder to register.");
    for (const QString &source : list) {
        if (source.contains(u"://")) {
            const QUrl url(source, QUrl::StrictMode);
            const QString scheme = url.scheme().toLower();
            if (!url.isValid() || (scheme != u"http" && scheme != u"https" && scheme != u"file") ||
                (scheme != u"file" && url.host().isEmpty()))
                return tr("\u201c%1\u201d is not a URL MLDesk can download: use http://, https:// or file:// with "
                          "a host and a path.")
                    .arg(source);
        } else if (!QFileInfo::exists(source)) {
            return tr("\u201c%1\u201d does not exist. Check the path or remove it from the list.").arg(source);
        }
    }
    return {};
}

void RegisterDatasetDialog::showError(const QString &message)
{
    m_error->setText(message);
    m_error->setVisible(!message.isEmpty());
}

void RegisterDatasetDialog::setEditable(bool editable)
{
    for (QWidget *w : std::as_const(m_editors))
        w->setEnabled(editable);
    m_register->setEnabled(editable);
}

void RegisterDatasetDialog::startRegistration()
{
    if (m_job)
        return;
    const QString problem = validate();
    showError(problem);
    if (!problem.isEmpty())
        return;
    core::DatasetRegistrationParams params;
    params.workspacePath = m_workspacePath;
    params.name = m_name->text().trimmed();
    params.description = m_description->toPlainText().trimmed();
    QString ignored;
    params.tags = parseTags(m_tags->text(), &ignored);
    params.sources = sources();
    params.createNewVersion = m_newVersion->isChecked();
    if (m_haveHttpOptions)
        params.http = m_httpOptions;

    m_progress->setRowCount(0);
    m_progressRow.clear();
    m_progress->show();
    setEditable(false);
    m_job = new core::DatasetRegistrationJob(params, m_http, this);
    connect(m_job, &core::DatasetRegistrationJob::progress, this, &RegisterDatasetDialog::onProgress);
    connect(m_job, &core::DatasetRegistrationJob::succeeded, this,
            [this](const core::DatasetRegistrationResult &result) {
                finishJob();
                emit registered(result.version.name, result.version.version, result.unchanged);
                accept();
            });
    connect(m_job, &core::DatasetRegistrationJob::failed, this, [this](const QString &message) {
        finishJob();
        showError(message);
    });
    if (m_activities) {
        QPointer<core::DatasetRegistrationJob> job = m_job;
        m_activity = m_activities->start(tr("Registering dataset %1").arg(params.name), [job] {
            if (job)
                job->cancel();
        });
    }
    m_job->start();
}

void RegisterDatasetDialog::onProgress(const core::DatasetRegistrationProgress &p)
{
    int row = m_progressRow.value(p.file, -1);
    if (row < 0) {
        row = m_progress->rowCount();
        m_progress->insertRow(row);
        m_progress->setItem(row, 0, new QTableWidgetItem(p.file));
        auto *bar = new QProgressBar;
        bar->setObjectName(QStringLiteral("fileProgress_%1").arg(row));
        m_progress->setCellWidget(row, 1, bar);
        m_progressRow.insert(p.file, row);
    }
    auto *bar = static_cast<QProgressBar *>(m_progress->cellWidget(row, 1));
    const char *phase = p.phase == core::DatasetRegistrationProgress::Phase::Downloading ? "Downloading"
                        : p.phase == core::DatasetRegistrationProgress::Phase::Hashing   ? "Hashing"
                                                                                         : "Storing";
    if (p.total > 0) {
        bar->setRange(0, 1000);
        bar->setValue(int(1000.0 * double(p.bytes) / double(p.total)));
    } else {
        bar->setRange(0, 0); // size unknown: busy
    }
    bar->setFormat(tr("%1 %2").arg(tr(phase), TableModel::formatBytes(p.bytes)) + QStringLiteral(" (%p%)"));
    if (m_activities && m_activity)
        m_activities->update(m_activity, tr("file %1 of %2").arg(p.fileIndex).arg(p.fileCount));
}

void RegisterDatasetDialog::finishJob()
{
    if (m_activities && m_activity)
        m_activities->finish(m_activity);
    m_activity = 0;
    if (m_job)
        m_job->deleteLater();
    m_job = nullptr;
    setEditable(true);
}

void RegisterDatasetDialog::reject()
{
    // During a registration Cancel stops it (the job removes what it stored); the dialog stays to show the result.
    if (m_job) {
        m_job->cancel();
        m_cancel->setEnabled(false);
        connect(m_job, &QObject::destroyed, this, [this] { m_cancel->setEnabled(true); });
        return;
    }
    QDialog::reject();
}

} // namespace mldesk::ui
