// TestSettings: recent workspaces (order, de-duplication, limit, missing folders) and window state round trips.
// Settings go to $MLDESK_SETTINGS_DIR (a QTemporaryDir), never to the user's real configuration.
#include "CoreTestSupport.h"

#include "core/settings/Settings.h"

#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace mldesk::core;

class TestSettings final : public QObject {
    Q_OBJECT

    QTemporaryDir m_settingsDir;
    QTemporaryDir m_folders;

    QString folder(const QString &name)
    {
        const QString path = m_folders.filePath(name);
        QDir().mkpath(path);
        return path;
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_settingsDir.isValid());
        qputenv("MLDESK_SETTINGS_DIR", m_settingsDir.path().toUtf8());
        QVERIFY(Settings::storageLocation().startsWith(m_settingsDir.path()));
    }

    void init() { QFile::remove(Settings::storageLocation()); }

    void recentIsMostRecentFirstAndDeduplicated()
    {
        QCOMPARE(Settings::recentWorkspaces(), QStringList());
        Settings::addRecentWorkspace(folder(u"a"_s));
        Settings::addRecentWorkspace(folder(u"b"_s));
        Settings::addRecentWorkspace(folder(u"c"_s));
        QCOMPARE(Settings::recentWorkspaces(), (QStringList{folder(u"c"_s), folder(u"b"_s), folder(u"a"_s)}));
        Settings::addRecentWorkspace(folder(u"a"_s) + u"/"_s); // same folder, other spelling
        Settings::addRecentWorkspace(folder(u"b"_s) + u"/../a"_s);
        QCOMPARE(Settings::recentWorkspaces(), (QStringList{folder(u"a"_s), folder(u"c"_s), folder(u"b"_s)}));
        QVERIFY(QFileInfo::exists(Settings::storageLocation())); // persisted in the override location
    }

    void recentIsLimited()
    {
        for (int i = 0; i < Settings::kMaxRecentWorkspaces + 3; ++i)
            Settings::addRecentWorkspace(folder(u"w%1"_s.arg(i)));
        const QStringList recent = Settings::recentWorkspaces();
        QCOMPARE(recent.size(), Settings::kMaxRecentWorkspaces);
        QCOMPARE(recent.first(), folder(u"w%1"_s.arg(Settings::kMaxRecentWorkspaces + 2)));
        QVERIFY(!recent.contains(folder(u"w0"_s)));
    }

    void missingFoldersAreDropped()
    {
        Settings::addRecentWorkspace(folder(u"keep"_s));
        Settings::addRecentWorkspace(folder(u"gone"_s));
        QVERIFY(QDir(folder(u"gone"_s)).removeRecursively());
        QCOMPARE(Settings::recentWorkspaces(), QStringList{folder(u"keep"_s)});
    }

    void removeRecent()
    {
        Settings::addRecentWorkspace(folder(u"x"_s));
        Settings::addRecentWorkspace(folder(u"y"_s));
        Settings::removeRecentWorkspace(folder(u"x"_s) + u"/."_s);
        QCOMPARE(Settings::recentWorkspaces(), QStringList{folder(u"y"_s)});
        Settings::removeRecentWorkspace(folder(u"not-there"_s)); // harmless
        QCOMPARE(Settings::recentWorkspaces(), QStringList{folder(u"y"_s)});
    }

    void windowStateRoundTrip()
    {
        QCOMPARE(Settings::mainWindowGeometry(), QByteArray());
        QCOMPARE(Settings::mainWindowState(), QByteArray());
        const QByteArray geometry("\x01\x02\x00geometry", 11);
        const QByteArray state("\xff\x00state", 7);
        Settings::setMainWindowGeometry(geometry);
        Settings::setMainWindowState(state);
        QCOMPARE(Settings::mainWindowGeometry(), geometry);
        QCOMPARE(Settings::mainWindowState(), state);
    }
};

QTEST_GUILESS_MAIN(TestSettings)
#include "TestSettings.moc"
