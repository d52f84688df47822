// RunsPane: the Runs page - every run in a filterable, sortable table (10,000 rows scroll smoothly) or, toggled,
// the Charts view of the selected (else filtered) runs overlaid live, "Submit Run..." (Ctrl+R), Clone, Compare (the
// Charts view of the selected runs) and Cancel; a double-click opens the run's details in
// a tab (several at once; Ctrl+W closes one). It owns the workspace's RunServiceHost: the live watcher of runs, on its
// own thread.
#pragma once

#include "core/models/ModelRegistry.h"
#include "core/runs/RunServiceHost.h"
#include "core/store/StoreReader.h"
#include "core/sweeps/SweepService.h"
#include "ui/models/RunsTableModel.h"
#include "ui/panes/Pane.h"

#include <QHash>
#include <QPointer>

#include <memory>
#include <optional>

class QComboBox;
class QLabel;
class QLineEdit;
class QStackedWidget;
class QToolButton;
class QTabWidget;
class QTableView;
class QTimer;

namespace mldesk::ui {

class RunColumnChooser;
class RunContextMenu;
class RunsChartsView;
class RunDetails;
class RunsFilterModel;
class SubmitRunDialog;
class SubmitSweepDialog;

class RunsPane final : public Pane {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RunsPane)

public:
    explicit RunsPane(QWidget *parent = nullptr);
    ~RunsPane() override;

    // Used for the next workspace's RunService (tests: a trainer path, scheduling off).
    void setServiceOptions(const core::RunServiceOptions &options) { m_options = options; }
    void setWorkspace(core::Workspace *workspace) override;
    void focusFind() override;

    core::RunServiceHost *service() const { return m_service.get(); }
    // Reads of the store for the pane's views, off the GUI thread (a run's details: its full record, its metrics;
    // a sweep's trials).
    core::StoreReader *reader() const { return m_reader.get(); }
    RunsTableModel *model() const { return m_model; }
    RunsFilterModel *filterModel() const { return m_filter; }
    QTableView *table() const { return m_table; }
    RunColumnChooser *columnChooser() const { return m_columns; }
    RunContextMenu *runMenu() const { return m_runMenu; } // the table's per-run menu (Set Priority...)

    SubmitRunDialog *openSubmitDialog();
    SubmitSweepDialog *openSubmitSweepDialog(); // issue 16
    SubmitRunDialog *cloneSelected();
    RunDetails *openDetails(const QString &uid);
    RunDetails *details(const QString &uid) const;
    RunsChartsView *compareSelected(); // the Charts view of the selected runs (two or more)
    RunsChartsView *chartsView() const { return m_charts; }
    void showCharts(bool charts); // the list page's Table | Charts toggle
    void closeCurrentTab();
    QStringList selectedUids() const;

signals:
    // Registered from a run's Outputs tab (the Models pane shows it).
    void modelRegistered(const mldesk::core::ModelVersion &version);
    // A reload's answer is shown (read off the GUI thread): the table holds what the store held then.
    void loaded();

private:
    struct Loaded; // what a reload read off the GUI thread
    void reload();
    void showLoaded(quint64 sequence, Loaded loaded);
    void showTable(RunsTableModel::Contents contents);
    void connectService();
    void runChanged(const core::RunRecord &run);
    void loadFullRecord(RunDetails *details); // read off the GUI thread, then shown
    void updateActivity(const core::RunRecord &run);
    void showMessage(const QString &text);
    QWidget *createListPage();
    void updateChartRuns(); // the selected rows, else the filtered ones, to the Charts view

    core::Workspace *m_workspace = nullptr;
    core::RunServiceOptions m_options;
    std::unique_ptr<core::RunServiceHost> m_service;
    std::unique_ptr<core::StoreReader> m_reader;
    std::unique_ptr<core::SweepService> m_sweeps; // issue 16
    RunsTableModel *m_model = nullptr;
    RunsFilterModel *m_filter = nullptr;
    QTableView *m_table = nullptr;
    QStackedWidget *m_pages = nullptr; // the table, the Charts view
    RunsChartsView *m_charts = nullptr;
    QToolButton *m_tableButton = nullptr;
    QToolButton *m_chartsButton = nullptr;
    QTimer *m_chartRunsTimer = nullptr; // coalesces selection and filter changes
    QTabWidget *m_tabs = nullptr;
    QComboBox *m_experimentFilter = nullptr;
    QComboBox *m_stateFilter = nullptr;
    QLineEdit *m_tagFilter = nullptr;
    QLineEdit *m_textFilter = nullptr;
    QLabel *m_textFilterError = nullptr; // what is wrong with the filter expression
    RunColumnChooser *m_columns = nullptr;
    RunContextMenu *m_runMenu = nullptr;
    QLabel *m_message = nullptr;
    QHash<QString, QPointer<RunDetails>> m_details;
    QHash<QString, int> m_activities; // uid -> activity id while the run is active
    quint64 m_reloadsStarted = 0;     // reloads begun, and the newest whose answer is shown
    quint64 m_reloadShown = 0;
    quint64 m_firstReloadOfWorkspace = 0; // answers of earlier reloads are another workspace's
    // The service's records and points since a reload in flight began: its answer may have been read before them,
    // so they are applied again over it (each tagged with the reloads begun when it came).
    struct LiveChange {
        quint64 reloadsStarted = 0;
        std::optional<core::RunRecord> run;
        QString uid;
        QList<core::MetricPoint> points;
    };
    QList<LiveChange> m_liveChanges;
};

} // namespace mldesk::ui
