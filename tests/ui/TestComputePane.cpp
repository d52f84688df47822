// TestComputePane: 'local' listed with this machine probed in the background; the Slurm dialog shows each problem
// under its field, stores the token through the keychain seam (and shows a keychain failure inline), and a valid
// target appears in the table; the built-in target cannot be removed (said inline). A selected Slurm target's status
// comes from a loopback slurmrestd answering the responses recorded from the real one (tests/slurm/data): loading
// at once (the UI thread never waits), then reachable with nodes and partitions, refreshed by button, by
// View > Refresh (setWorkspace) and periodically; a closed port is "unreachable" with the network's message; a
// missing or rejected token says so, naming the variable.
#include "UiTestSupport.h"

#include "core/compute/ComputeTargetRegistry.h"
#include "core/workspace/Workspace.h"
#include "ui/dialogs/SlurmTargetDialog.h"
#include "ui/models/TableModel.h"
#include "ui/panes/ComputePane.h"
#include "ui/panes/SlurmStatusView.h"

#include "../core/support/LoopbackHttpServer.h"

#include <QAbstractItemModelTester>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QStackedWidget>
#include <QTableView>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

using mldesk::core::Workspace;
using mldesk::test::child;
using mldesk::ui::ComputePane;
using mldesk::ui::SlurmStatusView;
using mldesk::ui::SlurmTargetDialog;
using State = mldesk::ui::SlurmStatusView::State;

namespace {

const char *const kTokenVariable = "MLDESK_TEST_UI_SLURM_JWT";

QByteArray recorded(const QString &name)
{
    QFile file(QFINDTESTDATA(QStringLiteral("../slurm/data/v0.0.38/") + name));
    if (!file.open(QIODevice::ReadOnly))
        qWarning("cannot read the recorded answer %s", qPrintable(name));
    return file.readAll();
}

// A JWT as `scontrol token` makes one (slurmrestd checks the signature; the client only reads exp and sun).
QByteArray jwt(const QString &user)
{
    const auto b64 = [](const QByteArray &b) {
        return b.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
    };
    const QJsonObject payload{
        {QStringLiteral("exp"), 4102444800LL}, {QStringLiteral("iat"), 1795665980LL}, {QStringLiteral("sun"), user}};
    return b64(R"({"alg":"HS256","typ":"JWT"})") + '.' + b64(QJsonDocument(payload).toJson(QJsonDocument::Compact)) +
           '.' + b64("signature");
}

// The recorded node list plus a GPU node in use, built from the recorded one (same JSON shape).
QByteArray nodesWithGpuNode()
{
    QJsonObject root = QJsonDocument::fromJson(recorded(QStringLiteral("nodes.json"))).object();
    QJsonArray nodes = root.value(QStringLiteral("nodes")).toArray();
    QJsonObject gpu = nodes.at(0).toObject();
    gpu.insert(QStringLiteral("name"), QStringLiteral("gpu01"));
    gpu.insert(QStringLiteral("state"), QStringLiteral("mixed"));
    gpu.insert(QStringLiteral("cpus"), 64);
    gpu.insert(QStringLiteral("gres"), QStringLiteral("gpu:a100:4"));
    gpu.insert(QStringLiteral("gres_used"), QStringLiteral("gpu:a100:1(IDX:0)"));
    nodes.append(gpu);
    root.insert(QStringLiteral("nodes"), nodes);
    return QJsonDocument(root).toJson();
}

// A loopback port nobody listens on (just closed).
quint16 closedPort()
{
    QTcpServer server;
    server.listen(QHostAddress::LocalHost, 0);
    const quint16 port = server.serverPort();
    server.close();
    return port;
}

} // namespace

class TestComputePane final : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void listsLocalAndProbesMachine();
    void slurmDialogValidatesPerField();
    void slurmTargetWithKeychainToken();
    void builtinCannotBeRemoved();
    void slurmStatusFromRecordedServer();
    void slurmShowsVersionAndPlainHttpWarning();
    void slurmUnreachableShowsMessage();
    void slurmTokenMissingOrRejected();

private:
    mldesk::core::ComputeTarget addSlurm(const QString &name, const QString &url);
    static SlurmStatusView *statusView(ComputePane &pane) { return pane.slurmStatusView(); }
    SlurmTargetDialog *openDialog(ComputePane &pane);
    void fillValid(SlurmTargetDialog *dialog);
    QTemporaryDir m_settings;
    std::unique_ptr<QTemporaryDir> m_root;
    std::unique_ptr<Workspace> m_workspace;
};

void TestComputePane::initTestCase()
{
    mldesk::test::isolateSettings(m_settings);
    qputenv(kTokenVariable, jwt(QStringLiteral("alice")));
}

mldesk::core::ComputeTarget TestComputePane::addSlurm(const QString &name, const QString &url)
{
    mldesk::core::SlurmTargetConfig config;
    config.url = url;
    config.user = QStringLiteral("alice");
    config.partition = QStringLiteral("debug");
    config.sharedDirLocal = m_root->path();
    config.tokenEnv = QString::fromLatin1(kTokenVariable);
    return mldesk::core::ComputeTargetRegistry(m_workspace->database()).createSlurm(name, config);
}

void TestComputePane::init()
{
    m_root = std::make_unique<QTemporaryDir>();
    m_workspace = Workspace::create(m_root->filePath(QStringLiteral("ws")), QStringLiteral("test"));
}

SlurmTargetDialog *TestComputePane::openDialog(ComputePane &pane)
{
    QTest::mouseClick(child<QPushButton>(&pane, QStringLiteral("addSlurmButton")), Qt::LeftButton);
    return pane.findChild<SlurmTargetDialog *>(QStringLiteral("slurmTargetDialog"));
}

void TestComputePane::fillValid(SlurmTargetDialog *dialog)
{
    QTest::keyClicks(child<QLineEdit>(dialog, QStringLiteral("targetNameEdit")), QStringLiteral("cluster"));
    QTest::keyClicks(child<QLineEdit>(dialog, QStringLiteral("urlEdit")), QStringLiteral("http://127.0.0.1:6820"));
    QTest::keyClicks(child<QLineEdit>(dialog, QStringLiteral("userEdit")), QStringLiteral("alice"));
    QTest::keyClicks(child<QLineEdit>(dialog, QStringLiteral("sharedDirEdit")), m_root->path());
}

void TestComputePane::listsLocalAndProbesMachine()
{
    ComputePane pane;
    QAbstractItemModelTester targets(pane.targetsModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModelTester gpus(pane.gpusModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    pane.setWorkspace(m_workspace.get());
    pane.show();
    QCOMPARE(pane.targetsModel()->index(0, 0).data().toString(), QStringLiteral("local"));
    QTRY_VERIFY_WITH_TIMEOUT(pane.localProbed(), 20000);
    auto *summary = child<QLabel>(&pane, QStringLiteral("localSummary"));
    QVERIFY2(summary->text().contains(QStringLiteral("CPU core")), qPrintable(summary->text()));
    QVERIFY(pane.targetsModel()->index(0, 2).data().toString().startsWith(QStringLiteral("ready")));
}

void TestComputePane::slurmDialogValidatesPerField()
{
    ComputePane pane;
    pane.setWorkspace(m_workspace.get());
    pane.show();
    SlurmTargetDialog *dialog = openDialog(pane);
    QVERIFY(dialog);
    QTest::keyClicks(child<QLineEdit>(dialog, QStringLiteral("targetNameEdit")), QStringLiteral("local"));
    QTest::keyClicks(child<QLineEdit>(dialog, QStringLiteral("urlEdit")), QStringLiteral("ftp:/nope"));
    QTest::keyClicks(child<QLineEdit>(dialog, QStringLiteral("timeLimitEdit")), QStringLiteral("soon"));
    QTest::mouseClick(child<QPushButton>(dialog, QStringLiteral("createButton")), Qt::LeftButton);
    QVERIFY(dialog->isVisible());
    QVERIFY(dialog->fieldError(QStringLiteral("name")).contains(QStringLiteral("exists")));
    QVERIFY(!dialog->fieldError(QStringLiteral("url")).isEmpty());
    QVERIFY(!dialog->fieldError(QStringLiteral("time_limit")).isEmpty());
    QVERIFY(!dialog->fieldError(QStringLiteral("token")).isEmpty());
    QVERIFY(child<QLabel>(dialog, QStringLiteral("urlError"))->isVisible());
    QCOMPARE(child<QLineEdit>(dialog, QStringLiteral("tokenEdit"))->echoMode(), QLineEdit::Password);
}

void TestComputePane::slurmTargetWithKeychainToken()
{
    ComputePane pane;
    pane.setWorkspace(m_workspace.get());
    pane.show();
    SlurmTargetDialog *dialog = openDialog(pane);
    QString storedKey;
    QString storedToken;
    QString answer = QStringLiteral("no keyring daemon");
    dialog->setTokenSaver(
        [&](const QString &key, const QString &token, QObject *, std::function<void(const QString &)> done) {
            storedKey = key;
            storedToken = token;
            done(answer);
        });
    fillValid(dialog);
    QTest::keyClicks(child<QLineEdit>(dialog, QStringLiteral("tokenEdit")), QStringLiteral("eyJ.secret"));
    QTest::mouseClick(child<QPushButton>(dialog, QStringLiteral("createButton")), Qt::LeftButton);
    QVERIFY(dialog->errorText().contains(QStringLiteral("no keyring daemon")));
    QVERIFY(!mldesk::core::ComputeTargetRegistry(m_workspace->database()).find(QStringLiteral("cluster")));

    answer.clear();
    QPointer<SlurmTargetDialog> guard = dialog;
    QTest::mouseClick(child<QPushButton>(dialog, QStringLiteral("createButton")), Qt::LeftButton);
    QTRY_VERIFY(guard.isNull() || !guard->isVisible());
    QCOMPARE(storedToken, QStringLiteral("eyJ.secret"));
    QVERIFY(storedKey.contains(QStringLiteral("cluster")));
    const auto target = mldesk::core::ComputeTargetRegistry(m_workspace->database()).find(QStringLiteral("cluster"));
    QVERIFY(target && target->slurm.tokenInKeychain);
    QVERIFY(pane.targetsModel()->rowOfKey(QStringLiteral("cluster")) >= 0);
}

void TestComputePane::builtinCannotBeRemoved()
{
    ComputePane pane;
    pane.setWorkspace(m_workspace.get());
    pane.show();
    auto *view = child<QTableView>(&pane, QStringLiteral("targetsTable"));
    view->setCurrentIndex(view->model()->index(0, 0));
    QTest::mouseClick(child<QPushButton>(&pane, QStringLiteral("removeTargetButton")), Qt::LeftButton);
    auto *message = child<QLabel>(&pane, QStringLiteral("messageLabel"));
    QVERIFY(message->isVisible());
    QVERIFY(!message->text().isEmpty());
    QVERIFY(pane.targetsModel()->rowOfKey(QStringLiteral("local")) >= 0);
}

void TestComputePane::slurmStatusFromRecordedServer()
{
    mldesk::test::LoopbackHttpServer server;
    QVERIFY(server.startServing() != 0);
    server.setRoute("/slurm/v0.0.38/ping", {recorded(QStringLiteral("ping.json"))});
    server.setRoute("/slurm/v0.0.38/nodes", {nodesWithGpuNode()});
    server.setRoute("/slurm/v0.0.38/partitions", {recorded(QStringLiteral("partitions.json"))});
    addSlurm(QStringLiteral("hpc"), server.url({}).toString());

    ComputePane pane;
    QCOMPARE(statusView(pane)->refreshInterval(), 10000); // the default
    // The refreshes below come from the button and F5: no periodic one in between (issue 14: one slipped in under
    // load). The periodic refresh is tested on its own further down.
    statusView(pane)->setRefreshInterval(0);
    QAbstractItemModelTester nodes(statusView(pane)->nodesModel(),
                                   QAbstractItemModelTester::FailureReportingMode::QtTest);
    pane.setWorkspace(m_workspace.get());
    pane.show();
    QCOMPARE(pane.targetsModel()->index(1, 1).data().toString(), QStringLiteral("slurm"));
    auto *detail = child<QStackedWidget>(&pane, QStringLiteral("computeDetail"));
    QCOMPARE(detail->currentIndex(), 0); // nothing selected: this machine

    QElapsedTimer clock;
    clock.start();
    QVERIFY(pane.selectTarget(QStringLiteral("hpc")));
    QCOMPARE(detail->currentWidget(), statusView(pane));
    // Back at once, showing that it is asking: the request runs off the UI thread.
    QVERIFY2(clock.elapsed() < 500, qPrintable(QString::number(clock.elapsed())));
    QCOMPARE(statusView(pane)->state(), State::Loading);
    QVERIFY2(statusView(pane)->message().contains(server.url({}).toString()), qPrintable(statusView(pane)->message()));
    QVERIFY(!child<QPushButton>(&pane, QStringLiteral("slurmRefreshButton"))->isEnabled());

    QTRY_COMPARE_WITH_TIMEOUT(statusView(pane)->state(), State::Reachable, 5000);
    const QString message = statusView(pane)->message();
    QVERIFY2(message.contains(QStringLiteral("22.05.8")) && message.contains(QStringLiteral("UP")),
             qPrintable(message));
    QVERIFY2(message.contains(QStringLiteral("1 idle")) && message.contains(QStringLiteral("1 mixed")),
             qPrintable(message));
    auto *nodeModel = statusView(pane)->nodesModel();
    QCOMPARE(nodeModel->rowCount(), 2);
    const int vm = nodeModel->rowOfKey(QStringLiteral("vm"));
    const int gpu = nodeModel->rowOfKey(QStringLiteral("gpu01"));
    QVERIFY(vm >= 0 && gpu >= 0);
    QCOMPARE(nodeModel->index(vm, 1).data().toString(), QStringLiteral("idle"));
    QCOMPARE(nodeModel->index(gpu, 1).data().toString(), QStringLiteral("mixed"));
    QVERIFY(nodeModel->index(vm, 2).data().toString().endsWith(QStringLiteral("/2 used")));
    QVERIFY2(nodeModel->index(vm, 3).data().toString().startsWith(QStringLiteral("23.5 GB (18.5 GB free)")),
             qPrintable(nodeModel->index(vm, 3).data().toString())); // real_memory 24105, free_memory 18947 (MB)
    QCOMPARE(nodeModel->index(vm, 4).data().toString(), QStringLiteral("none"));
    QVERIFY2(nodeModel->index(gpu, 4).data().toString().startsWith(QStringLiteral("4 (gpu:a100:4")),
             qPrintable(nodeModel->index(gpu, 4).data().toString()));
    QVERIFY(nodeModel->index(gpu, 4).data(Qt::ToolTipRole).toString().contains(QStringLiteral("IDX:0")));
    auto *partitions = statusView(pane)->partitionsModel();
    QCOMPARE(partitions->rowCount(), 1);
    QCOMPARE(partitions->row(0).key.toString(), QStringLiteral("debug"));
    QCOMPARE(partitions->index(0, 2).data().toString(), QStringLiteral("vm"));
    // The targets table shows the answer too.
    QVERIFY2(pane.targetsModel()->index(1, 2).data().toString().startsWith(QStringLiteral("reachable")),
             qPrintable(pane.targetsModel()->index(1, 2).data().toString()));

    // Refresh button, View > Refresh (F5: every pane's setWorkspace), and the periodic refresh. Each asks the server
    // again: waited for as "more pings than before", never as an exact count (the pane may also refresh on its own
    // when the targets table updates; counting made this test flaky, issue 14).
    QTRY_VERIFY_WITH_TIMEOUT(!statusView(pane)->isLoading(), 5000);
    const int pings = server.requestCount("/slurm/v0.0.38/ping");
    QTest::mouseClick(child<QPushButton>(&pane, QStringLiteral("slurmRefreshButton")), Qt::LeftButton);
    QCOMPARE(statusView(pane)->state(), State::Loading);
    QTRY_COMPARE_WITH_TIMEOUT(statusView(pane)->state(), State::Reachable, 5000);
    QTRY_VERIFY_WITH_TIMEOUT(server.requestCount("/slurm/v0.0.38/ping") > pings, 5000);
    QCOMPARE(statusView(pane)->nodesModel()->rowCount(), 2);
    QTRY_VERIFY_WITH_TIMEOUT(!statusView(pane)->isLoading(), 5000);
    const int beforeReload = server.requestCount("/slurm/v0.0.38/ping");
    pane.setWorkspace(m_workspace.get());
    QTRY_VERIFY_WITH_TIMEOUT(server.requestCount("/slurm/v0.0.38/ping") > beforeReload, 5000);
    QCOMPARE(pane.targetsModel()->index(pane.targetsModel()->rowOfKey(QStringLiteral("hpc")), 0).data().toString(),
             QStringLiteral("hpc"));
    QCOMPARE(detail->currentWidget(), statusView(pane)); // the selection survived the reload
    QTRY_COMPARE_WITH_TIMEOUT(statusView(pane)->state(), State::Reachable, 5000);
    QVERIFY(!statusView(pane)->isPolling());
    statusView(pane)->setRefreshInterval(100);
    QVERIFY(statusView(pane)->isPolling());
    const int beforePolling = server.requestCount("/slurm/v0.0.38/ping");
    QTRY_VERIFY_WITH_TIMEOUT(server.requestCount("/slurm/v0.0.38/ping") >= beforePolling + 2, 5000);
    // Hidden: no more polling; shown again: polling again.
    pane.hide();
    QVERIFY(!statusView(pane)->isPolling());
    QTRY_VERIFY_WITH_TIMEOUT(!statusView(pane)->isLoading(), 5000);
    pane.show();
    QVERIFY(statusView(pane)->isPolling());

    // Back to 'local': this machine's view, the Slurm view cleared.
    QVERIFY(pane.selectTarget(QStringLiteral("local")));
    QCOMPARE(detail->currentIndex(), 0);
    QCOMPARE(statusView(pane)->state(), State::NoTarget);
    QCOMPARE(statusView(pane)->nodesModel()->rowCount(), 0);
}

// Issue 14: a Slurm 24.11 cluster (its recorded /openapi/v3 and v0.0.42 answers) is shown with the REST API version
// auto-detection chose; a plain-http URL to another machine is shown with a warning.
void TestComputePane::slurmShowsVersionAndPlainHttpWarning()
{
    mldesk::test::LoopbackHttpServer server;
    QVERIFY(server.startServing() != 0);
    server.setRoute("/openapi/v3", {recorded(QStringLiteral("../openapi-v3-24.11.json"))});
    for (const char *name : {"ping", "nodes", "partitions"})
        server.setRoute("/slurm/v0.0.42/" + QByteArray(name),
                        {recorded(QStringLiteral("../v0.0.42/%1.json").arg(QLatin1String(name)))});
    addSlurm(QStringLiteral("modern"), server.url({}).toString());
    addSlurm(QStringLiteral("remote"), QStringLiteral("http://slurm.example.invalid:6820"));
    ComputePane pane;
    statusView(pane)->setRefreshInterval(0);
    pane.setWorkspace(m_workspace.get());
    pane.show();
    QVERIFY(pane.selectTarget(QStringLiteral("modern")));
    QTRY_COMPARE_WITH_TIMEOUT(statusView(pane)->state(), State::Reachable, 5000);
    const QString message = statusView(pane)->message();
    QVERIFY2(message.contains(QStringLiteral("24.11.5")) && message.contains(QStringLiteral("REST API v0.0.42 (auto)")),
             qPrintable(message));
    QCOMPARE(statusView(pane)->apiVersion(), QStringLiteral("v0.0.42 (auto)"));
    const int row = pane.targetsModel()->rowOfKey(QStringLiteral("modern"));
    QVERIFY2(pane.targetsModel()->index(row, 2).data().toString().contains(QStringLiteral("API v0.0.42")),
             qPrintable(pane.targetsModel()->index(row, 2).data().toString()));
    QCOMPARE(statusView(pane)->nodesModel()->index(0, 1).data().toString(), QStringLiteral("idle")); // ["IDLE"]
    auto *warning = child<QLabel>(&pane, QStringLiteral("slurmPlainHttpWarning"));
    QVERIFY(!warning->isVisible()); // loopback

    QVERIFY(pane.selectTarget(QStringLiteral("remote")));
    QVERIFY(warning->isVisible());
    QVERIFY2(warning->text().contains(QStringLiteral("plain http")) &&
                 warning->text().contains(QStringLiteral("slurm.example.invalid")),
             qPrintable(warning->text()));
    QTRY_VERIFY_WITH_TIMEOUT(!statusView(pane)->isLoading(), 15000); // nothing answers there
    QVERIFY(pane.selectTarget(QStringLiteral("modern")));
    QVERIFY(!warning->isVisible());
}

void TestComputePane::slurmUnreachableShowsMessage()
{
    const QString url = QStringLiteral("http://127.0.0.1:%1").arg(closedPort());
    addSlurm(QStringLiteral("gone"), url);
    ComputePane pane;
    pane.setWorkspace(m_workspace.get());
    pane.show();
    QElapsedTimer clock;
    clock.start();
    QVERIFY(pane.selectTarget(QStringLiteral("gone")));
    QVERIFY(clock.elapsed() < 500);
    QCOMPARE(statusView(pane)->state(), State::Loading);
    QTRY_COMPARE_WITH_TIMEOUT(statusView(pane)->state(), State::Unreachable, 8000);
    const QString message = statusView(pane)->message();
    QVERIFY2(message.startsWith(QStringLiteral("Unreachable")), qPrintable(message));
    QVERIFY2(message.contains(QStringLiteral("127.0.0.1")), qPrintable(message)); // which server, and why
    QVERIFY2(message.size() > url.size() + 20, qPrintable(message));
    QCOMPARE(statusView(pane)->nodesModel()->rowCount(), 0);
    QCOMPARE(pane.targetsModel()->index(pane.targetsModel()->rowOfKey(QStringLiteral("gone")), 2).data().toString(),
             QStringLiteral("unreachable"));
    QVERIFY(child<QPushButton>(&pane, QStringLiteral("slurmRefreshButton"))->isEnabled());
}

void TestComputePane::slurmTokenMissingOrRejected()
{
    // A token slurmctld rejects: slurmrestd 22.05 answers 500 with a vague error (recorded); not a JWT at all.
    mldesk::test::LoopbackHttpServer server;
    QVERIFY(server.startServing() != 0);
    mldesk::test::LoopbackHttpServer::Route bad{recorded(QStringLiteral("ping-bad-token.json"))};
    bad.status = 500;
    server.setRoute("/slurm/v0.0.38/ping", bad);
    addSlurm(QStringLiteral("hpc"), server.url({}).toString());
    const QByteArray saved = qgetenv(kTokenVariable);
    qputenv(kTokenVariable, "not-a-token");
    ComputePane pane;
    pane.setWorkspace(m_workspace.get());
    pane.show();
    QVERIFY(pane.selectTarget(QStringLiteral("hpc")));
    QTRY_COMPARE_WITH_TIMEOUT(statusView(pane)->state(), State::TokenProblem, 5000);
    QString message = statusView(pane)->message();
    QVERIFY2(message.contains(QStringLiteral("Token missing or invalid")), qPrintable(message));
    QVERIFY2(message.contains(QString::fromLatin1(kTokenVariable)), qPrintable(message));
    QCOMPARE(pane.targetsModel()->index(1, 2).data().toString(), QStringLiteral("token missing or invalid"));

    // The variable unset: said before any request, naming it.
    qunsetenv(kTokenVariable);
    const int pings = server.requestCount("/slurm/v0.0.38/ping");
    QTest::mouseClick(child<QPushButton>(&pane, QStringLiteral("slurmRefreshButton")), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(statusView(pane)->state(), State::TokenProblem, 5000);
    message = statusView(pane)->message();
    QVERIFY2(message.contains(QString::fromLatin1(kTokenVariable)) && message.contains(QStringLiteral("not set")),
             qPrintable(message));
    QCOMPARE(server.requestCount("/slurm/v0.0.38/ping"), pings);
    qputenv(kTokenVariable, saved);
}

QTEST_MAIN(TestComputePane)
#include "TestComputePane.moc"
