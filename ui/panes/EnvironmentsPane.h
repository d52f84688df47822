// EnvironmentsPane: the Environments page - environments with their kind and versions, the versions of the
// selected one, and the selected version's conda file (highlighted), docker image and variables.
// "Create Environment..." opens CreateEnvironmentDialog. What it shows is read off the GUI thread by a StoreReader
// of its own (issue 12).
#pragma once

#include "core/environments/EnvironmentRegistry.h"
#include "core/store/StoreReader.h"
#include "ui/panes/Pane.h"
#include "ui/panes/ReadSequence.h"

#include <memory>

class QLabel;
class QPlainTextEdit;
class QStackedWidget;
class QTableView;

namespace mldesk::ui {

class CreateEnvironmentDialog;
class TableModel;

class EnvironmentsPane final : public Pane {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(EnvironmentsPane)

public:
    explicit EnvironmentsPane(QWidget *parent = nullptr);
    ~EnvironmentsPane() override;
    void setWorkspace(core::Workspace *workspace) override;
    QString selectedForDeletion() const override;

    CreateEnvironmentDialog *openCreateDialog();
    // Selects the environment: at once when it is listed, else when the reload in flight lists it.
    void selectEnvironment(const QString &name);
    TableModel *environmentsModel() const { return m_environments; }
    TableModel *versionsModel() const { return m_versions; }

signals:
    void loaded();         // a reload's answer is shown
    void versionsLoaded(); // the versions (and the definition) of the current environment are shown

private:
    struct Listed; // what a reload read
    void reload();
    void showLoaded(quint64 sequence, Listed listed);
    void loadVersions(); // of the current environment; its versions carry their definitions
    void showVersions(quint64 sequence, const QString &name, QList<core::EnvironmentVersion> versions);
    void showDetails(); // of the current version, from the versions read (no read of its own)
    QString currentEnvironment() const;

    core::Workspace *m_workspace = nullptr;
    std::unique_ptr<core::StoreReader> m_reader;
    TableModel *m_environments = nullptr;
    TableModel *m_versions = nullptr;
    QTableView *m_environmentView = nullptr;
    QTableView *m_versionView = nullptr;
    QPlainTextEdit *m_spec = nullptr;
    QLabel *m_details = nullptr;
    QWidget *m_toolbar = nullptr;
    QStackedWidget *m_stack = nullptr;
    // An answer is shown only when no newer read of its kind has begun since.
    ReadSequence m_reloads; // answered: shown, or failed
    ReadSequence m_versionReads;
    QString m_versionsOf;                            // the environment whose versions are shown
    QList<core::EnvironmentVersion> m_shownVersions; // of m_versionsOf, newest first (the versions table's rows)
    QString m_wanted;                                // asked for (selectEnvironment, a creation) before it was listed
    bool m_selecting = false;                        // the pane itself moves the current row: no read from the slot
};

} // namespace mldesk::ui
