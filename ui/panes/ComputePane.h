// ComputePane: the Compute page of the main window (local and Slurm compute targets).
// For now it shows how many the workspace holds; the full view comes with issue 7.
#pragma once

#include "ui/panes/Pane.h"

namespace mldesk::ui {

class ComputePane final : public Pane {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ComputePane)

public:
    explicit ComputePane(QWidget *parent = nullptr);
    void setWorkspace(core::Workspace *workspace) override;
};

} // namespace mldesk::ui
