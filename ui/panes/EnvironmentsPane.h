// EnvironmentsPane: the Environments page of the main window (conda specifications and curated environments).
// For now it shows how many the workspace holds; the full view comes with issue 7.
#pragma once

#include "ui/panes/Pane.h"

namespace mldesk::ui {

class EnvironmentsPane final : public Pane {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(EnvironmentsPane)

public:
    explicit EnvironmentsPane(QWidget *parent = nullptr);
    void setWorkspace(core::Workspace *workspace) override;
};

} // namespace mldesk::ui
