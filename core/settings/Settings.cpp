// Settings: the one place that names QSettings keys, their types and defaults.
#include "core/settings/Settings.h"

#include <QDir>
#include <QFileInfo>
#include <QSettings>
#include <QUrl>

#include <memory>

using namespace Qt::StringLiterals;

namespace mldesk::core {

namespace {

// Every key MLDesk stores. Defaults are given where the key is read.
const QString kRecentWorkspaces = u"workspaces/recent"_s;     // QStringList, most recent first
const QString kMainWindowGeometry = u"mainWindow/geometry"_s; // QByteArray from QWidget::saveGeometry
const QString kMainWindowState = u"mainWindow/state"_s;       // QByteArray from QMainWindow::saveState
const QString kColumnWidths = u"columns/%1"_s;                // QStringList of widths in pixels, per table objectName
const QString kContainerEngine = u"containers/engine"_s;      // QString: auto, podman, docker or a path
const QString kRunColumns = u"runColumns/%1"_s; // QStringList "+KEY"/"-KEY", per experiment (percent-encoded; "*": all)
const QString kTheme = u"view/theme"_s;         // QString: system, light or dark

std::unique_ptr<QSettings> store()
{
    const QString dir = qEnvironmentVariable("MLDESK_SETTINGS_DIR");
    if (!dir.isEmpty())
        return std::make_unique<QSettings>(dir + u"/mldesk.ini"_s, QSettings::IniFormat);
    return std::make_unique<QSettings>(QSettings::IniFormat, QSettings::UserScope, u"MLDesk"_s, u"mldesk"_s);
}

QString normalized(const QString &path)
{
    return QDir::cleanPath(QFileInfo(path).absoluteFilePath());
}

void writeRecent(const QStringList &list)
{
    auto settings = store();
    settings->setValue(kRecentWorkspaces, list);
}

} // namespace

QString Settings::storageLocation()
{
    return store()->fileName();
}

QStringList Settings::recentWorkspaces()
{
    const QStringList stored = store()->value(kRecentWorkspaces).toStringList();
    QStringList result;
    for (const QString &entry : stored) {
        const QString path = normalized(entry);
        if (!entry.isEmpty() && QFileInfo(path).isDir() && !result.contains(path))
            result.append(path);
        if (result.size() == kMaxRecentWorkspaces)
            break;
    }
    return result;
}

void Settings::addRecentWorkspace(const QString &path)
{
    if (path.isEmpty())
        return;
    QStringList list = recentWorkspaces();
    const QString entry = normalized(path);
    list.removeAll(entry);
    list.prepend(entry);
    while (list.size() > kMaxRecentWorkspaces)
        list.removeLast();
    writeRecent(list);
}

void Settings::removeRecentWorkspace(const QString &path)
{
    QStringList list = recentWorkspaces();
    list.removeAll(normalized(path));
    writeRecent(list);
}

QByteArray Settings::mainWindowGeometry()
{
    return store()->value(kMainWindowGeometry).toByteArray();
}

void Settings::setMainWindowGeometry(const QByteArray &geometry)
{
    store()->setValue(kMainWindowGeometry, geometry);
}

QByteArray Settings::mainWindowState()
{
    return store()->value(kMainWindowState).toByteArray();
}

void Settings::setMainWindowState(const QByteArray &state)
{
    store()->setValue(kMainWindowState, state);
}

QList<int> Settings::columnWidths(const QString &table)
{
    QList<int> widths;
    for (const QString &w : store()->value(kColumnWidths.arg(table)).toStringList()) {
        bool ok = false;
        const int width = w.toInt(&ok);
        if (!ok || width < 0 || width > 10000)
            return {}; // edited by hand into something else: defaults
        widths.append(width);
    }
    return widths;
}

void Settings::setColumnWidths(const QString &table, const QList<int> &widths)
{
    QStringList list;
    for (int w : widths)
        list.append(QString::number(w));
    store()->setValue(kColumnWidths.arg(table), list);
}

QMap<QString, bool> Settings::runColumns(const QString &experiment)
{
    QMap<QString, bool> shown;
    const QString key = experiment.isEmpty() ? u"*"_s : QString::fromLatin1(QUrl::toPercentEncoding(experiment));
    for (const QString &entry : store()->value(kRunColumns.arg(key)).toStringList()) {
        if (entry.size() > 1 && (entry.startsWith(u'+') || entry.startsWith(u'-')))
            shown.insert(entry.mid(1), entry.startsWith(u'+'));
    }
    return shown;
}

void Settings::setRunColumns(const QString &experiment, const QMap<QString, bool> &shown)
{
    QStringList list;
    for (auto it = shown.cbegin(); it != shown.cend(); ++it)
        list.append((it.value() ? u"+"_s : u"-"_s) + it.key());
    const QString key = experiment.isEmpty() ? u"*"_s : QString::fromLatin1(QUrl::toPercentEncoding(experiment));
    store()->setValue(kRunColumns.arg(key), list);
}

QString Settings::theme()
{
    const QString theme = store()->value(kTheme, u"system"_s).toString();
    return theme == u"light"_s || theme == u"dark"_s ? theme : u"system"_s;
}

void Settings::setTheme(const QString &theme)
{
    store()->setValue(kTheme, theme);
}

QString Settings::containerEngine()
{
    return store()->value(kContainerEngine, u"auto"_s).toString();
}

void Settings::setContainerEngine(const QString &engine)
{
    store()->setValue(kContainerEngine, engine);
}

} // namespace mldesk::core
