// RunOutputs: a run's Outputs tab - the captured files as a tree with sizes; "Download..." copies the selected
// file or folder out of the blob store into a chosen folder (verified, ManifestDownloadJob in the background) and
// "Register Model..." registers the selected folder of a Completed run as a new model version.
#pragma once

#include "core/models/ModelRegistry.h"
#include "core/runs/RunTypes.h"

#include <QWidget>

#include <functional>

class QPushButton;
class QTreeWidget;

namespace mldesk::core {
class Workspace;
}

namespace mldesk::ui {

class ActivityList;
class JobStatus;
class RegisterModelDialog;

class RunOutputs final : public QWidget {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RunOutputs)

public:
    using FolderChooser = std::function<QString(QWidget *parent, const QString &title)>;

    explicit RunOutputs(QWidget *parent = nullptr);

    // Without a workspace the tree is browse-only.
    void setWorkspace(core::Workspace *workspace);
    void setActivityList(ActivityList *activities);
    void setFolderChooser(FolderChooser chooser) { m_chooser = std::move(chooser); }
    void setRun(const core::RunRecord &run);

    // Selects the file or folder at path ("outputs/model"); false when it is not in the tree.
    bool select(const QString &path);
    QString selectedPath() const;
    void download();
    RegisterModelDialog *openRegisterModel();

    QTreeWidget *tree() const { return m_tree; }
    JobStatus *jobStatus() const { return m_job; }

signals:
    void modelRegistered(const mldesk::core::ModelVersion &version);

private:
    void updateButtons();

    core::Workspace *m_workspace = nullptr;
    core::RunRecord m_run;
    FolderChooser m_chooser;
    QTreeWidget *m_tree = nullptr;
    QPushButton *m_download = nullptr;
    QPushButton *m_register = nullptr;
    JobStatus *m_job = nullptr;
};

} // namespace mldesk::ui
