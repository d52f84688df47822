// MetricChunks: the metric series of runs in workspace.db, stored as chunks (up to kMaxPoints points of one metric
// per row: steps, values and times packed, with min/max/last for decimated reads), a latest-value table for the
// runs table, and a per-run sequence number every chunk gets in commit order - the watermark readers in any process
// follow, so each of them sees every point exactly once. Portable SQL through Database.
#pragma once

#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace mldesk::core {

class Database;

// Points of one metric, column by column.
struct MetricColumns {
    QString name;
    QList<qint64> steps;
    QList<double> values; // NaN: a non-numeric entry (its text is in texts)
    QList<qint64> times;  // logged at, ms since the epoch
    QStringList texts;    // empty when no point has a text; else one per point (an image's path)
    qint64 seq = 0;       // read by chunk: the chunk's sequence number in its run
    qsizetype size() const { return steps.size(); }
};

// The point of a metric with the highest step (the runs table's column), and how many points the metric has.
struct MetricLatest {
    QString name;
    qint64 step = 0;
    double value = 0; // NaN when that point is not a number
    qint64 timeMs = 0;
    qint64 count = 0;
};

// One pixel column of a decimated read: the steps it spans and the extremes of the values in it.
struct MetricBucket {
    qint64 firstStep = 0;
    qint64 lastStep = 0;
    double min = 0;
    double max = 0;
    qint64 count = 0;
};

class MetricChunks final {
public:
    static constexpr int kMaxPoints = 2048;
    // Each chunk also keeps the step range and min/max of every kBlockPoints points, so a decimated read of a long
    // series needs neither its points nor more than a kilobyte per chunk.
    static constexpr int kBlockPoints = 64;

    // Appends each series (split into chunks of at most kMaxPoints), advancing the run's sequence number and its
    // latest values. Call inside the caller's write transaction, so the chunks and whatever else says they were
    // read (a byte offset) commit together. Throws std::runtime_error with the driver's message.
    static void append(Database &db, qint64 runId, const QList<MetricColumns> &series);

    // The chunks committed after sequence number afterSeq, in sequence order (one MetricColumns per chunk).
    static QList<MetricColumns> chunksAfter(Database &db, qint64 runId, qint64 afterSeq, const QString &name = {});
    // One metric whole, in the order it was logged.
    static MetricColumns series(Database &db, qint64 runId, const QString &name);
    // At most `buckets` min/max columns over the metric's step range. Spikes survive: a chunk or block of points
    // inside one column gives it its stored min/max; a block spanning a column boundary gives its min/max to every
    // column it touches (so an extreme may also show in the neighbouring column); when columns are narrower than a
    // block, the points themselves are read.
    static QList<MetricBucket> minMax(Database &db, qint64 runId, const QString &name, int buckets);

    static QList<MetricLatest> latest(Database &db, qint64 runId); // by name
    // The step a point of name logged without one gets: one past the highest stored; nullopt when none is stored.
    static std::optional<qint64> nextStep(Database &db, qint64 runId, const QString &name);
    static qint64 lastSeq(Database &db, qint64 runId);
    static qint64 count(Database &db, qint64 runId);

    // Schema step 6: moves the one-row-per-point table run_metrics into chunks and drops it.
    static void migrateRows(Database &db);
};

} // namespace mldesk::core
