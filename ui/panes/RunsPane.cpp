// RunsPane: the Runs page; shows the workspace's count of runs or an honest empty state.
#include "ui/panes/RunsPane.h"

#include "core/workspace/Workspace.h"

namespace mldesk::ui {

RunsPane::RunsPane(QWidget *parent)
    : Pane(tr("Runs"), tr("Training runs grouped by experiment: their state, logs, metrics and outputs."),
           QStringLiteral("runs"), parent)
{
    setObjectName(QStringLiteral("runsPane"));
    setWorkspace(nullptr);
}

void RunsPane::setWorkspace(core::Workspace *workspace)
{
    if (!workspace) {
        showCount(nullptr, 0, {}, {}, {}, {});
        return;
    }
    const core::Workspace::Counts counts = workspace->counts();
    const QString hint = counts.experiments == 0
                             ? tr("Runs, their live logs and metric charts will be shown here.")
                             : (counts.experiments == 1 ? tr("1 experiment defined")
                                                        : tr("%1 experiments defined").arg(counts.experiments));
    showCount(workspace, counts.runs, tr("No runs in this workspace yet"), tr("run"), tr("runs"), hint);
}

} // namespace mldesk::ui
