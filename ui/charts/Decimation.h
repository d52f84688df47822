// Decimation: min/max reduction of a long series to what a chart can show (CONVENTIONS 8). Per pixel column the
// lowest and the highest point are kept, in their original order, so spikes stay visible at any zoom.
#pragma once

#include <QList>
#include <QPointF>

namespace mldesk::ui {

// xs/ys hold n points ordered by x. Returns at most 2 * columns points (all n when n <= 2 * columns): for each of
// `columns` equal slices of [xs[0], xs[n-1]], its minimum and maximum y, in index order. Non-finite y are skipped.
QList<QPointF> decimateMinMax(const double *xs, const double *ys, qsizetype n, int columns);

// Exponential moving average with weight `smoothing` in [0, 1) on the previous value (0 = unchanged), debiased like
// TensorBoard's so the first points are not pulled towards 0.
void smoothEma(const double *ys, qsizetype n, double smoothing, double *out);

} // namespace mldesk::ui
