// MainWindow: hosts the panes, the menus and the workspace picker; remembers its geometry through core::Settings.
#include "ui/MainWindow.h"

#include "core/settings/Settings.h"
#include "core/workspace/Workspace.h"
#include "ui/Resources.h"
#include "ui/Theme.h"
#include "ui/dialogs/DeleteActions.h"
#include "ui/panes/ComputePane.h"
#include "ui/panes/DatasetsPane.h"
#include "ui/panes/EndpointsPane.h"
#include "ui/panes/EnvironmentsPane.h"
#include "ui/panes/ModelsPane.h"
#include "ui/panes/RunsPane.h"
#include "ui/widgets/ActivityList.h"
#include "ui/widgets/CudaProbe.h"
#include "ui/widgets/ShortcutsDialog.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QCloseEvent>
#include <QDir>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QListWidget>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QPushButton>
#include <QStackedWidget>
#include <QStatusBar>
#include <QTableView>
#include <QVBoxLayout>

#include <tuple>

namespace mldesk::ui {

MainWindow::MainWindow(QWidget *parent) : QMainWindow(parent)
{
    initResources();
    setObjectName(QStringLiteral("mainWindow"));
    setWindowIcon(ui::icon(QStringLiteral("mldesk")));

    m_panes = {new DatasetsPane, new EnvironmentsPane, new ComputePane,
               new RunsPane,     new ModelsPane,       new EndpointsPane};

    m_navigation = new QListWidget;
    m_navigation->setObjectName(QStringLiteral("navigation"));
    m_navigation->setIconSize(QSize(22, 22));
    m_navigation->setSpacing(2);
    m_navigation->setFrameShape(QFrame::NoFrame);
    m_navigation->setFixedWidth(190);
    m_navigation->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    // The navigation reads as a sidebar: the window colour, a little darker than the page.
    m_navigation->setBackgroundRole(QPalette::Window);
    m_navigation->viewport()->setBackgroundRole(QPalette::Window);
    // A soft selection keeps the coloured icon readable (the full highlight colour would swallow the blue one).
    m_navigation->setStyleSheet(QStringLiteral(
        "QListWidget { padding: 6px 4px; }"
        "QListWidget::item { padding: 6px 8px; border-radius: 5px; color: palette(window-text); }"
        "QListWidget::item:hover { background: rgba(127, 127, 127, 0.12); }"
        "QListWidget::item:selected { background: rgba(47, 111, 209, 0.20); color: palette(window-text); }"));
    m_paneStack = new QStackedWidget;
    m_paneStack->setObjectName(QStringLiteral("paneStack"));
    // Pages sit on the base colour, the sidebar on the window colour: the two read as separate areas.
    m_paneStack->setBackgroundRole(QPalette::Base);
    m_paneStack->setAutoFillBackground(true);
    for (Pane *pane : std::as_const(m_panes)) {
        auto *item = new QListWidgetItem(pane->icon(), pane->title(), m_navigation);
        item->setSizeHint(QSize(0, 38));
        m_paneStack->addWidget(pane);
    }
    auto *divider = new QFrame;
    divider->setFrameShape(QFrame::VLine);
    divider->setFrameShadow(QFrame::Sunken);

    m_shell = new QWidget;
    m_shell->setObjectName(QStringLiteral("shell"));
    auto *shellLayout = new QHBoxLayout(m_shell);
    shellLayout->setContentsMargins(0, 0, 0, 0);
    shellLayout->setSpacing(0);
    shellLayout->addWidget(m_navigation);
    shellLayout->addWidget(divider);
    shellLayout->addWidget(m_paneStack, 1);

    m_central = new QStackedWidget(this);
    m_central->addWidget(createNoWorkspacePage());
    m_central->addWidget(m_shell);
    setCentralWidget(m_central);

    m_workspaceLabel = new QLabel;
    m_workspaceLabel->setObjectName(QStringLiteral("workspaceLabel"));
    m_workspaceLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_workspaceLabel->setContentsMargins(6, 0, 6, 0);
    statusBar()->addPermanentWidget(m_workspaceLabel, 1);
    m_activities = new ActivityList;
    statusBar()->addPermanentWidget(m_activities);
    for (Pane *pane : std::as_const(m_panes))
        pane->setActivityList(m_activities);

    auto *models = static_cast<ModelsPane *>(m_panes[Models]);
    connect(runsPane(), &RunsPane::modelRegistered, models, [models](const core::ModelVersion &version) {
        models->reload();
        models->selectModel(version.name, version.version);
    });
    connect(models, &ModelsPane::deployRequested, this, [this](const QString &name, int version) {
        showPane(Endpoints);
        static_cast<EndpointsPane *>(m_panes[Endpoints])->deploy(name, version);
    });
    connect(models, &ModelsPane::openRunRequested, this, [this](const QString &uid) {
        showPane(Runs);
        runsPane()->openDetails(uid);
    });
    connect(models, &ModelsPane::openDatasetRequested, this, [this](const QString &name, int version) {
        showPane(Datasets);
        static_cast<DatasetsPane *>(m_panes[Datasets])->selectDataset(name, version);
    });

    m_deletes = new DeleteActions(this, [this] { return m_workspace.get(); });
    connect(m_deletes, &DeleteActions::deleted, this, [this](const QStringList &what) {
        refresh();
        statusBar()->showMessage(tr("Deleted %1").arg(what.join(QStringLiteral(", "))), 8000);
    });
    createMenus();
    connect(m_navigation, &QListWidget::currentRowChanged, this, &MainWindow::showPane);
    showPane(Datasets);
    updateWorkspaceLabels();

    resize(1180, 760);
    restoreGeometry(core::Settings::mainWindowGeometry());
    restoreState(core::Settings::mainWindowState());
    restoreColumns();
}

QList<QTableView *> MainWindow::mainTables() const
{
    QList<QTableView *> tables;
    for (Pane *pane : std::as_const(m_panes)) {
        for (QTableView *table : pane->findChildren<QTableView *>()) {
            if (!table->objectName().isEmpty())
                tables.append(table);
        }
    }
    return tables;
}

void MainWindow::restoreColumns()
{
    for (QTableView *table : mainTables()) {
        const QList<int> widths = core::Settings::columnWidths(table->objectName());
        QHeaderView *header = table->horizontalHeader();
        // The last section stretches: its saved width is only what was left over.
        for (int i = 0; i < std::min(int(widths.size()), header->count() - 1); ++i) {
            if (widths[i] > 0)
                header->resizeSection(i, widths[i]);
        }
    }
}

void MainWindow::saveColumns() const
{
    for (QTableView *table : mainTables()) {
        QList<int> widths;
        const QHeaderView *header = table->horizontalHeader();
        for (int i = 0; i < header->count(); ++i)
            widths.append(header->sectionSize(i));
        core::Settings::setColumnWidths(table->objectName(), widths);
    }
}

MainWindow::~MainWindow()
{
    // Panes hold a raw pointer to the workspace: detach them before it goes.
    for (Pane *pane : std::as_const(m_panes))
        pane->setWorkspace(nullptr);
}

void MainWindow::addThemeMenu(QMenu *view)
{
    // View > Theme: chords (Ctrl+K then a letter) as editors have them; the choice is remembered.
    QMenu *themes = view->addMenu(tr("&Theme"));
    auto *group = new QActionGroup(themes);
    const QList<std::tuple<QString, QString, Qt::Key>> entries{{QStringLiteral("system"), tr("&System"), Qt::Key_S},
                                                               {QStringLiteral("light"), tr("&Light"), Qt::Key_L},
                                                               {QStringLiteral("dark"), tr("&Dark"), Qt::Key_D}};
    for (const auto &[name, title, key] : entries) {
        QAction *action = themes->addAction(title);
        action->setObjectName(name + QStringLiteral("ThemeAction"));
        action->setCheckable(true);
        action->setChecked(Theme::current() == name);
        action->setShortcut(QKeySequence(QKeyCombination(Qt::CTRL, Qt::Key_K), QKeyCombination(key)));
        group->addAction(action);
        connect(action, &QAction::triggered, this, [name] {
            Theme::apply(name);
            core::Settings::setTheme(name);
        });
    }
}

void MainWindow::createMenus()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    QAction *switchAction = file->addAction(ui::icon(QStringLiteral("workspace")), tr("&Switch Workspace\u2026"));
    switchAction->setObjectName(QStringLiteral("switchWorkspaceAction"));
    switchAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_O));
    connect(switchAction, &QAction::triggered, this, [this] { showWorkspacePicker(); });
    QAction *cleanUp = file->addAction(tr("Clean &Up Workspace\u2026"));
    cleanUp->setObjectName(QStringLiteral("cleanUpAction"));
    cleanUp->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_Delete));
    connect(cleanUp, &QAction::triggered, m_deletes, &DeleteActions::cleanUp);
    file->addSeparator();
    QAction *quit = file->addAction(tr("&Quit"));
    quit->setObjectName(QStringLiteral("quitAction"));
    quit->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Q)); // not QKeySequence::Quit: empty on some platforms
    quit->setMenuRole(QAction::QuitRole);
    connect(quit, &QAction::triggered, this, &QWidget::close);

    QMenu *edit = menuBar()->addMenu(tr("&Edit"));
    QAction *find = edit->addAction(tr("&Find\u2026"));
    find->setObjectName(QStringLiteral("findAction"));
    find->setShortcut(QKeySequence::Find);
    connect(find, &QAction::triggered, this, [this] { m_panes.value(currentPane())->focusFind(); });
    QAction *closeTab = edit->addAction(tr("&Close Tab"));
    closeTab->setObjectName(QStringLiteral("closeTabAction"));
    closeTab->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_W));
    connect(closeTab, &QAction::triggered, this, [this] { runsPane()->closeCurrentTab(); });
    QAction *deleteAction = edit->addAction(tr("&Delete Selected\u2026"));
    deleteAction->setObjectName(QStringLiteral("deleteAction"));
    deleteAction->setShortcut(QKeySequence(Qt::Key_Delete)); // a focused text field keeps Del for itself
    connect(deleteAction, &QAction::triggered, this, &MainWindow::deleteSelected);

    QMenu *view = menuBar()->addMenu(tr("&View"));
    m_paneActions = new QActionGroup(this);
    m_paneActions->setExclusive(true);
    for (int i = 0; i < m_panes.size(); ++i) {
        QAction *action = view->addAction(m_panes[i]->icon(), m_panes[i]->title());
        action->setObjectName(m_panes[i]->objectName() + QStringLiteral("Action"));
        action->setCheckable(true);
        action->setShortcut(QKeySequence(Qt::CTRL | Qt::Key(Qt::Key_1 + i)));
        m_paneActions->addAction(action);
        connect(action, &QAction::triggered, this, [this, i] { showPane(i); });
    }
    view->addSeparator();
    QAction *refreshAction = view->addAction(tr("&Refresh"));
    refreshAction->setObjectName(QStringLiteral("refreshAction"));
    refreshAction->setShortcut(QKeySequence(Qt::Key_F5)); // not QKeySequence::Refresh: it holds Ctrl+R on X11
    connect(refreshAction, &QAction::triggered, this, &MainWindow::refresh);
    addThemeMenu(view);

    QMenu *run = menuBar()->addMenu(tr("&Run"));
    QAction *submit = run->addAction(ui::icon(QStringLiteral("runs")), tr("&Submit Run\u2026"));
    submit->setObjectName(QStringLiteral("submitRunAction"));
    submit->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_R));
    connect(submit, &QAction::triggered, this, [this] {
        showPane(Runs);
        runsPane()->openSubmitDialog();
    });
    QAction *compare = run->addAction(tr("&Compare Selected Runs"));
    compare->setObjectName(QStringLiteral("compareRunsAction"));
    compare->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_C));
    connect(compare, &QAction::triggered, this, [this] {
        showPane(Runs);
        runsPane()->compareSelected();
    });
    QAction *clone = run->addAction(tr("C&lone Selected Run\u2026"));
    clone->setObjectName(QStringLiteral("cloneRunAction"));
    clone->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_R)); // Submit Run's key, again
    connect(clone, &QAction::triggered, this, [this] {
        showPane(Runs);
        runsPane()->cloneSelected();
    });
    run->addSeparator();
    QAction *registerDataset = run->addAction(ui::icon(QStringLiteral("datasets")), tr("Register &Dataset\u2026"));
    registerDataset->setObjectName(QStringLiteral("registerDatasetAction"));
    registerDataset->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_D));
    connect(registerDataset, &QAction::triggered, this, [this] {
        showPane(Datasets);
        static_cast<DatasetsPane *>(m_panes[Datasets])->openRegisterDialog();
    });

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    QAction *keys = help->addAction(tr("&Keyboard Shortcuts"));
    keys->setObjectName(QStringLiteral("shortcutsAction"));
    keys->setShortcut(QKeySequence(Qt::Key_F1));
    connect(keys, &QAction::triggered, this, &MainWindow::showShortcuts);
    QAction *about = help->addAction(ui::icon(QStringLiteral("mldesk")), tr("&About MLDesk"));
    about->setObjectName(QStringLiteral("aboutAction"));
    about->setMenuRole(QAction::AboutRole);
    about->setShortcut(QKeySequence(Qt::SHIFT | Qt::Key_F1));
    connect(about, &QAction::triggered, this, &MainWindow::showAbout);
}

QWidget *MainWindow::createNoWorkspacePage()
{
    auto *page = new QWidget;
    page->setObjectName(QStringLiteral("noWorkspacePage"));
    auto *icon = new QLabel(page);
    icon->setPixmap(ui::icon(QStringLiteral("mldesk")).pixmap(96, 96));
    icon->setAlignment(Qt::AlignCenter);
    auto *headline = new QLabel(tr("No workspace open"), page);
    QFont font = headline->font();
    font.setPointSizeF(font.pointSizeF() * 1.5);
    headline->setFont(font);
    headline->setAlignment(Qt::AlignCenter);
    auto *hint =
        new QLabel(tr("Open a workspace folder or create a new one to register datasets and run experiments."), page);
    hint->setAlignment(Qt::AlignCenter);
    hint->setWordWrap(true);
    hint->setForegroundRole(QPalette::PlaceholderText);
    auto *button = new QPushButton(ui::icon(QStringLiteral("workspace")), tr("Choose Workspace\u2026"), page);
    button->setObjectName(QStringLiteral("chooseWorkspaceButton"));
    connect(button, &QPushButton::clicked, this, [this] { showWorkspacePicker(); });

    auto *layout = new QVBoxLayout(page);
    layout->setSpacing(12);
    layout->addStretch(2);
    layout->addWidget(icon);
    layout->addWidget(headline);
    layout->addWidget(hint);
    layout->addWidget(button, 0, Qt::AlignHCenter);
    layout->addStretch(3);
    return page;
}

void MainWindow::setWorkspace(std::unique_ptr<core::Workspace> workspace)
{
    // Hand the panes the new workspace before the old one is destroyed.
    for (Pane *pane : std::as_const(m_panes))
        pane->setWorkspace(workspace.get());
    m_workspace = std::move(workspace);
    if (m_workspace)
        core::Settings::addRecentWorkspace(m_workspace->path());
    updateWorkspaceLabels();
}

void MainWindow::updateWorkspaceLabels()
{
    if (!m_workspace) {
        setWindowTitle(tr("MLDesk"));
        m_workspaceLabel->setText(tr("No workspace open"));
        m_workspaceLabel->setToolTip(QString());
        m_central->setCurrentIndex(0);
        return;
    }
    const QString path = QDir::toNativeSeparators(m_workspace->path());
    setWindowTitle(tr("%1 (%2) \u2014 MLDesk").arg(m_workspace->name(), path));
    m_workspaceLabel->setText(
        tr("Workspace <b>%1</b> &nbsp;\u00b7&nbsp; %2").arg(m_workspace->name().toHtmlEscaped(), path.toHtmlEscaped()));
    m_workspaceLabel->setToolTip(path);
    m_central->setCurrentIndex(1);
}

void MainWindow::showWorkspacePicker(const QString &error, const QString &suggestedFolder)
{
    if (!m_picker) {
        m_picker = new WorkspacePicker(this);
        if (m_chooser)
            m_picker->setFolderChooser(m_chooser);
        connect(m_picker, &QDialog::accepted, this, [this] {
            if (std::unique_ptr<core::Workspace> chosen = m_picker->takeWorkspace())
                setWorkspace(std::move(chosen));
        });
    }
    m_picker->reloadRecent();
    m_picker->showError(error);
    if (!suggestedFolder.isEmpty())
        m_picker->setSuggestedFolder(suggestedFolder);
    m_picker->open();
}

void MainWindow::setFolderChooser(WorkspacePicker::FolderChooser chooser)
{
    m_chooser = std::move(chooser);
    if (m_picker)
        m_picker->setFolderChooser(m_chooser);
}

void MainWindow::showPane(int index)
{
    if (index < 0 || index >= m_panes.size())
        return;
    m_paneStack->setCurrentIndex(index);
    if (m_navigation->currentRow() != index)
        m_navigation->setCurrentRow(index);
    m_paneActions->actions().at(index)->setChecked(true);
}

RunsPane *MainWindow::runsPane() const
{
    return static_cast<RunsPane *>(m_panes[Runs]);
}

int MainWindow::currentPane() const
{
    return m_paneStack->currentIndex();
}

void MainWindow::refresh()
{
    for (Pane *pane : std::as_const(m_panes))
        pane->setWorkspace(m_workspace.get());
}

void MainWindow::showAbout()
{
    auto *box = new QMessageBox(this);
    box->setObjectName(QStringLiteral("aboutBox"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setWindowTitle(tr("About MLDesk"));
    box->setIconPixmap(ui::icon(QStringLiteral("mldesk")).pixmap(64, 64));
    box->setText(tr("<h3>MLDesk %1</h3>").arg(QStringLiteral(MLDESK_VERSION)));
    const QString text = tr("Manage, run and watch machine-learning experiments on your own machines."
                            "<br><br>Built with Qt %1, running on Qt %2.")
                             .arg(QStringLiteral(QT_VERSION_STR), QString::fromLatin1(qVersion()));
    // The CUDA line comes from the trainer, asked in the background: the box shows at once and fills it in.
    auto *probe = new CudaProbe(box);
    auto setCuda = [box, text](const QString &cuda) {
        box->setInformativeText(text + QStringLiteral("<br>") + cuda.toHtmlEscaped());
    };
    setCuda(probe->text());
    connect(probe, &CudaProbe::finished, box, setCuda);
    box->setStandardButtons(QMessageBox::Close);
    box->open();
    probe->start();
}

void MainWindow::deleteSelected()
{
    using Kind = DeleteActions::Kind;
    const int pane = currentPane();
    if (pane == Runs) {
        m_deletes->confirmAndDelete(Kind::Run, runsPane()->selectedUids());
        return;
    }
    const QString selected = m_panes.value(pane) ? m_panes[pane]->selectedForDeletion() : QString();
    if (selected.isEmpty())
        return;
    if (pane == Datasets)
        m_deletes->confirmAndDelete(Kind::DatasetVersion, {selected});
    else if (pane == Environments)
        m_deletes->confirmAndDelete(Kind::EnvironmentVersion, {selected});
    else if (pane == Models)
        m_deletes->confirmAndDelete(Kind::ModelVersion, {selected});
}

void MainWindow::showShortcuts()
{
    auto *dialog = new ShortcutsDialog(menuBar(), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->open();
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    core::Settings::setMainWindowGeometry(saveGeometry());
    core::Settings::setMainWindowState(saveState());
    saveColumns();
    QMainWindow::closeEvent(event);
}

} // namespace mldesk::ui
