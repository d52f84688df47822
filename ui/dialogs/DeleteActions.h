// DeleteActions: Edit > Delete (Del) and File > Clean Up Workspace in the GUI - the same plans as mldesk-cli
// (core::WorkspaceDeleter, core::WorkspaceGc): one question listing what goes, or a box saying what refuses it;
// clean-up looks first (a dry run, on a worker thread), lists what it would free, and removes only when asked.
#pragma once

#include "core/workspace/WorkspaceDeleter.h"
#include "core/workspace/WorkspaceGc.h"

#include <QObject>
#include <QPointer>

#include <functional>

class QMessageBox;
class QWidget;

namespace mldesk::core {
class Workspace;
}

namespace mldesk::ui {

class DeleteActions final : public QObject {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DeleteActions)

public:
    using WorkspaceGetter = std::function<core::Workspace *()>;
    // window: the boxes' parent; workspace: the one open now (asked again when the user answers).
    DeleteActions(QWidget *window, WorkspaceGetter workspace);

    enum class Kind { Run, DatasetVersion, ModelVersion, EnvironmentVersion };
    // Plans each (run ids or NAME:VERSION), then asks once for all of them, or says why they cannot go.
    void confirmAndDelete(Kind kind, const QStringList &keys);
    void cleanUp();

signals:
    void deleted(const QStringList &what); // after a deletion: the panes reload
    void cleanedUp(const mldesk::core::GcResult &result);

private:
    QMessageBox *box(const QString &objectName, const QString &title, const QString &text, const QString &info);
    void collectInBackground(bool dryRun);
    void showCleanUpPreview(const core::GcResult &preview);

    QWidget *m_window;
    WorkspaceGetter m_workspace;
    bool m_collecting = false;
};

} // namespace mldesk::ui
