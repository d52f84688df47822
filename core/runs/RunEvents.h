// RunEvents: how MLDesk processes sharing a workspace hear at once that a run was submitted or has ended - a beacon
// file, runs/.events, rewritten in place after the change is committed and watched with QFileSystemWatcher
// (inotify). What changed is always read from the store; the beacon only says "look now" (the engines' and the
// sweep controllers' polls stay as the safety net, e.g. on filesystems without change notification).
#pragma once

#include <QFileSystemWatcher>
#include <QObject>
#include <QString>

namespace mldesk::core {

class RunEvents final : public QObject {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RunEvents)

public:
    // Watches the beacon of the workspace at workspacePath (creating it when missing).
    explicit RunEvents(const QString &workspacePath, QObject *parent = nullptr);
    ~RunEvents() override;

    // Tells every watcher of the workspace (this process's too) to look at the store. Best effort, never throws.
    static void announce(const QString &workspacePath);
    static QString beaconPath(const QString &workspacePath);

signals:
    void changed();

private:
    void onChanged();

    QString m_path;
    QFileSystemWatcher m_watcher;
};

} // namespace mldesk::core
