// Resources: makes sure the compiled-in icons (resources/mldesk.qrc) are registered, and names them in one place.
#pragma once

#include <QIcon>
#include <QString>

namespace mldesk::ui {

// Registers the :/icons resources; idempotent. Called by MainWindow, WorkspacePicker and main().
void initResources();

// The icon at :/icons/<name>.svg (e.g. "datasets"); initResources() first.
QIcon icon(const QString &name);

} // namespace mldesk::ui
