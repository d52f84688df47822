// EndpointsPane: endpoint table, actions, log and Test tab; see the header.
#include "ui/panes/EndpointsPane.h"

#include "core/datasets/DatasetRegistry.h"
#include "core/endpoints/EndpointService.h"
#include "core/endpoints/TestImages.h"
#include "core/http/HttpClient.h"
#include "core/workspace/Workspace.h"
#include "ui/Theme.h"
#include "ui/models/TableModel.h"
#include "ui/widgets/TableViews.h"

#include <QApplication>
#include <QChart>
#include <QChartView>
#include <QClipboard>
#include <QComboBox>
#include <QElapsedTimer>
#include <QFile>
#include <QFutureWatcher>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QImage>
#include <QInputDialog>
#include <QItemSelectionModel>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLabel>
#include <QLineSeries>
#include <QListWidget>
#include <QMessageBox>
#include <QPixmap>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSplitter>
#include <QTabWidget>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>
#include <QValueAxis>
#include <QtConcurrent>

#include <algorithm>
#include <memory>

using namespace Qt::StringLiterals;

namespace mldesk::ui {

namespace {

struct Row {
    core::Endpoint endpoint;
    core::EndpointStatus status;
};

struct TestResult {
    core::TestImage image;
    int predicted = -1;
    double ms = 0;
    QString error;
};

QPushButton *button(const QString &text, const QString &objectName, const QString &toolTip)
{
    auto *b = new QPushButton(text);
    b->setObjectName(objectName);
    b->setToolTip(toolTip);
    return b;
}

} // namespace

EndpointsPane::EndpointsPane(QWidget *parent)
    : Pane(tr("Endpoints"),
           tr("Registered models served over HTTP by mldesk-serve: state, scoring URI, keys, logs and a test bench."),
           QStringLiteral("models"), parent)
{
    setObjectName(QStringLiteral("endpointsPane"));
    m_nameChooser = [](QWidget *p, const QString &suggested) {
        return QInputDialog::getText(p, tr("Deploy model"), tr("Endpoint name:"), QLineEdit::Normal, suggested);
    };
    m_confirmer = [](QWidget *p, const QString &question) {
        return QMessageBox::question(p, tr("Endpoints"), question) == QMessageBox::Yes;
    };
    m_model =
        new TableModel({tr("Name"), tr("State"), tr("Scoring URI"), tr("Model"), tr("Started"), tr("Detail")}, this);
    m_view = makeTableView(QStringLiteral("endpointsTable"), m_model, false);
    m_view->horizontalHeader()->resizeSection(2, 260);

    auto *tools = new QHBoxLayout;
    auto *refresh = button(tr("Refresh"), u"endpointsRefresh"_s, tr("Probe every endpoint again"));
    auto *copyUri = button(tr("Copy URI"), u"copyUriButton"_s, tr("Copy the scoring URI"));
    auto *copyKey =
        button(tr("Copy Key"), u"copyKeyButton"_s, tr("Copy the primary key (Authorization: Bearer <key>)"));
    auto *regen = button(tr("Regenerate Key"), u"regenerateKeyButton"_s, tr("Replace the primary key"));
    auto *stop = button(tr("Stop"), u"stopEndpointButton"_s, tr("Stop the server; the endpoint and its keys stay"));
    auto *start = button(tr("Start"), u"startEndpointButton"_s, tr("Start a stopped or failed endpoint"));
    auto *remove = button(tr("Delete"), u"deleteEndpointButton"_s, tr("Stop and delete the endpoint"));
    tools->addStretch(1);
    for (QPushButton *b : {refresh, copyUri, copyKey, regen, stop, start, remove})
        tools->addWidget(b);
    m_needsSelection = {copyUri, copyKey, regen, stop, start, remove};
    connect(refresh, &QPushButton::clicked, this, &EndpointsPane::reload);
    connect(copyUri, &QPushButton::clicked, this, &EndpointsPane::copyUri);
    connect(copyKey, &QPushButton::clicked, this, &EndpointsPane::copyKey);
    connect(regen, &QPushButton::clicked, this, &EndpointsPane::regenerateKey);
    connect(stop, &QPushButton::clicked, this, &EndpointsPane::stopEndpoint);
    connect(start, &QPushButton::clicked, this, &EndpointsPane::startEndpoint);
    connect(remove, &QPushButton::clicked, this, &EndpointsPane::deleteEndpoint);

    m_message = new QLabel;
    m_message->setObjectName(u"endpointsMessage"_s);
    m_message->setWordWrap(true);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_message->hide();

    m_log = new QPlainTextEdit;
    m_log->setObjectName(u"endpointLog"_s);
    m_log->setReadOnly(true);
    m_log->setMaximumBlockCount(2000);

    auto *test = new QWidget;
    auto *testLayout = new QVBoxLayout(test);
    auto *testTools = new QHBoxLayout;
    m_dataset = new QComboBox;
    m_dataset->setObjectName(u"testDatasetCombo"_s);
    auto *send = button(tr("Send Test Images"), u"sendTestImagesButton"_s,
                        tr("Score the first images of the dataset's test split (t10k) one request each"));
    m_needsSelection.append(send);
    connect(send, &QPushButton::clicked, this, [this] { sendTestImages(); });
    m_testSummary = new QLabel;
    m_testSummary->setObjectName(u"testSummary"_s);
    testTools->addWidget(new QLabel(tr("Dataset:")));
    testTools->addWidget(m_dataset, 1);
    testTools->addWidget(send);
    m_results = new QListWidget;
    m_results->setObjectName(u"testResults"_s);
    m_results->setViewMode(QListView::IconMode);
    m_results->setIconSize(QSize(84, 84));
    m_results->setGridSize(QSize(150, 130));
    m_results->setResizeMode(QListView::Adjust);
    testLayout->addLayout(testTools);
    testLayout->addWidget(m_results, 1);
    testLayout->addWidget(m_testSummary);

    // Traffic: requests per second and p50/p99 latency of the selected endpoint, from its /metrics.
    auto *chart = new QChart;
    chart->setMargins(QMargins(4, 4, 4, 4));
    m_rps = new QLineSeries;
    m_rps->setName(tr("requests/s"));
    m_p50 = new QLineSeries;
    m_p50->setName(tr("p50 ms"));
    m_p99 = new QLineSeries;
    m_p99->setName(tr("p99 ms"));
    m_timeAxis = new QValueAxis;
    m_timeAxis->setTitleText(tr("seconds"));
    m_rateAxis = new QValueAxis;
    m_rateAxis->setTitleText(tr("requests/s"));
    m_msAxis = new QValueAxis;
    m_msAxis->setTitleText(tr("ms (bucket bound)"));
    chart->addAxis(m_timeAxis, Qt::AlignBottom);
    chart->addAxis(m_rateAxis, Qt::AlignLeft);
    chart->addAxis(m_msAxis, Qt::AlignRight);
    for (QLineSeries *series : {m_rps, m_p50, m_p99}) {
        chart->addSeries(series);
        series->attachAxis(m_timeAxis);
        series->attachAxis(series == m_rps ? m_rateAxis : m_msAxis);
    }
    auto *chartView = new QChartView(chart);
    chartView->setObjectName(u"trafficChart"_s);
    chartView->setRenderHint(QPainter::Antialiasing);
    Theme::styleChart(chartView); // readable in the dark theme too
    m_clock.start();
    auto *sampler = new QTimer(this);
    sampler->setInterval(1000);
    connect(sampler, &QTimer::timeout, this, [this, chartView] {
        if (chartView->isVisible())
            sampleTraffic();
    });
    sampler->start();

    auto *tabs = new QTabWidget;
    tabs->setObjectName(u"endpointTabs"_s);
    tabs->addTab(m_log, tr("Log"));
    tabs->addTab(test, tr("Test"));
    tabs->addTab(chartView, tr("Traffic"));

    auto *split = new QSplitter(Qt::Vertical);
    split->addWidget(titled(tr("Endpoints"), m_view));
    split->addWidget(tabs);
    auto *hint = new QLabel(tr("Deploy a model version from the Models pane (\u201cDeploy\u2026\u201d)."));
    hint->setForegroundRole(QPalette::PlaceholderText);
    contentLayout()->addWidget(hint);
    contentLayout()->addLayout(tools);
    contentLayout()->addWidget(m_message);
    contentLayout()->addWidget(split, 1);

    auto updateButtons = [this] {
        for (QPushButton *b : std::as_const(m_needsSelection))
            b->setEnabled(!currentEndpoint().isEmpty());
        showLog();
    };
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this, updateButtons);
    connect(m_model, &QAbstractItemModel::modelReset, this, updateButtons);
    updateButtons();
    // While shown, states are probed every few seconds (a crash and its restart show up without a click).
    auto *timer = new QTimer(this);
    timer->setInterval(3000);
    connect(timer, &QTimer::timeout, this, [this] {
        if (isVisible())
            reload();
    });
    timer->start();
}

EndpointsPane::~EndpointsPane() = default;

void EndpointsPane::setWorkspace(core::Workspace *workspace)
{
    m_workspace = workspace;
    ++m_generation;
    m_model->setRows({});
    m_dataset->clear();
    // The pane's own table and tabs say everything once a workspace is open: the big icon only without one.
    emptyState()->setVisible(!workspace);
    if (!workspace) {
        showCount(nullptr, 0, {}, {}, {}, {});
        return;
    }
    for (const core::DatasetSummary &d : core::DatasetRegistry(workspace->database()).list())
        m_dataset->addItem(d.name);
    reload();
}

void EndpointsPane::runAsync(const std::function<void(core::Workspace &)> &work,
                             const std::function<void(const QString &)> &done)
{
    if (!m_workspace)
        return;
    const QString path = m_workspace->path();
    const int generation = m_generation;
    auto *watcher = new QFutureWatcher<QString>(this);
    connect(watcher, &QFutureWatcher<QString>::finished, this, [this, watcher, generation, done] {
        watcher->deleteLater();
        if (generation == m_generation)
            done(watcher->result());
    });
    watcher->setFuture(QtConcurrent::run([path, work]() -> QString {
        try {
            auto ws = core::Workspace::open(path); // this thread's own store connection
            work(*ws);
            return {};
        } catch (const std::exception &e) {
            return QString::fromUtf8(e.what());
        }
    }));
}

void EndpointsPane::reload()
{
    auto rows = std::make_shared<QList<Row>>();
    const quint64 sequence = ++m_reloadsStarted;
    runAsync(
        [rows](core::Workspace &ws) {
            core::EndpointService service(ws);
            for (const core::Endpoint &e : service.list())
                rows->append({e, service.status(e)});
        },
        [this, rows, sequence](const QString &error) {
            // A reload that began before the one already shown read an older state (e.g. before a delete): dropped.
            if (sequence < m_reloadShown)
                return;
            m_reloadShown = sequence;
            if (!error.isEmpty())
                return showMessage(error, true);
            const QString selected = currentEndpoint();
            QList<TableModel::Row> table;
            for (const Row &r : std::as_const(*rows)) {
                const core::Endpoint &e = r.endpoint;
                table.append({e.name,
                              {{e.name},
                               {core::endpointStateName(r.status.state)},
                               {e.scoringUri()},
                               {e.model()},
                               {e.started.isValid() ? TableModel::formatDate(e.started) : QString(), e.started},
                               {r.status.detail}}});
            }
            m_model->setRows(table);
            if (!selected.isEmpty())
                selectEndpoint(selected);
            emit reloaded();
        });
}

QString EndpointsPane::currentEndpoint() const
{
    const QModelIndexList rows = m_view->selectionModel()->selectedRows();
    return rows.isEmpty() ? QString() : m_model->row(rows.first().row()).key.toString();
}

void EndpointsPane::selectEndpoint(const QString &name)
{
    const int row = m_model->rowOfKey(name);
    if (row >= 0)
        m_view->selectRow(row);
}

void EndpointsPane::showMessage(const QString &text, bool error)
{
    m_message->setText(text);
    m_message->setStyleSheet(error ? u"color: #c0392b;"_s : QString());
    m_message->setVisible(!text.isEmpty());
}

QString EndpointsPane::messageText() const
{
    return m_message->isVisible() ? m_message->text() : QString();
}

void EndpointsPane::showLog()
{
    const QString name = currentEndpoint();
    if (name.isEmpty() || !m_workspace) {
        m_log->clear();
        return;
    }
    QFile file(m_workspace->path() + u"/endpoints/"_s + name + u"/logs/std_log.txt"_s);
    if (file.open(QIODevice::ReadOnly)) {
        if (file.size() > 256 * 1024)
            file.seek(file.size() - 256 * 1024); // the tail: the GUI thread reads no more than this
        m_log->setPlainText(QString::fromUtf8(file.readAll()));
    }
}

void EndpointsPane::deploy(const QString &model, int version)
{
    const QString name = m_nameChooser(this, model + u'-' + QString::number(version)).trimmed();
    if (name.isEmpty())
        return;
    core::EndpointCreateParams p;
    p.name = name;
    p.model = model + u':' + QString::number(version);
    showMessage(tr("Deploying %1 as '%2'\u2026").arg(p.model, name), false);
    runAsync([p](core::Workspace &ws) { core::EndpointService(ws).create(p); },
             [this, name](const QString &error) {
                 showMessage(error.isEmpty() ? tr("Deployed '%1'.").arg(name) : error, !error.isEmpty());
                 reload();
                 QTimer::singleShot(0, this, [this, name] { selectEndpoint(name); });
             });
}

void EndpointsPane::copyUri()
{
    const int row = m_model->rowOfKey(currentEndpoint());
    if (row >= 0)
        QApplication::clipboard()->setText(m_model->row(row).cells.at(2).text);
}

void EndpointsPane::copyKey()
{
    const QString name = currentEndpoint();
    if (name.isEmpty() || !m_workspace)
        return;
    try {
        QApplication::clipboard()->setText(core::EndpointService(*m_workspace).keys(name).primary);
        showMessage(tr("Copied the primary key of '%1'.").arg(name), false);
    } catch (const std::exception &e) {
        showMessage(QString::fromUtf8(e.what()), true);
    }
}

void EndpointsPane::regenerateKey()
{
    const QString name = currentEndpoint();
    if (name.isEmpty() ||
        !m_confirmer(this, tr("Replace the primary key of '%1'? Clients using it stop working.").arg(name)))
        return;
    runAsync([name](core::Workspace &ws) { core::EndpointService(ws).regenerateKey(name, u"primary"_s); },
             [this, name](const QString &error) {
                 showMessage(error.isEmpty() ? tr("Regenerated the primary key of '%1'.").arg(name) : error,
                             !error.isEmpty());
             });
}

void EndpointsPane::stopEndpoint()
{
    const QString name = currentEndpoint();
    runAsync([name](core::Workspace &ws) { core::EndpointService(ws).stop(name); },
             [this](const QString &error) {
                 showMessage(error, true);
                 reload();
             });
}

void EndpointsPane::startEndpoint()
{
    const QString name = currentEndpoint();
    runAsync([name](core::Workspace &ws) { core::EndpointService(ws).start(name); },
             [this](const QString &error) {
                 showMessage(error, true);
                 reload();
             });
}

void EndpointsPane::deleteEndpoint()
{
    const QString name = currentEndpoint();
    if (name.isEmpty() || !m_confirmer(this, tr("Delete endpoint '%1' and its keys?").arg(name)))
        return;
    runAsync([name](core::Workspace &ws) { core::EndpointService(ws).remove(name); },
             [this](const QString &error) {
                 showMessage(error, true);
                 reload();
             });
}

void EndpointsPane::sendTestImages(int count)
{
    const QString name = currentEndpoint();
    const QString dataset = m_dataset->currentText();
    if (name.isEmpty() || dataset.isEmpty())
        return showMessage(tr("Select an endpoint and a dataset (e.g. Fashion-MNIST's files) first."), true);
    m_results->clear();
    m_testSummary->setText(tr("Sending %1 images\u2026").arg(count));
    auto results = std::make_shared<QList<TestResult>>();
    runAsync(
        [name, dataset, count, results](core::Workspace &ws) {
            core::EndpointService service(ws);
            const core::Endpoint e = service.get(name);
            const QByteArray key = "Bearer " + service.keys(name).primary.toLatin1();
            auto http = core::HttpClient::create();
            core::HttpOptions options;
            options.maxRetries = 0;
            for (const core::TestImage &image : core::TestImages::load(ws, dataset, count)) {
                core::HttpRequest request;
                request.method = "POST";
                request.url = QUrl(e.scoringUri());
                request.headers = {{"Content-Type", "application/json"}, {"Authorization", key}};
                request.body = core::TestImages::requestFor(image);
                QElapsedTimer timer;
                timer.start();
                const core::HttpResponse response = http->send(request, options);
                TestResult r{image, -1, double(timer.nsecsElapsed()) / 1e6, {}};
                const QJsonArray answer = QJsonDocument::fromJson(response.body).array();
                if (response.status == 200 && answer.size() == 1)
                    r.predicted = answer[0].toInt();
                else
                    r.error = response.error.isEmpty() ? QString::fromUtf8(response.body) : response.error;
                results->append(r);
            }
        },
        [this, results](const QString &error) {
            if (!error.isEmpty()) {
                m_testSummary->setText(QString());
                showMessage(error, true);
                emit testFinished();
                return;
            }
            int correct = 0;
            QList<double> latencies;
            for (const TestResult &r : std::as_const(*results)) {
                QImage image(reinterpret_cast<const uchar *>(r.image.pixels.constData()), r.image.cols, r.image.rows,
                             r.image.cols, QImage::Format_Grayscale8);
                image.invertPixels(); // dark on light, as the pane's background
                auto *item = new QListWidgetItem(
                    QIcon(QPixmap::fromImage(image.scaled(84, 84))),
                    r.error.isEmpty()
                        ? tr("predicted %1\ntrue %2\n%3 ms").arg(r.predicted).arg(r.image.label).arg(r.ms, 0, 'f', 1)
                        : tr("error: %1").arg(r.error.left(60)));
                item->setData(Qt::UserRole, r.predicted);
                item->setData(Qt::UserRole + 1, r.image.label);
                item->setData(Qt::UserRole + 2, r.ms);
                m_results->addItem(item);
                correct += r.predicted == r.image.label ? 1 : 0;
                latencies.append(r.ms);
            }
            std::sort(latencies.begin(), latencies.end());
            const double median = latencies.isEmpty() ? 0 : latencies[latencies.size() / 2];
            m_testSummary->setText(
                tr("%1 of %2 right; median latency %3 ms").arg(correct).arg(results->size()).arg(median, 0, 'f', 1));
            emit testFinished();
        });
}

void EndpointsPane::sampleTraffic()
{
    const QString name = currentEndpoint();
    if (name.isEmpty() || m_sampling)
        return;
    if (name != m_trafficEndpoint) { // another endpoint: a new chart
        m_trafficEndpoint = name;
        m_lastReading = {};
        m_rpsPoints.clear();
        m_p50Points.clear();
        m_p99Points.clear();
    }
    m_sampling = true;
    auto text = std::make_shared<QByteArray>();
    runAsync(
        [name, text](core::Workspace &ws) {
            core::HttpRequest request;
            request.url = QUrl(core::EndpointService(ws).get(name).baseUri() + u"/metrics"_s);
            core::HttpOptions options;
            options.maxRetries = 0;
            options.connectTimeoutMs = 2000;
            options.idleTimeoutMs = 2000;
            const core::HttpResponse response = core::HttpClient::create()->send(request, options);
            if (response.status == 200)
                *text = response.body;
        },
        [this, name, text](const QString &) {
            m_sampling = false;
            if (name != m_trafficEndpoint)
                return;
            const core::MetricsReading reading = core::Traffic::parse(*text);
            const double now = double(m_clock.elapsed()) / 1000.0;
            if (reading.valid && m_lastReading.valid) {
                m_lastTraffic = core::Traffic::between(m_lastReading, reading, now - m_lastReadingAt);
                constexpr qsizetype kTrafficPoints = 300;
                for (auto [points, value] :
                     {std::pair{&m_rpsPoints, m_lastTraffic.requestsPerSecond},
                      std::pair{&m_p50Points, m_lastTraffic.p50Ms}, std::pair{&m_p99Points, m_lastTraffic.p99Ms}}) {
                    points->append({now, value});
                    if (points->size() > kTrafficPoints)
                        points->removeFirst();
                }
                m_rps->replace(m_rpsPoints);
                m_p50->replace(m_p50Points);
                m_p99->replace(m_p99Points);
                double maxRate = 1, maxMs = 1;
                for (const QPointF &p : std::as_const(m_rpsPoints))
                    maxRate = std::max(maxRate, p.y());
                for (const QPointF &p : std::as_const(m_p99Points))
                    maxMs = std::max(maxMs, p.y());
                m_timeAxis->setRange(m_rpsPoints.first().x(), std::max(now, m_rpsPoints.first().x() + 1));
                m_rateAxis->setRange(0, maxRate * 1.1);
                m_msAxis->setRange(0, maxMs * 1.1);
            }
            if (reading.valid) {
                m_lastReading = reading;
                m_lastReadingAt = now;
            }
            emit trafficSampled();
        });
}

} // namespace mldesk::ui
