// RunsPane: the Runs page of the main window (runs of experiments).
// For now it shows how many the workspace holds; the full view comes with issue 7.
#pragma once

#include "ui/panes/Pane.h"

namespace mldesk::ui {

class RunsPane final : public Pane {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RunsPane)

public:
    explicit RunsPane(QWidget *parent = nullptr);
    void setWorkspace(core::Workspace *workspace) override;
};

} // namespace mldesk::ui
