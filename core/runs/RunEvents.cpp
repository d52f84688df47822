// RunEvents: the workspace's run beacon; see the header.
#include "core/runs/RunEvents.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>

using namespace Qt::StringLiterals;

namespace mldesk::core {

namespace {

void touch(const QString &path)
{
    QFile f(path);
    // In place (no rename): a rename would give the file a new inode, which the watchers do not follow.
    if (!f.open(QIODevice::ReadWrite))
        return;
    f.write(QByteArray::number(QDateTime::currentMSecsSinceEpoch()).rightJustified(16, '0') + '\n');
}

} // namespace

QString RunEvents::beaconPath(const QString &workspacePath)
{
    return workspacePath + u"/runs/.events"_s;
}

void RunEvents::announce(const QString &workspacePath)
{
    if (!workspacePath.isEmpty())
        touch(beaconPath(workspacePath));
}

RunEvents::RunEvents(const QString &workspacePath, QObject *parent) : QObject(parent), m_path(beaconPath(workspacePath))
{
    if (!QFileInfo::exists(m_path)) {
        QDir().mkpath(QFileInfo(m_path).absolutePath());
        touch(m_path);
    }
    m_watcher.addPath(m_path);
    connect(&m_watcher, &QFileSystemWatcher::fileChanged, this, &RunEvents::onChanged);
}

RunEvents::~RunEvents() = default;

void RunEvents::onChanged()
{
    if (!m_watcher.files().contains(m_path)) { // removed (a workspace clean-up): make it again and go on watching
        touch(m_path);
        m_watcher.addPath(m_path);
    }
    emit changed();
}

} // namespace mldesk::core
