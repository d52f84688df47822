// Theme: the application's palette - "system" (whatever the platform theme gives, e.g. QT_QPA_PLATFORMTHEME=gtk3
// with a dark GTK theme), "light" or "dark" (Fusion with a dark palette, as VS Code or PyCharm offer it). Chosen
// by View > Theme (remembered in core::Settings) or `mldesk --theme NAME` for one start. Widgets and charts read
// palette roles, never fixed colours, so both themes stay readable.
#pragma once

#include <QPalette>
#include <QString>
#include <QStringList>

class QChart;
class QChartView;

namespace mldesk::ui::Theme {

QStringList names(); // system, light, dark
// Applies it to the whole application (windows already open follow). Unknown names mean "system".
void apply(const QString &name);
QString current();
bool isDark(const QPalette &palette);
QPalette darkPalette();
// A chart in the view's palette (a chart theme's white background and black text are unreadable on dark): the
// background, title, legend, and every axis's labels, titles and grid. Call after its axes are added.
void styleChart(QChartView *view);

} // namespace mldesk::ui::Theme
