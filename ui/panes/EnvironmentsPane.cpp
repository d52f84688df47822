// EnvironmentsPane: the Environments page; shows the workspace's count of environments or an honest empty state.
#include "ui/panes/EnvironmentsPane.h"

#include "core/workspace/Workspace.h"

namespace mldesk::ui {

EnvironmentsPane::EnvironmentsPane(QWidget *parent)
    : Pane(tr("Environments"),
           tr("Software environments runs execute in: conda specifications with their versions, the built-in native "
              "trainer and the system Python."),
           QStringLiteral("environments"), parent)
{
    setObjectName(QStringLiteral("environmentsPane"));
    setWorkspace(nullptr);
}

void EnvironmentsPane::setWorkspace(core::Workspace *workspace)
{
    showCount(workspace, workspace ? workspace->counts().environments : 0,
              tr("No environments defined in this workspace yet"), tr("environment"), tr("environments"),
              tr("Environments and their versions will be listed here."));
}

} // namespace mldesk::ui
