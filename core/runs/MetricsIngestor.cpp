// MetricsIngestor: metrics.jsonl -> run_metrics by byte offset; see the header.
#include "core/runs/MetricsIngestor.h"

#include "core/runs/MetricsBatch.h"
#include "core/runs/RunFiles.h"
#include "core/runs/RunStore.h"
#include "core/store/Database.h"
#include "core/store/MetricChunks.h"

#include <QDateTime>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSqlError>

#include <charconv>
#include <cmath>
#include <cstring>
#include <stdexcept>

using namespace Qt::StringLiterals;

namespace mldesk::core {

MetricsIngestor::MetricsIngestor(Database &db, qint64 runId, QString runDir)
    : m_db(db), m_runId(runId), m_runDir(std::move(runDir))
{
}

qint64 MetricsIngestor::storedOffset() const
{
    return m_db
        .scalar(u"SELECT byte_offset FROM run_log_offsets WHERE run_id = ? AND file_name = ?"_s, {m_runId, fileName()})
        .toLongLong();
}

QList<MetricPoint> MetricsIngestor::Batch::points() const
{
    QList<MetricPoint> out;
    out.reserve(count);
    for (const MetricColumns &c : series)
        for (qsizetype i = 0; i < c.size(); ++i)
            out.append(MetricPoint{c.name, c.steps[i], c.values[i], c.times[i], c.texts.value(i), 0});
    return out;
}

namespace {

// One metrics line, whichever parser read it.
struct Entry {
    enum class Kind { Missing, Number, String, Other };
    struct Field {
        Kind kind = Kind::Missing;
        double number = 0;
        QString text; // strings; for tags also a number's text
    };
    Field name, value, step, time, type, path;
};

// The tokens both flat-line parsers below read. Each moves p past what it read and returns false for anything
// else (the caller then hands the line to the next parser).
void skipSpace(const char *&p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r'))
        ++p;
}

// A string without escapes: `"text"`.
bool scanString(const char *&p, const char *end, QByteArrayView &text)
{
    if (p == end || *p++ != '"')
        return false;
    const char *start = p;
    while (p < end && *p != '"' && *p != '\\')
        ++p;
    if (p == end || *p != '"')
        return false;
    text = QByteArrayView(start, p - start);
    ++p;
    return true;
}

// `"key" :` and the space after it, up to the value.
bool scanKey(const char *&p, const char *end, QByteArrayView &key)
{
    skipSpace(p, end);
    if (!scanString(p, end, key))
        return false;
    skipSpace(p, end);
    if (p == end || *p++ != ':')
        return false;
    skipSpace(p, end);
    return p < end;
}

inline bool isNumberChar(char c)
{
    return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
}

// A JSON number (no leading '+'), read exactly by from_chars.
bool scanNumber(const char *&p, const char *end, double &out)
{
    const char *start = p;
    while (p < end && isNumberChar(*p))
        ++p;
    if (start == p || *start == '+')
        return false;
    const auto [ptr, ec] = std::from_chars(start, p, out);
    return ec == std::errc() && ptr == p;
}

// After a member: ',' (another follows) or '}' (the object ends).
enum class After { Next, Close, Bad };
After scanAfterMember(const char *&p, const char *end)
{
    skipSpace(p, end);
    if (p < end && (*p == ',' || *p == '}'))
        return *p++ == ',' ? After::Next : After::Close;
    return After::Bad;
}

// An object's opening brace, or its end after it (only space may follow the closing brace).
bool scanOpen(const char *&p, const char *end)
{
    skipSpace(p, end);
    return p < end && *p++ == '{';
}
bool atLineEnd(const char *&p, const char *end)
{
    skipSpace(p, end);
    return p == end;
}

// The flat objects jobs write ({"name":"Loss","step":3,"value":0.41,"time":...}) without building a JSON DOM:
// several times faster than QJsonDocument. False when the line needs the full parser (escapes, nesting, oddities).
bool parseFlat(QByteArrayView line, Entry &entry)
{
    const char *p = line.data();
    const char *end = p + line.size();
    if (!scanOpen(p, end))
        return false;
    skipSpace(p, end);
    if (p < end && *p == '}')
        return atLineEnd(++p, end);
    for (;;) {
        QByteArrayView key;
        if (!scanKey(p, end, key))
            return false;
        Entry::Field field;
        if (*p == '"') {
            QByteArrayView bytes;
            if (!scanString(p, end, bytes))
                return false;
            field.kind = Entry::Kind::String;
            // Lines repeat a few names: reuse the last string instead of converting (and allocating) again.
            static thread_local QByteArray lastBytes;
            static thread_local QString lastText;
            if (bytes != lastBytes) {
                lastBytes = bytes.toByteArray();
                lastText = QString::fromUtf8(bytes);
            }
            field.text = lastText;
        } else if (*p == '{' || *p == '[') {
            return false;
        } else if (*p == 't' || *p == 'f' || *p == 'n') {
            for (const char *literal : {"true", "false", "null"}) {
                const qsizetype n = qstrlen(literal);
                if (end - p >= n && qstrncmp(p, literal, n) == 0) {
                    field.kind = Entry::Kind::Other;
                    field.text = QString::fromLatin1(literal);
                    p += n;
                    break;
                }
            }
            if (field.kind == Entry::Kind::Missing)
                return false;
        } else {
            if (!scanNumber(p, end, field.number))
                return false;
            field.kind = Entry::Kind::Number;
        }
        if (key == "name")
            entry.name = std::move(field);
        else if (key == "value")
            entry.value = std::move(field);
        else if (key == "step")
            entry.step = std::move(field);
        else if (key == "time")
            entry.time = std::move(field);
        else if (key == "type")
            entry.type = std::move(field);
        else if (key == "path")
            entry.path = std::move(field);
        const After after = scanAfterMember(p, end);
        if (after == After::Bad)
            return false;
        if (after == After::Close)
            return atLineEnd(p, end);
    }
}

// The line every job writes, {"name":"Loss","step":3,"value":0.41,"time":1700000000.5} (keys in any order, step
// and time optional, step an integer or null): parsed without any allocation. False for anything else (escapes,
// other keys, a tag or an image, a value that is not a finite number...): the full parser decides, and warns.
struct FastLine {
    QByteArrayView name;
    double value = 0;
    qint64 step = -1; // none given
    double time = 0;
    bool hasValue = false;
    bool hasTime = false;
};

bool parseFast(QByteArrayView line, FastLine &f)
{
    const char *p = line.data();
    const char *end = p + line.size();
    if (!scanOpen(p, end))
        return false;
    for (;;) {
        QByteArrayView key;
        if (!scanKey(p, end, key))
            return false;
        if (key == "name") {
            if (!scanString(p, end, f.name))
                return false;
        } else if (key == "value") {
            if (!scanNumber(p, end, f.value) || !std::isfinite(f.value))
                return false;
            f.hasValue = true;
        } else if (key == "step") {
            if (end - p >= 4 && std::memcmp(p, "null", 4) == 0) {
                f.step = -1;
                p += 4;
            } else {
                const char *start = p;
                qint64 step = 0;
                while (p < end && *p >= '0' && *p <= '9' && p - start < 15) // < 9e15, as the full parser
                    step = step * 10 + (*p++ - '0');
                if (p == start || (p < end && isNumberChar(*p)))
                    return false; // a fraction, an exponent, a sign, 15 digits or more: the full parser
                f.step = step;
            }
        } else if (key == "time") {
            if (!scanNumber(p, end, f.time) || !std::isfinite(f.time))
                return false;
            f.hasTime = true;
        } else {
            return false;
        }
        const After after = scanAfterMember(p, end);
        if (after == After::Bad)
            return false;
        if (after == After::Close)
            break;
    }
    // A longer name may still be within 255 characters: the full parser counts them.
    return atLineEnd(p, end) && f.hasValue && !f.name.isEmpty() && f.name.size() <= 255;
}

Entry::Field fieldOf(const QJsonValue &v)
{
    Entry::Field f;
    if (v.isUndefined())
        return f;
    if (v.isDouble()) {
        f.kind = Entry::Kind::Number;
        f.number = v.toDouble();
        f.text = QString::number(f.number, 'g', 17);
    } else if (v.isString()) {
        f.kind = Entry::Kind::String;
        f.text = v.toString();
    } else {
        f.kind = Entry::Kind::Other;
        f.text = v.toVariant().toString();
    }
    return f;
}

} // namespace

bool MetricsIngestor::parseLine(QByteArrayView line, qint64 at, MetricPoint &point, QStringList &warnings)
{
    const QByteArrayView trimmed = line.trimmed();
    if (trimmed.isEmpty())
        return false;
    auto skip = [&](const QString &why) {
        warnings.append(u"metrics.jsonl line at byte %1 skipped: %2: %3"_s.arg(at).arg(
            why, QString::fromUtf8(trimmed.first(std::min<qsizetype>(120, trimmed.size())))));
        return false;
    };
    Entry e;
    if (!parseFlat(trimmed, e)) {
        QJsonParseError error;
        const QJsonDocument doc = QJsonDocument::fromJson(trimmed.toByteArray(), &error);
        if (!doc.isObject())
            return skip(error.error != QJsonParseError::NoError ? u"not JSON ("_s + error.errorString() + u')'
                                                                : u"not a JSON object"_s);
        const QJsonObject o = doc.object();
        e = Entry{fieldOf(o.value(u"name"_s)), fieldOf(o.value(u"value"_s)), fieldOf(o.value(u"step"_s)),
                  fieldOf(o.value(u"time"_s)), fieldOf(o.value(u"type"_s)),  fieldOf(o.value(u"path"_s))};
    }
    using Kind = Entry::Kind;
    if (e.name.kind != Kind::String || e.name.text.isEmpty() || e.name.text.size() > 255)
        return skip(u"'name' must be a non-empty string of at most 255 characters"_s);
    const QString &name = e.name.text;
    if (e.type.kind == Kind::String && e.type.text == u"tag"_s) {
        m_pendingTags.append(
            {name, e.value.kind == Kind::Number ? QString::number(e.value.number, 'g', 17) : e.value.text});
        return false;
    }
    point = MetricPoint{};
    point.name = name;
    if (e.type.kind == Kind::String && e.type.text == u"image"_s) {
        point.value = std::nan("");
        point.text = e.path.kind == Kind::String ? e.path.text : QString();
        if (point.text.isEmpty())
            return skip(u"an image entry needs a 'path'"_s);
    } else if (e.value.kind == Kind::Number && std::isfinite(e.value.number)) {
        point.value = e.value.number;
    } else {
        return skip(u"'value' is not a finite number"_s);
    }
    if (e.step.kind == Kind::Number && e.step.number >= 0 && e.step.number == std::floor(e.step.number) &&
        e.step.number < 9e15)
        point.step = qint64(e.step.number);
    else if (e.step.kind == Kind::Missing || (e.step.kind == Kind::Other && e.step.text == u"null"_s) ||
             (e.step.kind == Kind::Other && e.step.text.isEmpty()))
        point.step = -1; // decided by the caller, in the store
    else
        return skip(u"'step' must be a non-negative integer"_s);
    point.timeMs = e.time.kind == Kind::Number && std::isfinite(e.time.number)
                       ? qint64(std::llround(e.time.number * 1000.0))
                       : QDateTime::currentMSecsSinceEpoch();
    return true;
}

MetricsIngestor::Batch MetricsIngestor::ingest(bool final, qint64 chunkBytes)
{
    Batch batch;
    QStringList warnings;
    m_db.writeTransaction([&] {
        m_pendingTags.clear();
        MetricsBatch &points = m_points;
        points.clear();
        // A step-less line's step: one past the highest of its metric, in the store (another process may have
        // ingested since the last batch; asked once per metric and batch) and in this batch.
        QHash<int, qint64> storedNext;
        auto nextStep = [&](int series) {
            auto it = storedNext.find(series);
            if (it == storedNext.end())
                it = storedNext.insert(series, MetricChunks::nextStep(m_db, m_runId, points.name(series)).value_or(0));
            return std::max(it.value(), points.maxStep(series) + 1);
        };
        qint64 now = -1; // the time of lines without one: when they were read
        const qint64 offset = storedOffset();
        batch.offset = offset;
        QFile file(m_runDir + u'/' + fileName());
        if (!file.open(QIODevice::ReadOnly) || file.size() <= offset)
            return;
        file.seek(offset);
        const qint64 want = std::min(chunkBytes, file.size() - offset);
        if (m_buffer.size() < want || m_buffer.size() > 2 * want + (1 << 20))
            m_buffer.resize(want); // reused: no fresh pages for every batch
        const qint64 got = file.read(m_buffer.data(), want);
        if (got < 0)
            throw std::runtime_error("reading " + file.fileName().toStdString() +
                                     " failed: " + file.errorString().toStdString());
        const QByteArrayView chunk(m_buffer.constData(), got);
        batch.more = offset + chunk.size() < file.size();
        const char *const data = chunk.constData();
        qsizetype pos = 0;
        if (m_skippingLongLine) { // the rest of a line already reported as too long
            const qsizetype nl = chunk.indexOf('\n');
            if (nl < 0) {
                pos = chunk.size();
            } else {
                pos = nl + 1;
                m_skippingLongLine = false;
            }
        }
        while (pos < chunk.size()) {
            const void *found = std::memchr(data + pos, '\n', size_t(chunk.size() - pos));
            qsizetype nl = found ? static_cast<const char *>(found) - data : -1;
            if (nl < 0) {
                const qint64 rest = chunk.size() - pos;
                if (rest > kMaxLineBytes) {
                    warnings.append(u"metrics.jsonl line at byte %1 skipped: longer than %2 bytes"_s.arg(offset + pos)
                                        .arg(kMaxLineBytes));
                    ++batch.skipped;
                    m_skippingLongLine = true;
                    pos = chunk.size();
                    break;
                }
                if (!final || batch.more)
                    break; // half-written: wait for the rest
                nl = chunk.size();
            }
            const QByteArrayView line(data + pos, nl - pos);
            FastLine fast;
            if (line.size() > kMaxLineBytes) {
                warnings.append(u"metrics.jsonl line at byte %1 skipped: longer than %2 bytes"_s.arg(offset + pos)
                                    .arg(kMaxLineBytes));
                ++batch.skipped;
            } else if (parseFast(line, fast)) {
                const int series = points.seriesOf(fast.name);
                if (!fast.hasTime && now < 0)
                    now = QDateTime::currentMSecsSinceEpoch();
                points.append(series, fast.step >= 0 ? fast.step : nextStep(series), fast.value,
                              fast.hasTime ? qint64(std::llround(fast.time * 1000.0)) : now);
            } else {
                MetricPoint point;
                const int before = int(warnings.size());
                if (parseLine(line, offset + pos, point, warnings)) {
                    const int series = points.seriesOf(point.name);
                    if (point.step < 0)
                        point.step = nextStep(series);
                    points.append(series, point);
                } else if (warnings.size() > before) {
                    ++batch.skipped;
                }
            }
            pos = nl + 1;
        }
        const qint64 consumed = std::min<qint64>(pos, chunk.size());
        batch.count = points.count();
        batch.series = points.nonEmpty();
        if (m_sink)
            m_sink(m_db, m_runId, batch.series);
        else
            MetricChunks::append(m_db, m_runId, batch.series);
        for (const auto &[key, value] : m_pendingTags) {
            m_db.exec(u"DELETE FROM tags WHERE entity_kind = ? AND entity_id = ? AND tag_key = ?"_s,
                      {RunStore::tagEntityKind(), m_runId, key});
            m_db.exec(u"INSERT INTO tags (entity_kind, entity_id, tag_key, tag_value) VALUES (?, ?, ?, ?)"_s,
                      {RunStore::tagEntityKind(), m_runId, key, value});
        }
        batch.offset = offset + consumed;
        if (consumed > 0) {
            const qint64 at = QDateTime::currentMSecsSinceEpoch();
            if (m_db.exec(u"UPDATE run_log_offsets SET byte_offset = ?, updated_at = ? WHERE run_id = ? AND "
                          u"file_name = ?"_s,
                          {batch.offset, at, m_runId, fileName()})
                    .numRowsAffected() == 0)
                m_db.exec(u"INSERT INTO run_log_offsets (run_id, file_name, byte_offset, updated_at) "
                          u"VALUES (?, ?, ?, ?)"_s,
                          {m_runId, fileName(), batch.offset, at});
        }
    });
    for (const QString &warning : warnings)
        appendSystemLog(m_runDir, u"warning: "_s + warning);
    return batch;
}

} // namespace mldesk::core
