// EndpointsPane: the Endpoints page - deployed model versions with their Azure-style state and scoring URI; deploy
// one (also reached from the Models pane's "Deploy..."), copy the URI or a key, regenerate a key, stop, start, delete;
// the endpoint's log; and a Test tab that sends images of a registered dataset's test split and shows each with its
// predicted and true label and the round-trip latency. Every endpoint call (probes, stop waits, HTTP) runs in a
// QtConcurrent task on its own workspace connection; results come back through QFutureWatcher.
#pragma once

#include "core/endpoints/Endpoint.h"
#include "core/endpoints/TrafficSample.h"

#include "ui/panes/Pane.h"
#include <QElapsedTimer>
#include <QPointF>

#include <functional>

class QChartView;
class QComboBox;
class QLineSeries;
class QValueAxis;
class QLabel;
class QListWidget;
class QPlainTextEdit;
class QPushButton;
class QTableView;

namespace mldesk::ui {

class TableModel;

class EndpointsPane final : public Pane {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(EndpointsPane)

public:
    // Asks for the new endpoint's name (suggested given); empty: canceled.
    using NameChooser = std::function<QString(QWidget *parent, const QString &suggested)>;
    // Asks "really delete?"; true: go ahead.
    using Confirmer = std::function<bool(QWidget *parent, const QString &question)>;

    explicit EndpointsPane(QWidget *parent = nullptr);
    ~EndpointsPane() override;
    void setWorkspace(core::Workspace *workspace) override;
    void setNameChooser(NameChooser chooser) { m_nameChooser = std::move(chooser); }
    void setConfirmer(Confirmer confirmer) { m_confirmer = std::move(confirmer); }

    // Deploys model:version (asks for a name); the table shows it Transitioning, then Healthy.
    void deploy(const QString &model, int version);
    void reload();
    QString currentEndpoint() const;
    void selectEndpoint(const QString &name);

    void copyUri();
    void copyKey();
    void regenerateKey();
    void stopEndpoint();
    void startEndpoint();
    void deleteEndpoint();
    // Sends the first images of the chosen dataset's test split to the selected endpoint.
    void sendTestImages(int count = 10);
    // Reads the selected endpoint's /metrics and adds a point (requests/s, p50, p99 since the last reading) to the
    // Traffic chart; the pane does this every second while shown.
    void sampleTraffic();
    int trafficPoints() const { return int(m_rpsPoints.size()); }
    core::TrafficSample lastTraffic() const { return m_lastTraffic; }

    TableModel *endpointsModel() const { return m_model; }
    QListWidget *testResults() const { return m_results; }
    QString messageText() const;

signals:
    void reloaded();
    void testFinished();
    void trafficSampled();

private:
    // Runs work(workspace) on a pool thread with a connection of its own, then done(error) here.
    void runAsync(const std::function<void(core::Workspace &)> &work, const std::function<void(const QString &)> &done);
    void showMessage(const QString &text, bool error);
    void showLog();

    core::Workspace *m_workspace = nullptr;
    TableModel *m_model = nullptr;
    QTableView *m_view = nullptr;
    QLabel *m_message = nullptr;
    QPlainTextEdit *m_log = nullptr;
    QComboBox *m_dataset = nullptr;
    QListWidget *m_results = nullptr;
    QLabel *m_testSummary = nullptr;
    QList<QPushButton *> m_needsSelection;
    NameChooser m_nameChooser;
    Confirmer m_confirmer;
    QLineSeries *m_rps = nullptr;
    QLineSeries *m_p50 = nullptr;
    QLineSeries *m_p99 = nullptr;
    QValueAxis *m_timeAxis = nullptr;
    QValueAxis *m_rateAxis = nullptr;
    QValueAxis *m_msAxis = nullptr;
    QList<QPointF> m_rpsPoints, m_p50Points, m_p99Points; // bounded: the last kTrafficPoints readings
    QString m_trafficEndpoint;
    core::MetricsReading m_lastReading;
    QElapsedTimer m_clock;
    double m_lastReadingAt = 0;
    core::TrafficSample m_lastTraffic;
    bool m_sampling = false;
    int m_generation = 0;         // bumped per workspace: answers for an older one are dropped
    quint64 m_reloadsStarted = 0; // reloads begun, and the newest whose result is shown
    quint64 m_reloadShown = 0;
};

} // namespace mldesk::ui
