// ComputePane: the Compute page; shows the workspace's count of compute targets or an honest empty state.
#include "ui/panes/ComputePane.h"

#include "core/workspace/Workspace.h"

namespace mldesk::ui {

ComputePane::ComputePane(QWidget *parent)
    : Pane(tr("Compute"),
           tr("Compute targets that run jobs: this machine (its GPU when there is one, else the CPU) or a Slurm "
              "cluster."),
           QStringLiteral("compute"), parent)
{
    setObjectName(QStringLiteral("computePane"));
    setWorkspace(nullptr);
}

void ComputePane::setWorkspace(core::Workspace *workspace)
{
    showCount(workspace, workspace ? workspace->counts().computeTargets : 0,
              tr("No compute targets defined in this workspace yet"), tr("compute target"), tr("compute targets"),
              tr("Compute targets and their status will be listed here."));
}

} // namespace mldesk::ui
