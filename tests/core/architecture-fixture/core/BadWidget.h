// Deliberate violation for ArchitectureCheckDetects: core/ includes a widget header.
#pragma once
#include <QWidget>
