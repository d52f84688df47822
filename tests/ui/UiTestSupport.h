// UiTestSupport: what every ui test does first - settings and standard paths isolated from the user's - and a
// helper that finds a child widget by objectName or fails the test.
#pragma once

#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QWidget>

namespace mldesk::test {

// Call from initTestCase(), before anything touches core::Settings.
inline void isolateSettings(const QTemporaryDir &settingsDir)
{
    QStandardPaths::setTestModeEnabled(true);
    qputenv("MLDESK_SETTINGS_DIR", settingsDir.path().toLocal8Bit());
}

// The descendant of parent named objectName; nullptr (and a test failure message) when there is none.
template <typename T> T *child(const QObject *parent, const QString &objectName)
{
    T *found = parent->findChild<T *>(objectName);
    if (!found)
        qWarning("no %s named '%s'", T::staticMetaObject.className(), qPrintable(objectName));
    return found;
}

} // namespace mldesk::test
