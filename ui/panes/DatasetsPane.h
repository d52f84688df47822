// DatasetsPane: the Datasets page of the main window (files/URLs registered as versioned datasets).
// For now it shows how many the workspace holds; the full view comes with issue 7.
#pragma once

#include "ui/panes/Pane.h"

namespace mldesk::ui {

class DatasetsPane final : public Pane {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DatasetsPane)

public:
    explicit DatasetsPane(QWidget *parent = nullptr);
    void setWorkspace(core::Workspace *workspace) override;
};

} // namespace mldesk::ui
