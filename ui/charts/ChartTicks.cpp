// ChartTicks: 1-2-5 tick intervals, time units and the process-wide run colours.
#include "ui/charts/ChartTicks.h"

#include <QHash>
#include <QList>
#include <QMutex>

#include <algorithm>
#include <cmath>

namespace mldesk::ui {

AxisTicks niceTicks(double min, double max, int maxTicks, bool integer)
{
    AxisTicks ticks;
    if (!std::isfinite(min) || !std::isfinite(max))
        return ticks;
    if (max < min)
        std::swap(min, max);
    if (max - min <= 0) { // a flat line: a range around it
        const double half = std::max(std::abs(max) * 0.25, 0.5);
        min -= half;
        max += half;
    }
    maxTicks = std::max(2, maxTicks);
    // The smallest 1-2-5 interval that puts at most maxTicks ticks inside [min, max].
    const double raw = (max - min) / maxTicks;
    double interval = 1;
    for (int exponent = int(std::floor(std::log10(raw))) - 1;; ++exponent) {
        bool found = false;
        for (const double m : {1.0, 2.0, 5.0}) {
            interval = m * std::pow(10.0, exponent);
            if (integer && interval < 1)
                continue;
            const double count = std::floor(max / interval + 1e-9) - std::ceil(min / interval - 1e-9) + 1;
            if (count <= maxTicks) {
                found = true;
                break;
            }
        }
        if (found)
            break;
    }
    if (integer)
        interval = std::round(interval);
    ticks.interval = interval;
    ticks.first = std::ceil(min / interval - 1e-9) * interval;
    if (ticks.first == 0)
        ticks.first = 0; // not -0
    ticks.decimals = interval >= 1 ? 0 : int(std::ceil(-std::log10(interval) - 1e-9));
    return ticks;
}

TimeUnit timeUnitFor(double spanSeconds)
{
    if (spanSeconds <= 120)
        return {1, QStringLiteral("s")};
    if (spanSeconds <= 2 * 3600)
        return {60, QStringLiteral("min")};
    return {3600, QStringLiteral("h")};
}

QString wallTimeFormatFor(double spanSeconds)
{
    if (spanSeconds <= 600)
        return QStringLiteral("HH:mm:ss");
    if (spanSeconds <= 24 * 3600)
        return QStringLiteral("HH:mm");
    return QStringLiteral("MMM d HH:mm");
}

QColor colorForRun(const QString &runId)
{
    // Distinct, readable on light and dark backgrounds (Tableau 10).
    static const QList<QColor> palette{QColor(0x4e79a7), QColor(0xf28e2b), QColor(0xe15759), QColor(0x76b7b2),
                                       QColor(0x59a14f), QColor(0xedc948), QColor(0xb07aa1), QColor(0xff9da7),
                                       QColor(0x9c755f), QColor(0xbab0ac)};
    static QMutex mutex;
    static QHash<QString, QColor> given;
    QMutexLocker lock(&mutex);
    auto it = given.constFind(runId);
    if (it != given.constEnd())
        return *it;
    const QColor color = palette[given.size() % palette.size()];
    given.insert(runId, color);
    return color;
}

} // namespace mldesk::ui
