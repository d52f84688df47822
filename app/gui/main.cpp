// mldesk: the desktop application. Opens --workspace PATH, else the most recent workspace, else the default one
// (created on first start); when none opens, the workspace picker shows why.
#include "core/settings/Settings.h"
#include "core/workspace/Workspace.h"
#include "core/workspace/WorkspaceError.h"
#include "ui/MainWindow.h"
#include "ui/Resources.h"
#include "ui/Theme.h"
#include "ui/panes/RunsPane.h"
#include "ui/runs/RunDetails.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QFileInfo>
#include <QTabWidget>
#include <QTimer>

#include <cstdio>
#include <cstring>
#include <memory>

namespace {

using mldesk::core::Workspace;
using mldesk::core::WorkspaceError;

void setApplicationNames()
{
    // No organisation name: QStandardPaths then gives ~/.local/share/MLDesk (not MLDesk/MLDesk).
    QCoreApplication::setApplicationName(QStringLiteral("MLDesk"));
    QCoreApplication::setApplicationVersion(QStringLiteral(MLDESK_VERSION));
    QCoreApplication::setOrganizationDomain(QStringLiteral("mldesk.invalid"));
}

struct Options {
    QCommandLineOption workspace{QStringList{QStringLiteral("w"), QStringLiteral("workspace")},
                                 QStringLiteral("Open the workspace in folder PATH."), QStringLiteral("PATH")};
    QCommandLineOption pane{
        QStringLiteral("pane"),
        QStringLiteral("Start on pane NAME: datasets, environments, compute, runs, models or endpoints."),
        QStringLiteral("NAME")};
    QCommandLineOption run{QStringLiteral("run"),
                           QStringLiteral("Open the details of run ID (on the Runs pane) once the workspace is open."),
                           QStringLiteral("ID")};
    QCommandLineOption runTab{
        QStringLiteral("run-tab"),
        QStringLiteral("With --run: show tab NAME: overview, metrics, logs, outputs, snapshot or images."),
        QStringLiteral("NAME")};
    QCommandLineOption runsView{
        QStringLiteral("runs-view"),
        QStringLiteral("On the Runs pane show VIEW: table, or charts (the runs overlaid per metric)."),
        QStringLiteral("VIEW")};
    QCommandLineOption theme{QStringLiteral("theme"),
                             QStringLiteral("Use theme NAME for this start: system, light or dark (View > Theme "
                                            "changes it for good)."),
                             QStringLiteral("NAME")};
    QCommandLineOption picker{QStringLiteral("picker"), QStringLiteral("Open the workspace picker after start.")};
    QCommandLineOption screenshot{
        QStringLiteral("screenshot"),
        QStringLiteral("Save the window as a PNG to FILE once it is shown, then quit (and the picker, when open, to "
                       "FILE with -picker before .png)."),
        QStringLiteral("FILE")};
};

void configure(QCommandLineParser &parser, const Options &options)
{
    parser.setApplicationDescription(
        QStringLiteral("MLDesk: manage, run and watch machine-learning experiments on your own machines."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addOption(options.workspace);
    parser.addOption(options.pane);
    parser.addOption(options.run);
    parser.addOption(options.runTab);
    parser.addOption(options.runsView);
    parser.addOption(options.theme);
    parser.addOption(options.picker);
    parser.addOption(options.screenshot);
}

// --help and --version must work without a display: answer them before a QApplication exists.
bool wantsInformationOnly(int argc, char **argv)
{
    for (int i = 1; i < argc; ++i) {
        for (const char *flag : {"-h", "--help", "--help-all", "-v", "--version"}) {
            if (std::strcmp(argv[i], flag) == 0)
                return true;
        }
    }
    return false;
}

// Tries to open folder; on failure fills error.
std::unique_ptr<Workspace> tryOpen(const QString &folder, QString *error)
{
    try {
        return Workspace::open(folder);
    } catch (const WorkspaceError &e) {
        *error = e.message();
    }
    return nullptr;
}

void saveScreenshots(mldesk::ui::MainWindow &window, const QString &file)
{
    int failures = 0;
    if (!window.grab().save(file)) {
        std::fprintf(stderr, "mldesk: could not write the screenshot %s\n", qPrintable(file));
        ++failures;
    }
    if (mldesk::ui::WorkspacePicker *picker = window.workspacePicker(); picker && picker->isVisible()) {
        const QFileInfo info(file);
        const QString pickerFile = info.path() + u'/' + info.completeBaseName() + QStringLiteral("-picker.png");
        if (!picker->grab().save(pickerFile)) {
            std::fprintf(stderr, "mldesk: could not write the screenshot %s\n", qPrintable(pickerFile));
            ++failures;
        }
    }
    QCoreApplication::exit(failures == 0 ? 0 : 1);
}

} // namespace

int main(int argc, char **argv)
{
    Options options;
    if (wantsInformationOnly(argc, argv)) {
        QCoreApplication app(argc, argv);
        setApplicationNames();
        QCommandLineParser parser;
        configure(parser, options);
        parser.process(app); // prints help or version and exits
        return 0;
    }

    QApplication app(argc, argv);
    setApplicationNames();
    QGuiApplication::setDesktopFileName(QStringLiteral("mldesk"));
    mldesk::ui::initResources();
    QApplication::setWindowIcon(mldesk::ui::icon(QStringLiteral("mldesk")));

    QCommandLineParser parser;
    configure(parser, options);
    parser.process(app);
    if (!parser.positionalArguments().isEmpty()) {
        std::fprintf(stderr, "mldesk: unexpected argument '%s'; use --workspace PATH to open a workspace\n",
                     qPrintable(parser.positionalArguments().constFirst()));
        return 1;
    }
    const QStringList paneNames{QStringLiteral("datasets"), QStringLiteral("environments"),
                                QStringLiteral("compute"),  QStringLiteral("runs"),
                                QStringLiteral("models"),   QStringLiteral("endpoints")};
    const int pane = parser.isSet(options.pane) ? paneNames.indexOf(parser.value(options.pane).toLower()) : 0;
    if (pane < 0) {
        std::fprintf(stderr, "mldesk: unknown pane '%s'; choose one of %s\n", qPrintable(parser.value(options.pane)),
                     qPrintable(paneNames.join(QStringLiteral(", "))));
        return 1;
    }

    const QString theme =
        parser.isSet(options.theme) ? parser.value(options.theme).toLower() : mldesk::core::Settings::theme();
    if (!mldesk::ui::Theme::names().contains(theme)) {
        std::fprintf(stderr, "mldesk: unknown theme '%s'; choose one of %s\n", qPrintable(parser.value(options.theme)),
                     qPrintable(mldesk::ui::Theme::names().join(QStringLiteral(", "))));
        return 1;
    }
    mldesk::ui::Theme::apply(theme);

    mldesk::ui::MainWindow window;
    window.showPane(pane);

    // Which workspace: the one asked for, else the most recent one that still opens, else the default one.
    QString error;
    QString suggested;
    std::unique_ptr<Workspace> workspace;
    if (parser.isSet(options.workspace)) {
        suggested = parser.value(options.workspace);
        workspace = tryOpen(suggested, &error);
    } else {
        const QStringList recent = mldesk::core::Settings::recentWorkspaces();
        if (!recent.isEmpty())
            workspace = tryOpen(recent.constFirst(), &error);
        if (!workspace) {
            try {
                workspace = Workspace::openOrCreateDefault();
                error.clear();
            } catch (const WorkspaceError &e) {
                error = e.message();
            }
        }
    }
    window.show();
    if (workspace)
        window.setWorkspace(std::move(workspace));
    if (!window.workspace())
        window.showWorkspacePicker(error, suggested);
    else if (parser.isSet(options.picker))
        window.showWorkspacePicker();
    if (window.workspace() && parser.value(options.runsView).toLower() == u"charts") {
        window.showPane(mldesk::ui::MainWindow::Runs);
        window.runsPane()->showCharts(true);
    }
    if (window.workspace() && parser.isSet(options.run)) {
        window.showPane(mldesk::ui::MainWindow::Runs);
        // The runs are read off the GUI thread: the run opens once the table holds them.
        const QString uid = parser.value(options.run);
        const QString tab = parser.value(options.runTab).toLower();
        QObject::connect(
            window.runsPane(), &mldesk::ui::RunsPane::loaded, &window,
            [&window, uid, tab] {
                mldesk::ui::RunDetails *details = window.runsPane()->openDetails(uid);
                if (!details) {
                    std::fprintf(stderr, "mldesk: no run '%s' in this workspace\n", qPrintable(uid));
                    QCoreApplication::exit(1);
                    return;
                }
                const QStringList tabs{QStringLiteral("overview"), QStringLiteral("metrics"),
                                       QStringLiteral("logs"),     QStringLiteral("outputs"),
                                       QStringLiteral("snapshot"), QStringLiteral("images")};
                details->tabs()->setCurrentIndex(std::max(0, int(tabs.indexOf(tab))));
            },
            Qt::SingleShotConnection);
    }

    if (parser.isSet(options.screenshot)) {
        const QString file = parser.value(options.screenshot);
        // Give the window system a moment to map and lay out the windows before grabbing them.
        QTimer::singleShot(700, &window, [&window, file] { saveScreenshots(window, file); });
    }
    return app.exec();
}
