// DatasetsPane: the Datasets page; shows the workspace's count of datasets or an honest empty state.
#include "ui/panes/DatasetsPane.h"

#include "core/workspace/Workspace.h"

namespace mldesk::ui {

DatasetsPane::DatasetsPane(QWidget *parent)
    : Pane(tr("Datasets"),
           tr("Versioned sets of files, from local paths or http(s) URLs, that runs read or mount. Registering changed "
              "content makes a new version."),
           QStringLiteral("datasets"), parent)
{
    setObjectName(QStringLiteral("datasetsPane"));
    setWorkspace(nullptr);
}

void DatasetsPane::setWorkspace(core::Workspace *workspace)
{
    showCount(workspace, workspace ? workspace->counts().datasets : 0,
              tr("No datasets registered in this workspace yet"), tr("dataset"), tr("datasets"),
              tr("Registered datasets and their versions will be listed here."));
}

} // namespace mldesk::ui
