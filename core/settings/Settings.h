// Settings: every QSettings key of MLDesk is declared once, in Settings.cpp (CONVENTIONS 10); ui/ never
// builds a QSettings. When the environment variable MLDESK_SETTINGS_DIR is set, settings live in
// $MLDESK_SETTINGS_DIR/mldesk.ini instead of the user's config (tests set it to a QTemporaryDir).
#pragma once

#include <QByteArray>
#include <QList>
#include <QMap>
#include <QString>
#include <QStringList>

namespace mldesk::core {

class Settings final {
public:
    static constexpr int kMaxRecentWorkspaces = 10;

    // Most recent first, at most kMaxRecentWorkspaces, no duplicates; folders that no longer exist are dropped.
    static QStringList recentWorkspaces();
    static void addRecentWorkspace(const QString &path);
    static void removeRecentWorkspace(const QString &path);

    static QByteArray mainWindowGeometry();
    static void setMainWindowGeometry(const QByteArray &geometry);
    static QByteArray mainWindowState();
    static void setMainWindowState(const QByteArray &state);

    // Column widths of a main table (its objectName), left to right; empty when never saved.
    static QList<int> columnWidths(const QString &table);
    static void setColumnWidths(const QString &table, const QList<int> &widths);

    // The Runs table's column choices per experiment (empty: all experiments): column key -> shown. Keys absent
    // keep their default.
    static QMap<QString, bool> runColumns(const QString &experiment);
    static void setRunColumns(const QString &experiment, const QMap<QString, bool> &shown);

    // View > Theme: "system" (the platform's palette), "light" or "dark".
    static QString theme();
    static void setTheme(const QString &theme);

    // The container engine for container environments: "auto" (podman, else docker), "podman", "docker" or a path.
    static QString containerEngine();
    static void setContainerEngine(const QString &engine);

    // Where settings are stored (a file path), for diagnostics and tests.
    static QString storageLocation();
};

} // namespace mldesk::core
