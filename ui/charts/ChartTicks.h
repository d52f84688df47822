// ChartTicks: pure choices for chart axes - tick values on 1-2-5 steps (whole numbers for steps and epochs), the
// unit of a relative-time axis (s, min, h) and the date format of a wall-time axis - and a run's colour, the same
// in every chart of the process.
#pragma once

#include <QColor>
#include <QString>

namespace mldesk::ui {

struct AxisTicks {
    double first = 0;    // the first tick at or above the range's minimum
    double interval = 1; // 1, 2 or 5 times a power of ten
    int decimals = 0;    // digits after the point that tell the ticks apart
};

// Ticks for [min, max], at most maxTicks of them (at least 2); integer: the interval is a whole number (>= 1).
AxisTicks niceTicks(double min, double max, int maxTicks, bool integer);

struct TimeUnit {
    double seconds = 1; // one unit in seconds
    QString suffix;     // "s", "min", "h"
};
// The unit a relative-time axis spanning spanSeconds reads best in: seconds up to 2 minutes, minutes up to 2
// hours, hours beyond.
TimeUnit timeUnitFor(double spanSeconds);
// A QDateTime format for a wall-time axis spanning spanSeconds: seconds shown under 10 minutes, the day beyond one.
QString wallTimeFormatFor(double spanSeconds);

// The colour of a run: the next of a 10-colour palette on first use, then always the same in this process.
QColor colorForRun(const QString &runId);

} // namespace mldesk::ui
