// RunsChartsView: the Runs pane's Charts view (issue 17) - the runs chosen in the table (selected, else the
// filtered ones, up to kMaxRuns) overlaid on one chart per metric, each run in its table colour, live while they
// train. The store is the truth: a run's points are read on a worker thread (its own connection) with the store's
// sequence watermark, then the chunks RunServiceHost::metricsAppended delivers past it are appended, each once
// (MetricPoint::seq). Smoothing, log scale and the x axis apply to every chart (LiveChart's controls). Compare
// shows this view for the selected runs.
#pragma once

#include "core/runs/RunTypes.h"

#include <QHash>
#include <QList>
#include <QString>
#include <QThreadPool>
#include <QWidget>

#include <atomic>
#include <memory>

class QLabel;

namespace mldesk::core {
class RunServiceHost;
}

namespace mldesk::ui {

class LiveChart;

class RunsChartsView final : public QWidget {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RunsChartsView)

public:
    static constexpr int kMaxRuns = 200;

    struct RunRef {
        qint64 id = 0; // runs.id
        QString uid;
        QString label;
    };
    struct Loaded; // what the loader thread hands back for one run

    explicit RunsChartsView(QWidget *parent = nullptr);
    ~RunsChartsView() override; // cancels the loads and waits for them

    // The workspace's database file (each load opens its own connection to it) and its live feed; empty/null: none.
    void setSource(const QString &databaseFile, core::RunServiceHost *service);
    // The runs to show, in legend order: new ones are loaded, runs no longer listed go. `what` says where they
    // come from ("selected", "filtered"); `total` is how many there were before the kMaxRuns cap.
    void setRuns(const QList<RunRef> &runs, const QString &what = {}, int total = -1);
    QStringList runIds() const { return m_order; }
    bool isLoading() const; // some listed run's stored points are still being read

    // Live points of a run (the service's chunks): those past the run's watermark are appended; while its load is
    // running they wait for it.
    void addMetrics(const QString &uid, const QList<core::MetricPoint> &points);

    LiveChart *chart() const { return m_chart; }
    QLabel *statusLabel() const { return m_status; }

signals:
    void loaded(); // every listed run's stored points are in

private:
    struct Shown {
        qint64 id = 0;
        qint64 seq = 0;                 // the store's chunks up to here are drawn
        quint64 loadToken = 0;          // the load that brings this run's points (0: loaded)
        QList<core::MetricPoint> early; // live points that came while loading
    };
    void startLoad(const QList<RunRef> &runs);
    void adopt(quint64 token, QList<Loaded> &runs);
    void append(const QString &uid, Shown &shown, const QList<core::MetricPoint> &points);
    void updateStatus();

    LiveChart *m_chart = nullptr;
    QLabel *m_status = nullptr;
    QString m_databaseFile;
    core::RunServiceHost *m_service = nullptr;
    QHash<QString, Shown> m_shown;
    QStringList m_order;
    QString m_what;
    int m_total = 0;
    quint64 m_nextToken = 1;
    std::shared_ptr<std::atomic_bool> m_cancel;
    QThreadPool m_pool; // one loader thread: loads queue, and the GUI keeps the other core
};

} // namespace mldesk::ui
