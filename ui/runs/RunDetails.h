// RunDetails: one run in a tab of the Runs pane - its note (a warning above the tabs, while the backend has one),
// Overview (state and its history, configuration, datasets, environment, compute, exit code, error), Metrics
// (LiveChart, live while it runs), Logs (LogView tailing logs/std_log.txt), Outputs (captured files: download,
// register model), Snapshot (source files, read-only) and Images (logged images). Cancel while the run is active.
#pragma once

#include "core/runs/RunTypes.h"
#include "core/store/MetricChunks.h"

#include <QWidget>

class QLabel;
class QPushButton;
class QTabWidget;
class QTextBrowser;

namespace mldesk::core {
class Workspace;
struct ModelVersion;
} // namespace mldesk::core

namespace mldesk::ui {

class LiveChart;
class LogView;
class RunImages;
class RunOutputs;
class RunSnapshot;

class RunDetails final : public QWidget {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RunDetails)

public:
    explicit RunDetails(const core::RunRecord &run, QWidget *parent = nullptr);

    // Enables the Outputs tab's Download and Register Model (null: browse only).
    void setWorkspace(core::Workspace *workspace);

    QString uid() const { return m_run.uid; }
    const core::RunRecord &run() const { return m_run; }
    // The full record (with history) changed: refresh Overview, Outputs and the Cancel button.
    void setRun(const core::RunRecord &run);
    void addMetrics(const QList<core::MetricPoint> &points);
    // The run's stored metrics are being read off the GUI thread (the Runs pane): live points wait until
    // loadMetrics has drawn what was stored, so none is skipped for a newer chunk that came first.
    void beginLoadingMetrics() { m_loading = true; }
    // The store's chunks of the run (seq order); added a few at a time per event, then the waiting live points.
    void loadMetrics(QList<core::MetricColumns> chunks);
    bool isLoadingMetrics() const { return m_loading; }
    void logAppended(const QString &text); // a nudge: the view reads the file

    LiveChart *chart() const { return m_chart; }
    LogView *logView() const { return m_log; }
    QTabWidget *tabs() const { return m_tabs; }
    RunOutputs *outputs() const { return m_outputs; }
    RunSnapshot *snapshot() const { return m_snapshot; }
    RunImages *images() const { return m_images; }
    QLabel *noteLabel() const { return m_note; } // hidden while the run has no note

    static QString title(const core::RunRecord &run);

signals:
    void cancelRequested(const QString &uid);
    void modelRegistered(const mldesk::core::ModelVersion &version);

private:
    void showOverview();
    void addChunk(const core::MetricColumns &chunk);
    void continueLoading();

    core::RunRecord m_run;
    qint64 m_metricSeq = 0; // the store's metric chunks up to here are shown
    bool m_loading = false;
    QList<core::MetricColumns> m_toLoad;      // read from the store, not yet added
    QList<core::MetricPoint> m_waitingPoints; // live points that came while loading
    QTabWidget *m_tabs = nullptr;
    QLabel *m_header = nullptr;
    QLabel *m_note = nullptr;
    QPushButton *m_cancel = nullptr;
    QTextBrowser *m_overview = nullptr;
    LiveChart *m_chart = nullptr;
    LogView *m_log = nullptr;
    RunOutputs *m_outputs = nullptr;
    RunSnapshot *m_snapshot = nullptr;
    RunImages *m_images = nullptr;
};

} // namespace mldesk::ui
