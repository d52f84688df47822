// TestEndpointsPane: the Endpoints pane offscreen with the real mldesk-serve and mldesk-supervisor - "Deploy..." from
// the Models pane, the endpoint Healthy in the table, the Test tab scoring images of a registered dataset with
// predicted and true labels and latencies, the endpoint serving on after the pane (the GUI) is gone and re-attached
// by a new one, stop and delete through the buttons (issue 18).
#include "UiTestSupport.h"

#include "../core/ServeTestSupport.h"
#include "core/endpoints/EndpointService.h"
#include "core/models/ModelRegistry.h"
#include "ui/models/TableModel.h"
#include "ui/panes/EndpointsPane.h"
#include "ui/panes/ModelsPane.h"

#include <QLabel>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableView>

using namespace Qt::StringLiterals;
using namespace mldesk;
using namespace mldesk::test;
using mldesk::ui::EndpointsPane;

class TestEndpointsPane final : public QObject {
    Q_OBJECT

    QTemporaryDir m_settings;
    QTemporaryDir m_dir;
    std::unique_ptr<core::Workspace> m_ws;

    // Reloads until the endpoint's row shows state (the table is filled from a background probe).
    static bool waitForState(EndpointsPane &pane, const QString &name, const QString &state)
    {
        for (int attempt = 0; attempt < 600; ++attempt) {
            QSignalSpy reloaded(&pane, &EndpointsPane::reloaded);
            pane.reload();
            if (!reloaded.wait(30000))
                return false;
            const int row = pane.endpointsModel()->rowOfKey(name);
            if (row >= 0 && pane.endpointsModel()->row(row).cells.at(1).text == state)
                return true;
        }
        return false;
    }

private slots:
    void initTestCase()
    {
        isolateSettings(m_settings);
        QVERIFY(m_dir.isValid());
        QString log;
        const QString model = trainTinyModel(m_dir.filePath(u"train"_s), &log);
        QVERIFY2(!model.isEmpty(), qPrintable(log));
        m_ws = core::Workspace::create(m_dir.filePath(u"ws"_s), u"gui"_s);
        core::ModelRegistration r;
        r.name = u"fmnist"_s;
        r.files = {model};
        core::ModelRegistry(m_ws->database(), m_ws->blobs()).registerFiles(r);
        registerFolder(*m_ws, u"fashion-test"_s, m_dir.filePath(u"train/data"_s)); // synthetic t10k files
    }

    void deployTestSurviveDelete()
    {
        auto pane = std::make_unique<EndpointsPane>();
        pane->setNameChooser(
            [](QWidget *, const QString &suggested) { return suggested == u"fmnist-1"_s ? u"gui-ep"_s : QString(); });
        pane->setConfirmer([](QWidget *, const QString &) { return true; });
        pane->setWorkspace(m_ws.get());
        pane->show();

        ui::ModelsPane models;
        models.setWorkspace(m_ws.get());
        models.selectModel(u"fmnist"_s, 1);
        auto *deploy = child<QPushButton>(&models, u"deployModelButton"_s);
        QVERIFY(deploy);
        QTRY_VERIFY(deploy->isEnabled());
        QObject::connect(&models, &ui::ModelsPane::deployRequested, pane.get(),
                         [&](const QString &name, int version) { pane->deploy(name, version); });
        QTest::mouseClick(deploy, Qt::LeftButton);
        QVERIFY(waitForState(*pane, u"gui-ep"_s, u"Healthy"_s));
        pane->selectEndpoint(u"gui-ep"_s);
        QCOMPARE(pane->currentEndpoint(), u"gui-ep"_s);
        const int row = pane->endpointsModel()->rowOfKey(u"gui-ep"_s);
        const QString uri = pane->endpointsModel()->row(row).cells.at(2).text;
        QVERIFY(uri.endsWith(u"/score"_s));

        // Test tab: ten images of the registered dataset, each with predicted and true label and a latency.
        QSignalSpy finished(pane.get(), &EndpointsPane::testFinished);
        QTest::mouseClick(child<QPushButton>(pane.get(), u"sendTestImagesButton"_s), Qt::LeftButton);
        QVERIFY(finished.wait(120000));
        QCOMPARE(pane->testResults()->count(), 10);
        for (int i = 0; i < 10; ++i) {
            const QListWidgetItem *item = pane->testResults()->item(i);
            QVERIFY2(item->data(Qt::UserRole).toInt() >= 0, qPrintable(item->text()));
            QVERIFY(item->data(Qt::UserRole + 1).toInt() >= 0);
            QVERIFY(item->data(Qt::UserRole + 2).toDouble() > 0);
            QVERIFY(!item->icon().isNull());
        }
        QVERIFY(child<QLabel>(pane.get(), u"testSummary"_s)->text().contains(u"median latency"_s));

        // Traffic chart: a reading, ten requests, another reading: a point with their rate and latencies.
        QSignalSpy sampled(pane.get(), &EndpointsPane::trafficSampled);
        pane->sampleTraffic();
        QVERIFY(sampled.wait(30000));
        const QByteArray primary = core::EndpointService(*m_ws).keys(u"gui-ep"_s).primary.toLatin1();
        for (int i = 0; i < 10; ++i)
            QCOMPARE(httpSend("POST", uri, scoreRequest(1), primary).status, 200);
        const int before = pane->trafficPoints();
        sampled.clear();
        pane->sampleTraffic();
        QVERIFY(sampled.wait(30000) || !sampled.isEmpty());
        QTRY_VERIFY(pane->trafficPoints() > before);
        QVERIFY(pane->lastTraffic().requestsPerSecond > 0);
        QVERIFY(pane->lastTraffic().p99Ms > 0);

        // The GUI goes away: the endpoint goes on serving, and a new pane shows it again.
        const QByteArray key = core::EndpointService(*m_ws).keys(u"gui-ep"_s).primary.toLatin1();
        pane.reset();
        QCOMPARE(httpSend("POST", uri, scoreRequest(1), key).status, 200);
        EndpointsPane again;
        again.setConfirmer([](QWidget *, const QString &) { return true; });
        again.setWorkspace(m_ws.get());
        again.show();
        QVERIFY(waitForState(again, u"gui-ep"_s, u"Healthy"_s));
        again.selectEndpoint(u"gui-ep"_s);
        QTRY_VERIFY(!child<QPlainTextEdit>(&again, u"endpointLog"_s)->toPlainText().isEmpty());

        QTest::mouseClick(child<QPushButton>(&again, u"stopEndpointButton"_s), Qt::LeftButton);
        QVERIFY(waitForState(again, u"gui-ep"_s, u"Stopped"_s));
        again.selectEndpoint(u"gui-ep"_s);
        QTest::mouseClick(child<QPushButton>(&again, u"deleteEndpointButton"_s), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(core::EndpointService(*m_ws).list().isEmpty(), 60000);
        // A reload begun before the delete may still answer first: wait for the table to show what is stored.
        again.reload();
        QTRY_COMPARE_WITH_TIMEOUT(again.endpointsModel()->rowCount(), 0, 30000);
    }
};

QTEST_MAIN(TestEndpointsPane)
#include "TestEndpointsPane.moc"
