// ModelsPane: the Models page of the main window (registered models).
// For now it shows how many the workspace holds; the full view comes with issue 7.
#pragma once

#include "ui/panes/Pane.h"

namespace mldesk::ui {

class ModelsPane final : public Pane {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ModelsPane)

public:
    explicit ModelsPane(QWidget *parent = nullptr);
    void setWorkspace(core::Workspace *workspace) override;
};

} // namespace mldesk::ui
