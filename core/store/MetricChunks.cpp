// MetricChunks: chunked metric series, latest values and the per-run watermark; see the header.
#include "core/store/MetricChunks.h"

#include "core/store/Database.h"

#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSqlQuery>
#include <QtEndian>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

using namespace Qt::StringLiterals;

namespace mldesk::core {

namespace {

// Packed columns are the host's 8-byte values as they lie in memory; every machine MLDesk builds for is
// little-endian, which the blobs then are too.
static_assert(Q_BYTE_ORDER == Q_LITTLE_ENDIAN, "metric chunks are packed little-endian");

template <typename T> QByteArray pack(const QList<T> &column, qsizetype from, qsizetype n)
{
    return QByteArray(reinterpret_cast<const char *>(column.constData() + from), n * qsizetype(sizeof(T)));
}

template <typename T> void unpack(const QByteArray &bytes, qsizetype n, QList<T> &into)
{
    const qsizetype at = into.size();
    into.resize(at + n);
    std::memcpy(into.data() + at, bytes.constData(), std::min<qsizetype>(bytes.size(), n * qsizetype(sizeof(T))));
}

QVariant nullable(double v)
{
    return std::isfinite(v) ? QVariant(v) : QVariant();
}

const QString kColumns = u"seq, name, point_count, first_step, steps, value_data, times, texts"_s;

// Appends one row of kColumns to into.
void decode(const QSqlQuery &q, MetricColumns &into)
{
    into.seq = q.value(0).toLongLong();
    const qsizetype n = q.value(2).toLongLong();
    const qsizetype at = into.steps.size();
    if (q.value(4).isNull()) { // consecutive steps: only the first is stored
        into.steps.resize(at + n);
        const qint64 first = q.value(3).toLongLong();
        for (qsizetype i = 0; i < n; ++i)
            into.steps[at + i] = first + i;
    } else {
        unpack(q.value(4).toByteArray(), n, into.steps);
    }
    unpack(q.value(5).toByteArray(), n, into.values);
    unpack(q.value(6).toByteArray(), n, into.times);
    if (!q.value(7).isNull() || !into.texts.isEmpty()) {
        while (into.texts.size() < at)
            into.texts.append(QString());
        const QJsonArray texts = QJsonDocument::fromJson(q.value(7).toByteArray()).array();
        for (qsizetype i = 0; i < n; ++i)
            into.texts.append(i < texts.size() ? texts.at(i).toString() : QString());
    }
}

void updateLatest(Database &db, qint64 runId, const MetricColumns &s)
{
    qsizetype best = 0;
    for (qsizetype i = 1; i < s.size(); ++i)
        if (s.steps[i] >= s.steps[best])
            best = i;
    QSqlQuery old =
        db.exec(u"SELECT step, point_count FROM run_metric_latest WHERE run_id = ? AND name = ?"_s, {runId, s.name});
    if (!old.next()) {
        db.exec(u"INSERT INTO run_metric_latest (run_id, name, step, value, logged_at, point_count) "
                u"VALUES (?, ?, ?, ?, ?, ?)"_s,
                {runId, s.name, s.steps[best], nullable(s.values[best]), s.times[best], qint64(s.size())});
        return;
    }
    const qint64 count = old.value(1).toLongLong() + s.size();
    if (s.steps[best] >= old.value(0).toLongLong())
        db.exec(u"UPDATE run_metric_latest SET step = ?, value = ?, logged_at = ?, point_count = ? "
                u"WHERE run_id = ? AND name = ?"_s,
                {s.steps[best], nullable(s.values[best]), s.times[best], count, runId, s.name});
    else
        db.exec(u"UPDATE run_metric_latest SET point_count = ? WHERE run_id = ? AND name = ?"_s,
                {count, runId, s.name});
}

} // namespace

void MetricChunks::append(Database &db, qint64 runId, const QList<MetricColumns> &series)
{
    qint64 seq = -1;
    QSqlQuery insert; // prepared once per call: a batch may be hundreds of chunks
    for (const MetricColumns &s : series) {
        if (s.size() == 0)
            continue;
        if (seq < 0) {
            seq = lastSeq(db, runId);
            insert = db.prepare(u"INSERT INTO run_metric_chunks (run_id, seq, name, point_count, first_step, "
                                u"last_step, min_value, max_value, last_value, steps, value_data, times, texts, "
                                u"summary) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"_s);
        }
        for (qsizetype from = 0; from < s.size(); from += kMaxPoints) {
            const qsizetype n = std::min<qsizetype>(kMaxPoints, s.size() - from);
            qint64 lo = s.steps[from], hi = lo;
            bool consecutive = true;
            double min = std::numeric_limits<double>::infinity(), max = -min;
            bool anyText = false;
            for (qsizetype i = from; i < from + n; ++i) {
                const qint64 step = s.steps[i];
                lo = std::min(lo, step);
                hi = std::max(hi, step);
                consecutive = consecutive && step == s.steps[from] + (i - from);
                if (std::isfinite(s.values[i])) {
                    min = std::min(min, s.values[i]);
                    max = std::max(max, s.values[i]);
                }
                anyText = anyText || (!s.texts.isEmpty() && !s.texts[i].isEmpty());
            }
            // Per block of kBlockPoints: first step, last step (int64), min, max (float64; NaN when none is finite).
            QByteArray summary;
            summary.reserve((n + kBlockPoints - 1) / kBlockPoints * 32);
            for (qsizetype b = from; b < from + n; b += kBlockPoints) {
                qint64 blockLo = s.steps[b], blockHi = blockLo;
                double blockMin = std::numeric_limits<double>::quiet_NaN(), blockMax = blockMin;
                for (qsizetype i = b; i < std::min(from + n, b + kBlockPoints); ++i) {
                    blockLo = std::min(blockLo, s.steps[i]);
                    blockHi = std::max(blockHi, s.steps[i]);
                    if (std::isfinite(s.values[i])) {
                        blockMin = std::isnan(blockMin) ? s.values[i] : std::min(blockMin, s.values[i]);
                        blockMax = std::isnan(blockMax) ? s.values[i] : std::max(blockMax, s.values[i]);
                    }
                }
                summary.append(reinterpret_cast<const char *>(&blockLo), 8);
                summary.append(reinterpret_cast<const char *>(&blockHi), 8);
                summary.append(reinterpret_cast<const char *>(&blockMin), 8);
                summary.append(reinterpret_cast<const char *>(&blockMax), 8);
            }
            QVariant texts;
            if (anyText)
                texts = QString::fromUtf8(
                    QJsonDocument(QJsonArray::fromStringList(s.texts.mid(from, n))).toJson(QJsonDocument::Compact));
            db.run(insert,
                   {runId, ++seq, s.name, qint64(n), lo, hi, nullable(min), nullable(max),
                    nullable(s.values[from + n - 1]), consecutive ? QVariant() : QVariant(pack(s.steps, from, n)),
                    pack(s.values, from, n), pack(s.times, from, n), texts, summary});
        }
        updateLatest(db, runId, s);
    }
    if (seq >= 0)
        db.exec(u"UPDATE runs SET metric_seq = ? WHERE id = ?"_s, {seq, runId});
}

QList<MetricColumns> MetricChunks::chunksAfter(Database &db, qint64 runId, qint64 afterSeq, const QString &name)
{
    QString sql = u"SELECT "_s + kColumns + u" FROM run_metric_chunks WHERE run_id = ? AND seq > ?"_s;
    QVariantList bindings{runId, afterSeq};
    if (!name.isEmpty()) {
        sql += u" AND name = ?"_s;
        bindings.append(name);
    }
    QList<MetricColumns> chunks;
    QSqlQuery q = db.exec(sql + u" ORDER BY seq"_s, bindings);
    while (q.next()) {
        MetricColumns c;
        c.name = q.value(1).toString();
        decode(q, c);
        chunks.append(std::move(c));
    }
    return chunks;
}

MetricColumns MetricChunks::series(Database &db, qint64 runId, const QString &name)
{
    MetricColumns s;
    s.name = name;
    const qint64 total =
        db.scalar(u"SELECT point_count FROM run_metric_latest WHERE run_id = ? AND name = ?"_s, {runId, name})
            .toLongLong();
    s.steps.reserve(total);
    s.values.reserve(total);
    s.times.reserve(total);
    QSqlQuery q =
        db.exec(u"SELECT "_s + kColumns + u" FROM run_metric_chunks WHERE run_id = ? AND name = ? ORDER BY seq"_s,
                {runId, name});
    while (q.next())
        decode(q, s);
    if (!s.texts.isEmpty())
        while (s.texts.size() < s.steps.size())
            s.texts.append(QString());
    return s;
}

QList<MetricBucket> MetricChunks::minMax(Database &db, qint64 runId, const QString &name, int buckets)
{
    struct Meta {
        qint64 id, first, last, count;
        QVariant min, max;
        QByteArray summary;
    };
    QList<Meta> metas;
    QSqlQuery q = db.exec(u"SELECT id, first_step, last_step, point_count, min_value, max_value, summary "
                          u"FROM run_metric_chunks WHERE run_id = ? AND name = ? ORDER BY seq"_s,
                          {runId, name});
    qint64 lo = std::numeric_limits<qint64>::max(), hi = std::numeric_limits<qint64>::min(), total = 0;
    while (q.next()) {
        metas.append({q.value(0).toLongLong(), q.value(1).toLongLong(), q.value(2).toLongLong(),
                      q.value(3).toLongLong(), q.value(4), q.value(5), q.value(6).toByteArray()});
        lo = std::min(lo, metas.constLast().first);
        hi = std::max(hi, metas.constLast().last);
        total += metas.constLast().count;
    }
    if (metas.isEmpty() || buckets <= 0)
        return {};
    const double width = double(hi - lo + 1) / buckets;
    auto bucketOf = [&](qint64 step) {
        return std::min(buckets - 1, int(double(step - lo) / width));
    };
    QList<MetricBucket> out(buckets);
    auto add = [&](int b, qint64 first, qint64 last, double min, double max, qint64 n) {
        MetricBucket &o = out[b];
        if (o.count == 0) {
            o = {first, last, min, max, n};
            return;
        }
        o.firstStep = std::min(o.firstStep, first);
        o.lastStep = std::max(o.lastStep, last);
        o.min = std::min(o.min, min);
        o.max = std::max(o.max, max);
        o.count += n;
    };
    auto spread = [&](qint64 first, qint64 last, double min, double max, qint64 n) {
        const int from = bucketOf(first), to = bucketOf(last);
        for (int b = from; b <= to; ++b) // the columns it touches, each with the steps of it inside
            add(b, std::max(first, qint64(std::ceil(lo + b * width))),
                std::min(last, qint64(std::ceil(lo + (b + 1) * width)) - 1), min, max, from == to ? n : 1);
    };
    // Columns narrower than a block (a short series, a wide view): only the points themselves are exact enough.
    const bool blocksFit = double(total) / buckets >= kBlockPoints;
    for (const Meta &m : metas) {
        if (m.min.isNull())
            continue; // no numeric value in it
        if (bucketOf(m.first) == bucketOf(m.last)) {
            add(bucketOf(m.first), m.first, m.last, m.min.toDouble(), m.max.toDouble(), m.count);
            continue;
        }
        if (blocksFit && m.summary.size() % 32 == 0 && !m.summary.isEmpty()) {
            const char *p = m.summary.constData();
            for (qsizetype at = 0; at < m.summary.size(); at += 32) {
                qint64 first, last;
                double min, max;
                std::memcpy(&first, p + at, 8);
                std::memcpy(&last, p + at + 8, 8);
                std::memcpy(&min, p + at + 16, 8);
                std::memcpy(&max, p + at + 24, 8);
                if (!std::isnan(min))
                    spread(first, last, min, max, kBlockPoints);
            }
            continue;
        }
        QSqlQuery points = db.exec(u"SELECT "_s + kColumns + u" FROM run_metric_chunks WHERE id = ?"_s, {m.id});
        if (!points.next())
            continue;
        MetricColumns c;
        decode(points, c);
        for (qsizetype i = 0; i < c.size(); ++i)
            if (std::isfinite(c.values[i]))
                add(bucketOf(c.steps[i]), c.steps[i], c.steps[i], c.values[i], c.values[i], 1);
    }
    out.removeIf([](const MetricBucket &b) { return b.count == 0; });
    return out;
}

QList<MetricLatest> MetricChunks::latest(Database &db, qint64 runId)
{
    QList<MetricLatest> out;
    QSqlQuery q = db.exec(u"SELECT name, step, value, logged_at, point_count FROM run_metric_latest "
                          u"WHERE run_id = ? ORDER BY name"_s,
                          {runId});
    while (q.next())
        out.append({q.value(0).toString(), q.value(1).toLongLong(),
                    q.value(2).isNull() ? std::nan("") : q.value(2).toDouble(), q.value(3).toLongLong(),
                    q.value(4).toLongLong()});
    return out;
}

std::optional<qint64> MetricChunks::nextStep(Database &db, qint64 runId, const QString &name)
{
    const QVariant max =
        db.scalar(u"SELECT MAX(last_step) FROM run_metric_chunks WHERE run_id = ? AND name = ?"_s, {runId, name});
    if (!max.isValid() || max.isNull())
        return std::nullopt;
    return max.toLongLong() + 1;
}

qint64 MetricChunks::lastSeq(Database &db, qint64 runId)
{
    return db.scalar(u"SELECT metric_seq FROM runs WHERE id = ?"_s, {runId}).toLongLong();
}

qint64 MetricChunks::count(Database &db, qint64 runId)
{
    return db.scalar(u"SELECT SUM(point_count) FROM run_metric_latest WHERE run_id = ?"_s, {runId}).toLongLong();
}

void MetricChunks::migrateRows(Database &db)
{
    QSqlQuery q = db.exec(u"SELECT run_id, name, step, value, logged_at, text_value FROM run_metrics "
                          u"ORDER BY run_id, name, step, id"_s);
    qint64 run = -1;
    QList<MetricColumns> series;
    auto flush = [&] {
        if (run >= 0)
            append(db, run, series);
        series.clear();
    };
    while (q.next()) {
        const qint64 id = q.value(0).toLongLong();
        if (id != run) {
            flush();
            run = id;
        }
        const QString name = q.value(1).toString();
        if (series.isEmpty() || series.constLast().name != name)
            series.append(MetricColumns{name, {}, {}, {}, {}, 0});
        MetricColumns &s = series.last();
        s.steps.append(q.value(2).toLongLong());
        s.values.append(q.value(3).isNull() ? std::nan("") : q.value(3).toDouble());
        s.times.append(q.value(4).toLongLong());
        const QString text = q.value(5).toString();
        if (!text.isEmpty() || !s.texts.isEmpty()) { // texts: none, or one per point once any has one
            s.texts.resize(s.steps.size() - 1);
            s.texts.append(text);
        }
    }
    flush();
    q.finish();
    db.exec(u"DROP TABLE run_metrics"_s);
}

} // namespace mldesk::core
