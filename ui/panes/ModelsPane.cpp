// ModelsPane: the Models page; shows the workspace's count of models or an honest empty state.
#include "ui/panes/ModelsPane.h"

#include "core/workspace/Workspace.h"

namespace mldesk::ui {

ModelsPane::ModelsPane(QWidget *parent)
    : Pane(tr("Models"),
           tr("Registered models with their versions, files and lineage back to the run and datasets that produced "
              "them."),
           QStringLiteral("models"), parent)
{
    setObjectName(QStringLiteral("modelsPane"));
    setWorkspace(nullptr);
}

void ModelsPane::setWorkspace(core::Workspace *workspace)
{
    showCount(workspace, workspace ? workspace->counts().models : 0, tr("No models registered in this workspace yet"),
              tr("model"), tr("models"), tr("Registered models and their versions will be listed here."));
}

} // namespace mldesk::ui
