// MetricsIngestor: reads a run's metrics.jsonl from the byte offset stored in run_log_offsets and writes the new
// points as metric chunks in one transaction together with the new offset - idempotent, resumable after a restart,
// and safe when several MLDesk processes ingest the same run (whoever reads a line stores it, once; readers follow
// the store, not the ingestor). A line without a step gets one past the highest step stored, decided inside that
// transaction. A half-written last line waits for the next read; a malformed, non-numeric or huge line is skipped
// with a warning in logs/mldesk_system.txt.
#pragma once

#include "core/runs/MetricsBatch.h"
#include "core/runs/RunTypes.h"
#include "core/store/MetricChunks.h"

#include <QByteArrayView>
#include <QHash>
#include <QString>

#include <functional>

namespace mldesk::core {

class Database;

class MetricsIngestor final {
public:
    static constexpr qint64 kMaxLineBytes = 64 * 1024;
    static constexpr qint64 kDefaultChunkBytes = 8 * 1024 * 1024;
    static QString fileName() { return QStringLiteral("metrics.jsonl"); }

    MetricsIngestor(Database &db, qint64 runId, QString runDir);

    struct Batch {
        QList<MetricColumns> series; // what was stored: one per metric, each in the order it was logged
        qsizetype count = 0;         // points in series
        int skipped = 0;
        bool more = false;                 // stopped at chunkBytes: call again
        qint64 offset = 0;                 // after this batch
        QList<MetricPoint> points() const; // series flattened, metric after metric (tests)
    };
    // final: the job has ended, so a last line without '\n' is complete.
    Batch ingest(bool final = false, qint64 chunkBytes = kDefaultChunkBytes);
    qint64 storedOffset() const;

    // Bench seam: how a batch is stored inside the transaction (default: MetricChunks::append).
    using Sink = std::function<void(Database &db, qint64 runId, const QList<MetricColumns> &series)>;
    void setSink(Sink sink) { m_sink = std::move(sink); }

private:
    // The full parser (escapes, tags, images, odd values): false when the line is skipped or is a tag. A point
    // without a step comes back with step -1.
    bool parseLine(QByteArrayView line, qint64 at, MetricPoint &point, QStringList &warnings);

    Database &m_db;
    qint64 m_runId;
    QString m_runDir;
    bool m_skippingLongLine = false;
    QList<QPair<QString, QString>> m_pendingTags;
    MetricsBatch m_points; // kept between batches with its memory (see MetricsBatch::clear)
    QByteArray m_buffer;   // the bytes read, likewise
    Sink m_sink;
};

} // namespace mldesk::core
