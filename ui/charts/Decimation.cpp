// Decimation: min/max per pixel column, and the smoothing applied before it.
#include "ui/charts/Decimation.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace mldesk::ui {

QList<QPointF> decimateMinMax(const double *xs, const double *ys, qsizetype n, int columns)
{
    QList<QPointF> out;
    if (n <= 0)
        return out;
    columns = std::max(columns, 1);
    if (n <= 2 * qsizetype(columns)) {
        out.reserve(n);
        for (qsizetype i = 0; i < n; ++i) {
            if (std::isfinite(ys[i]))
                out.append(QPointF(xs[i], ys[i]));
        }
        return out;
    }
    out.reserve(2 * columns);
    const double x0 = xs[0];
    const double span = xs[n - 1] - x0;
    const double scale = span > 0 ? columns / span : 0;
    auto columnOf = [&](double x) {
        return std::min<qsizetype>(qsizetype((x - x0) * scale), columns - 1);
    };
    constexpr double kMax = std::numeric_limits<double>::max();
    constexpr double kInf = std::numeric_limits<double>::infinity();
    qsizetype i = 0;
    while (i < n) {
        // The column's points are contiguous (xs is sorted): find its end by bisection, then one tight loop.
        const qsizetype column = columnOf(xs[i]);
        const qsizetype end =
            std::partition_point(xs + i, xs + n, [&](double x) { return columnOf(x) <= column; }) - xs;
        qsizetype lo = -1;
        qsizetype hi = -1;
        double loValue = kInf;
        double hiValue = -kInf;
        for (qsizetype j = i; j < end; ++j) {
            const double y = ys[j];
            // NaN fails every comparison; the bounds keep infinities out.
            if (y < loValue && y >= -kMax) {
                lo = j;
                loValue = y;
            }
            if (y > hiValue && y <= kMax) {
                hi = j;
                hiValue = y;
            }
        }
        i = std::max(end, i + 1);
        if (lo < 0)
            continue; // no finite value in this column (then hi < 0 too)
        const qsizetype first = std::min(lo, hi);
        const qsizetype second = std::max(lo, hi);
        out.append(QPointF(xs[first], ys[first]));
        if (second != first)
            out.append(QPointF(xs[second], ys[second]));
    }
    return out;
}

void smoothEma(const double *ys, qsizetype n, double smoothing, double *out)
{
    double last = 0;
    double weight = 0;
    for (qsizetype i = 0; i < n; ++i) {
        if (!std::isfinite(ys[i])) {
            out[i] = ys[i];
            continue;
        }
        last = last * smoothing + (1 - smoothing) * ys[i];
        weight = weight * smoothing + (1 - smoothing);
        out[i] = weight > 0 ? last / weight : ys[i];
    }
}

} // namespace mldesk::ui
