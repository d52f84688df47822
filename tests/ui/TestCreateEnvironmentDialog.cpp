// TestCreateEnvironmentDialog (issue 15): the dialog offers a docker image and a Dockerfile (typed or loaded through
// the file-chooser seam) and the network choice; a container environment needs no conda file; a Dockerfile with no
// FROM and no image is refused with the registry's message, nothing created.
#include "UiTestSupport.h"

#include "core/environments/EnvironmentRegistry.h"
#include "core/workspace/Workspace.h"
#include "ui/dialogs/CreateEnvironmentDialog.h"

#include <QCheckBox>
#include <QFile>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using mldesk::core::EnvironmentRegistry;
using mldesk::core::Workspace;
using mldesk::test::child;
using mldesk::ui::CreateEnvironmentDialog;

class TestCreateEnvironmentDialog final : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_settings;
    QTemporaryDir m_root;
    std::unique_ptr<Workspace> m_workspace;

private slots:
    void initTestCase()
    {
        mldesk::test::isolateSettings(m_settings);
        m_workspace = Workspace::create(m_root.filePath(QStringLiteral("ws")), QStringLiteral("test"));
    }

    void imageOnlyNeedsNoCondaFile()
    {
        CreateEnvironmentDialog dialog(*m_workspace);
        dialog.show();
        QSignalSpy created(&dialog, &CreateEnvironmentDialog::created);
        QTest::keyClicks(child<QLineEdit>(&dialog, QStringLiteral("environmentNameEdit")),
                         QStringLiteral("py-container"));
        QTest::keyClicks(child<QLineEdit>(&dialog, QStringLiteral("dockerImageEdit")),
                         QStringLiteral("localhost/python-test:1"));
        QTest::mouseClick(child<QPushButton>(&dialog, QStringLiteral("createButton")), Qt::LeftButton);
        QTRY_COMPARE(created.count(), 1);
        const auto v = EnvironmentRegistry(m_workspace->database()).version(QStringLiteral("py-container"));
        QVERIFY(v.isContainer());
        QCOMPARE(v.dockerImage, QStringLiteral("localhost/python-test:1"));
        QVERIFY(!v.containerNetwork);
    }

    void dockerfileLoadedWithNetwork()
    {
        const QString path = m_root.filePath(QStringLiteral("Dockerfile"));
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("FROM localhost/python-test:1\nRUN mkdir /data\n");
        f.close();
        CreateEnvironmentDialog dialog(*m_workspace);
        dialog.setDockerfileChooser([&](QWidget *) { return path; });
        dialog.show();
        QSignalSpy created(&dialog, &CreateEnvironmentDialog::created);
        QTest::keyClicks(child<QLineEdit>(&dialog, QStringLiteral("environmentNameEdit")), QStringLiteral("py-built"));
        QTest::mouseClick(child<QPushButton>(&dialog, QStringLiteral("loadDockerfileButton")), Qt::LeftButton);
        QCOMPARE(child<QPlainTextEdit>(&dialog, QStringLiteral("dockerfileEdit"))->toPlainText(),
                 QStringLiteral("FROM localhost/python-test:1\nRUN mkdir /data\n"));
        child<QCheckBox>(&dialog, QStringLiteral("containerNetworkCheck"))->setChecked(true);
        QTest::mouseClick(child<QPushButton>(&dialog, QStringLiteral("createButton")), Qt::LeftButton);
        QTRY_COMPARE(created.count(), 1);
        const auto v = EnvironmentRegistry(m_workspace->database()).version(QStringLiteral("py-built"));
        QCOMPARE(v.dockerfile, QStringLiteral("FROM localhost/python-test:1\nRUN mkdir /data\n"));
        QVERIFY(v.containerNetwork);
        QVERIFY(v.dockerImage.isEmpty());
    }

    void dockerfileWithoutBaseIsRefused()
    {
        CreateEnvironmentDialog dialog(*m_workspace);
        dialog.show();
        QTest::keyClicks(child<QLineEdit>(&dialog, QStringLiteral("environmentNameEdit")), QStringLiteral("no-base"));
        child<QPlainTextEdit>(&dialog, QStringLiteral("dockerfileEdit"))->setPlainText(QStringLiteral("RUN true\n"));
        QTest::mouseClick(child<QPushButton>(&dialog, QStringLiteral("createButton")), Qt::LeftButton);
        QVERIFY2(dialog.errorText().contains(QStringLiteral("no FROM line")), qPrintable(dialog.errorText()));
        QVERIFY(dialog.isVisible());
        bool exists = true;
        try {
            EnvironmentRegistry(m_workspace->database()).version(QStringLiteral("no-base"));
        } catch (const std::exception &) {
            exists = false;
        }
        QVERIFY(!exists);
        // Nothing at all: the message says what to give.
        child<QPlainTextEdit>(&dialog, QStringLiteral("dockerfileEdit"))->clear();
        QTest::mouseClick(child<QPushButton>(&dialog, QStringLiteral("createButton")), Qt::LeftButton);
        QVERIFY2(dialog.errorText().contains(QStringLiteral("docker image or a Dockerfile")),
                 qPrintable(dialog.errorText()));
    }
};

QTEST_MAIN(TestCreateEnvironmentDialog)
#include "TestCreateEnvironmentDialog.moc"
