// RunColumnChooser: which of the Runs table's columns show - the header's context menu (hide this column; every
// column by group: Run, Hyperparameters, Metrics, Tags) and "Choose Columns..." (a dialog with a search box) -
// remembered per experiment through core::Settings. Defaults: the run's fields, hyperparameters and each metric's
// last value; min/max and per-tag columns on request.
#pragma once

#include <QHash>
#include <QMap>
#include <QObject>
#include <QPointer>

class QDialog;
class QMenu;
class QTableView;

namespace mldesk::ui {

class RunsTableModel;

class RunColumnChooser final : public QObject {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RunColumnChooser)

public:
    // table shows model (directly or through a proxy that keeps its columns).
    RunColumnChooser(QTableView *table, RunsTableModel *model, QObject *parent = nullptr);

    // The experiment whose column set applies (empty: all experiments); loads and applies it.
    void setExperiment(const QString &experiment);
    QString experiment() const { return m_experiment; }

    bool isShown(const QString &key) const;
    void setShown(const QString &key, bool shown); // applies and remembers for the experiment
    void resetToDefaults();
    static bool shownByDefault(const RunsTableModel &model, int column);

    QMenu *createMenu(int column, QWidget *parent); // the header's context menu (column -1: none under the mouse)
    QDialog *openDialog(QWidget *parent);           // non-modal, objectName "runColumnsDialog"

private:
    void apply();
    int defaultWidth(int column) const;

    QTableView *m_table;
    RunsTableModel *m_model;
    QString m_experiment;
    QMap<QString, bool> m_choices; // what the user chose for this experiment
    QHash<QString, int> m_widths;  // column key -> width the user gave it (this session)
    bool m_applying = false;
    QPointer<QDialog> m_dialog;
};

} // namespace mldesk::ui
