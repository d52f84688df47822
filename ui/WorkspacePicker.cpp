// WorkspacePicker: recent workspaces, open a folder, create a new one; core's WorkspaceError shown in place.
#include "ui/WorkspacePicker.h"

#include "core/settings/Settings.h"
#include "core/workspace/Workspace.h"
#include "core/workspace/WorkspaceError.h"
#include "ui/Resources.h"

#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QVBoxLayout>

namespace mldesk::ui {

namespace {
constexpr int kPathRole = Qt::UserRole;
}

QString normalizeFolder(const QString &typed)
{
    QString path = typed.trimmed();
    if (path.isEmpty())
        return {};
    if (path == QStringLiteral("~"))
        path = QDir::homePath();
    else if (path.startsWith(QStringLiteral("~/")))
        path = QDir::homePath() + path.mid(1);
    return QDir::cleanPath(QFileInfo(path).absoluteFilePath());
}

WorkspacePicker::WorkspacePicker(QWidget *parent) : QDialog(parent)
{
    setObjectName(QStringLiteral("workspacePicker"));
    setWindowTitle(tr("Choose a Workspace"));
    setWindowIcon(ui::icon(QStringLiteral("mldesk")));
    m_chooser = [](QWidget *owner, const QString &caption, const QString &start) {
        return QFileDialog::getExistingDirectory(owner, caption, start);
    };

    // Header: icon, title and what a workspace is.
    auto *headerIcon = new QLabel(this);
    headerIcon->setPixmap(ui::icon(QStringLiteral("mldesk")).pixmap(48, 48));
    auto *headerTitle = new QLabel(tr("Choose a workspace"), this);
    QFont titleFont = headerTitle->font();
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.4);
    titleFont.setWeight(QFont::DemiBold);
    headerTitle->setFont(titleFont);
    auto *headerText = new QLabel(
        tr("A workspace is a folder that holds your datasets, environments, compute targets, runs and models."), this);
    headerText->setWordWrap(true);
    headerText->setForegroundRole(QPalette::PlaceholderText);
    auto *headerTexts = new QVBoxLayout;
    headerTexts->setSpacing(2);
    headerTexts->addWidget(headerTitle);
    headerTexts->addWidget(headerText);
    auto *header = new QHBoxLayout;
    header->setSpacing(12);
    header->addWidget(headerIcon, 0, Qt::AlignTop);
    header->addLayout(headerTexts, 1);

    // Recent workspaces.
    auto *recentBox = new QGroupBox(tr("Recent workspaces"), this);
    m_recent = new QListWidget(recentBox);
    m_recent->setObjectName(QStringLiteral("recentList"));
    m_recent->setIconSize(QSize(24, 24));
    m_recent->setMinimumHeight(110);
    m_recent->setAlternatingRowColors(true);
    m_openRecent = new QPushButton(tr("Open Selected"), recentBox);
    m_openRecent->setObjectName(QStringLiteral("openRecentButton"));
    m_removeRecent = new QPushButton(tr("Remove from List"), recentBox);
    m_removeRecent->setObjectName(QStringLiteral("removeRecentButton"));
    auto *recentButtons = new QHBoxLayout;
    recentButtons->addStretch(1);
    recentButtons->addWidget(m_removeRecent);
    recentButtons->addWidget(m_openRecent);
    auto *recentLayout = new QVBoxLayout(recentBox);
    recentLayout->addWidget(m_recent);
    recentLayout->addLayout(recentButtons);

    // Open an existing folder.
    auto *openBox = new QGroupBox(tr("Open a workspace folder"), this);
    m_openPath = new QLineEdit(openBox);
    m_openPath->setObjectName(QStringLiteral("openPathEdit"));
    m_openPath->setPlaceholderText(tr("Folder holding config.json"));
    m_openPath->setClearButtonEnabled(true);
    auto *openBrowse = new QPushButton(tr("Browse\u2026"), openBox);
    openBrowse->setObjectName(QStringLiteral("openBrowseButton"));
    m_openButton = new QPushButton(tr("Open"), openBox);
    m_openButton->setObjectName(QStringLiteral("openButton"));
    auto *openLayout = new QHBoxLayout(openBox);
    openLayout->addWidget(m_openPath, 1);
    openLayout->addWidget(openBrowse);
    openLayout->addWidget(m_openButton);

    // Create a new one.
    auto *createBox = new QGroupBox(tr("Create a new workspace"), this);
    m_createPath = new QLineEdit(createBox);
    m_createPath->setObjectName(QStringLiteral("createPathEdit"));
    m_createPath->setPlaceholderText(tr("New or empty folder"));
    m_createPath->setClearButtonEnabled(true);
    auto *createBrowse = new QPushButton(tr("Browse\u2026"), createBox);
    createBrowse->setObjectName(QStringLiteral("createBrowseButton"));
    auto *pathRow = new QHBoxLayout;
    pathRow->addWidget(m_createPath, 1);
    pathRow->addWidget(createBrowse);
    m_createName = new QLineEdit(createBox);
    m_createName->setObjectName(QStringLiteral("createNameEdit"));
    m_createName->setPlaceholderText(tr("e.g. fashion-mnist"));
    m_createName->setClearButtonEnabled(true);
    m_createHint = new QLabel(createBox);
    m_createHint->setObjectName(QStringLiteral("createHint"));
    m_createHint->setWordWrap(true);
    m_createHint->setForegroundRole(QPalette::PlaceholderText);
    m_createButton = new QPushButton(tr("Create"), createBox);
    m_createButton->setObjectName(QStringLiteral("createButton"));
    auto *nameRow = new QHBoxLayout;
    nameRow->addWidget(m_createName, 1);
    nameRow->addWidget(m_createButton);
    auto *createLayout = new QFormLayout(createBox);
    createLayout->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    createLayout->addRow(tr("Folder:"), pathRow);
    createLayout->addRow(tr("Name:"), nameRow);
    createLayout->addRow(QString(), m_createHint);

    // Errors from core, in words the user can act on.
    m_error = new QLabel(this);
    m_error->setObjectName(QStringLiteral("errorLabel"));
    m_error->setWordWrap(true);
    m_error->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_error->setStyleSheet(QStringLiteral("QLabel { color: #b3261e; background: rgba(179, 38, 30, 0.08);"
                                          " border: 1px solid rgba(179, 38, 30, 0.35); border-radius: 4px;"
                                          " padding: 6px 8px; }"));
    m_error->hide();

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, this);
    buttons->setObjectName(QStringLiteral("pickerButtons"));

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(18, 18, 18, 14);
    layout->setSpacing(12);
    layout->addLayout(header);
    layout->addWidget(recentBox, 1);
    layout->addWidget(openBox);
    layout->addWidget(createBox);
    layout->addWidget(m_error);
    layout->addWidget(buttons);
    resize(640, 680);

    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_recent, &QListWidget::itemActivated, this, &WorkspacePicker::openRecent);
    connect(m_recent, &QListWidget::itemSelectionChanged, this, &WorkspacePicker::updateButtons);
    connect(m_openRecent, &QPushButton::clicked, this, [this] { openRecent(m_recent->currentItem()); });
    connect(m_removeRecent, &QPushButton::clicked, this, &WorkspacePicker::removeRecent);
    connect(openBrowse, &QPushButton::clicked, this, [this] { browseInto(m_openPath, tr("Open Workspace Folder")); });
    connect(m_openPath, &QLineEdit::textChanged, this, &WorkspacePicker::updateButtons);
    connect(m_openPath, &QLineEdit::returnPressed, this, &WorkspacePicker::openTyped);
    connect(m_openButton, &QPushButton::clicked, this, &WorkspacePicker::openTyped);
    connect(createBrowse, &QPushButton::clicked, this,
            [this] { browseInto(m_createPath, tr("Folder for the New Workspace")); });
    connect(m_createPath, &QLineEdit::textChanged, this, &WorkspacePicker::updateButtons);
    connect(m_createName, &QLineEdit::textChanged, this, &WorkspacePicker::updateButtons);
    connect(m_createName, &QLineEdit::returnPressed, this, &WorkspacePicker::createNew);
    connect(m_createButton, &QPushButton::clicked, this, &WorkspacePicker::createNew);

    reloadRecent();
}

WorkspacePicker::~WorkspacePicker() = default;

void WorkspacePicker::setFolderChooser(FolderChooser chooser)
{
    m_chooser = std::move(chooser);
}

void WorkspacePicker::reloadRecent()
{
    m_recent->clear();
    const QIcon folderIcon = ui::icon(QStringLiteral("workspace"));
    const QStringList recent = core::Settings::recentWorkspaces();
    for (const QString &path : recent) {
        const QString shown = QDir::toNativeSeparators(path);
        auto *item = new QListWidgetItem(folderIcon, QFileInfo(path).fileName() + u'\n' + shown, m_recent);
        item->setData(kPathRole, path);
        item->setToolTip(shown);
    }
    if (recent.isEmpty()) {
        auto *item = new QListWidgetItem(tr("No recent workspaces"), m_recent);
        item->setFlags(Qt::NoItemFlags);
    } else {
        m_recent->setCurrentRow(0);
    }
    updateButtons();
}

void WorkspacePicker::showError(const QString &message)
{
    m_error->setText(message);
    m_error->setVisible(!message.isEmpty());
}

QString WorkspacePicker::errorText() const
{
    return m_error->isVisible() ? m_error->text() : QString();
}

void WorkspacePicker::setSuggestedFolder(const QString &folder)
{
    m_openPath->setText(QDir::toNativeSeparators(folder));
    m_createPath->setText(QDir::toNativeSeparators(folder));
}

std::unique_ptr<core::Workspace> WorkspacePicker::takeWorkspace()
{
    return std::move(m_workspace);
}

void WorkspacePicker::openTyped()
{
    const QString folder = normalizeFolder(m_openPath->text());
    if (folder.isEmpty()) {
        showError(tr("Enter the folder of the workspace to open, or choose one with Browse\u2026."));
        return;
    }
    adopt([folder] { return core::Workspace::open(folder); });
}

void WorkspacePicker::openRecent(QListWidgetItem *item)
{
    if (!item || !(item->flags() & Qt::ItemIsEnabled))
        return;
    const QString folder = item->data(kPathRole).toString();
    adopt([folder] { return core::Workspace::open(folder); });
}

void WorkspacePicker::removeRecent()
{
    const QListWidgetItem *item = m_recent->currentItem();
    if (!item || !(item->flags() & Qt::ItemIsEnabled))
        return;
    core::Settings::removeRecentWorkspace(item->data(kPathRole).toString());
    reloadRecent();
}

void WorkspacePicker::createNew()
{
    const QString problem = createProblem();
    if (!problem.isEmpty()) {
        showError(problem);
        return;
    }
    const QString folder = normalizeFolder(m_createPath->text());
    const QString name = m_createName->text().trimmed();
    adopt([folder, name] { return core::Workspace::create(folder, name); });
}

void WorkspacePicker::browseInto(QLineEdit *edit, const QString &caption)
{
    const QString start = edit->text().isEmpty() ? QDir::homePath() : normalizeFolder(edit->text());
    const QString chosen = m_chooser ? m_chooser(this, caption, start) : QString();
    if (!chosen.isEmpty())
        edit->setText(QDir::toNativeSeparators(chosen));
}

void WorkspacePicker::updateButtons()
{
    const QListWidgetItem *item = m_recent->currentItem();
    const bool recentChosen = item && (item->flags() & Qt::ItemIsEnabled);
    m_openRecent->setEnabled(recentChosen);
    m_removeRecent->setEnabled(recentChosen);
    m_openButton->setEnabled(!m_openPath->text().trimmed().isEmpty());

    const QString problem = createProblem();
    m_createButton->setEnabled(problem.isEmpty());
    // Say nothing while both fields are untouched; once the user types, say what is still missing.
    const bool untouched = m_createPath->text().isEmpty() && m_createName->text().isEmpty();
    m_createHint->setText(untouched ? tr("The folder is created if it does not exist.") : problem);
    m_createHint->setVisible(!m_createHint->text().isEmpty());
}

void WorkspacePicker::clearError()
{
    showError(QString());
}

QString WorkspacePicker::createProblem() const
{
    const QString folder = normalizeFolder(m_createPath->text());
    if (folder.isEmpty())
        return tr("Enter the folder for the new workspace.");
    const QFileInfo info(folder);
    if (info.exists() && !info.isDir())
        return tr("\u201c%1\u201d is a file; choose a folder.").arg(QDir::toNativeSeparators(folder));
    if (QFileInfo::exists(QDir(folder).filePath(core::Workspace::configFileName())))
        return tr("\u201c%1\u201d already holds a workspace; open it above instead.")
            .arg(QDir::toNativeSeparators(folder));
    if (m_createName->text().trimmed().isEmpty())
        return tr("Enter a name for the new workspace.");
    return {};
}

bool WorkspacePicker::adopt(const std::function<std::unique_ptr<core::Workspace>()> &make)
{
    clearError();
    try {
        m_workspace = make();
    } catch (const core::WorkspaceError &error) {
        showError(error.message());
        return false;
    } catch (const std::exception &error) {
        showError(tr("Unexpected error: %1").arg(QString::fromLocal8Bit(error.what())));
        return false;
    }
    accept();
    return true;
}

} // namespace mldesk::ui
