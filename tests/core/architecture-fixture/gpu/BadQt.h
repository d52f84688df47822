// Deliberate violation for ArchitectureCheckDetects: gpu/ includes a Qt header.
#pragma once
#include <QString>
