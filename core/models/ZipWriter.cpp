// ZipWriter: local headers, data (stored or raw deflate), central directory, end record; see the header.
// Sizes and CRC are only known after the data, so each local header is patched in place once its entry is written.
#include "core/models/ZipWriter.h"

#include "core/workspace/WorkspaceError.h"

#include <QBuffer>
#include <QIODevice>
#include <QSet>

#include <limits>

#include <zlib.h>

using namespace Qt::StringLiterals;

namespace mldesk::core {

namespace {

constexpr qint64 kChunk = 1 << 20;
constexpr quint64 kMax32 = std::numeric_limits<quint32>::max();
constexpr quint16 kFlagUtf8 = 0x0800;
constexpr quint16 kVersionNeeded = 20; // 2.0: deflate, folders

void put16(QByteArray &out, quint16 v)
{
    out.append(char(v & 0xff));
    out.append(char((v >> 8) & 0xff));
}

void put32(QByteArray &out, quint32 v)
{
    put16(out, quint16(v & 0xffff));
    put16(out, quint16(v >> 16));
}

} // namespace

ZipWriter::ZipWriter(const QString &path, QDateTime modified) : m_path(path), m_file(path)
{
    const QDateTime t = modified.toLocalTime();
    const QDate d = t.date();
    const QTime tm = t.time();
    const int year = std::clamp(d.year(), 1980, 2107);
    m_dosDate = quint16(((year - 1980) << 9) | (d.month() << 5) | d.day());
    m_dosTime = quint16((tm.hour() << 11) | (tm.minute() << 5) | (tm.second() / 2));
    if (!m_file.open(QIODevice::WriteOnly))
        throw WorkspaceError(u"cannot write %1: %2"_s.arg(path, m_file.errorString()));
}

ZipWriter::~ZipWriter()
{
    if (!m_finished)
        m_file.cancelWriting();
}

quint32 ZipWriter::position() const
{
    return quint32(m_file.pos());
}

void ZipWriter::write(const QByteArray &bytes)
{
    if (m_file.write(bytes) != bytes.size())
        throw WorkspaceError(u"cannot write %1: %2"_s.arg(m_path, m_file.errorString()));
    if (quint64(m_file.pos()) >= kMax32)
        throw WorkspaceError(u"%1 would exceed 4 GiB, which this ZIP writer does not support (no ZIP64)"_s.arg(m_path));
}

void ZipWriter::writeLocalHeader(const Entry &e)
{
    QByteArray h;
    put32(h, 0x04034b50);
    put16(h, kVersionNeeded);
    put16(h, kFlagUtf8);
    put16(h, e.method);
    put16(h, m_dosTime);
    put16(h, m_dosDate);
    put32(h, e.crc);
    put32(h, e.compressedSize);
    put32(h, e.size);
    put16(h, quint16(e.name.size()));
    put16(h, 0); // extra field length
    h.append(e.name);
    write(h);
}

void ZipWriter::addDevice(const QString &name, QIODevice &source, Method method,
                          const std::function<void(const QByteArray &)> &onChunk)
{
    if (m_finished)
        throw std::logic_error("ZipWriter::addDevice after finish");
    if (name.isEmpty() || name.startsWith(u'/') || name.contains(u'\\') || name.split(u'/').contains(u".."_s))
        throw WorkspaceError(u"'%1' is not a valid name inside a ZIP archive"_s.arg(name));
    for (const Entry &e : m_entries) {
        if (e.name == name.toUtf8())
            throw WorkspaceError(u"the ZIP archive already has an entry '%1'"_s.arg(name));
    }
    Entry e;
    e.name = name.toUtf8();
    if (e.name.size() > 0xffff)
        throw WorkspaceError(u"the name '%1' is too long for a ZIP entry"_s.arg(name));
    e.method = method == Method::Deflated ? 8 : 0;
    e.offset = position();
    writeLocalHeader(e); // placeholders for CRC and sizes, patched below

    z_stream z{};
    if (method == Method::Deflated && deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -MAX_WBITS, 8,
                                                   Z_DEFAULT_STRATEGY) != Z_OK) // negative bits: raw deflate
        throw WorkspaceError(u"zlib could not start compressing '%1'"_s.arg(name));
    struct DeflateEnd {
        z_stream *z;
        bool active;
        ~DeflateEnd()
        {
            if (active)
                deflateEnd(z);
        }
    } guard{&z, method == Method::Deflated};

    uLong crc = crc32(0L, Z_NULL, 0);
    quint64 size = 0;
    quint64 compressed = 0;
    QByteArray outBuffer(int(kChunk), Qt::Uninitialized);
    auto deflateChunk = [&](const QByteArray &in, int flush) {
        z.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(in.constData()));
        z.avail_in = uInt(in.size());
        int rc = Z_OK;
        do {
            z.next_out = reinterpret_cast<Bytef *>(outBuffer.data());
            z.avail_out = uInt(outBuffer.size());
            rc = deflate(&z, flush);
            if (rc == Z_STREAM_ERROR)
                throw WorkspaceError(u"zlib failed while compressing '%1'"_s.arg(name));
            const qsizetype produced = outBuffer.size() - qsizetype(z.avail_out);
            write(outBuffer.left(produced));
            compressed += quint64(produced);
        } while (z.avail_out == 0 || (flush == Z_FINISH && rc != Z_STREAM_END));
    };
    QByteArray chunk;
    while (!(chunk = source.read(kChunk)).isEmpty()) {
        if (onChunk)
            onChunk(chunk);
        crc = crc32(crc, reinterpret_cast<const Bytef *>(chunk.constData()), uInt(chunk.size()));
        size += quint64(chunk.size());
        if (size >= kMax32)
            throw WorkspaceError(u"'%1' is 4 GiB or larger, which this ZIP writer does not support"_s.arg(name));
        if (method == Method::Deflated) {
            deflateChunk(chunk, Z_NO_FLUSH);
        } else {
            write(chunk);
            compressed += quint64(chunk.size());
        }
    }
    if (method == Method::Deflated)
        deflateChunk(QByteArray(), Z_FINISH);

    e.crc = quint32(crc);
    e.size = quint32(size);
    e.compressedSize = quint32(compressed);
    const qint64 end = m_file.pos();
    if (!m_file.seek(e.offset))
        throw WorkspaceError(u"cannot write %1: %2"_s.arg(m_path, m_file.errorString()));
    writeLocalHeader(e);
    if (!m_file.seek(end))
        throw WorkspaceError(u"cannot write %1: %2"_s.arg(m_path, m_file.errorString()));
    m_entries.append(e);
}

void ZipWriter::addBytes(const QString &name, const QByteArray &bytes, Method method)
{
    QByteArray copy = bytes;
    QBuffer buffer(&copy);
    buffer.open(QIODevice::ReadOnly);
    addDevice(name, buffer, method);
}

void ZipWriter::finish()
{
    if (m_finished)
        return;
    if (m_entries.size() > 0xffff)
        throw WorkspaceError(u"%1 would have more than 65535 entries (no ZIP64)"_s.arg(m_path));
    const quint32 directoryStart = position();
    QByteArray directory;
    for (const Entry &e : m_entries) {
        put32(directory, 0x02014b50);
        put16(directory, quint16((3 << 8) | kVersionNeeded)); // made by: Unix, so the mode below counts
        put16(directory, kVersionNeeded);
        put16(directory, kFlagUtf8);
        put16(directory, e.method);
        put16(directory, m_dosTime);
        put16(directory, m_dosDate);
        put32(directory, e.crc);
        put32(directory, e.compressedSize);
        put32(directory, e.size);
        put16(directory, quint16(e.name.size()));
        put16(directory, 0);                      // extra
        put16(directory, 0);                      // comment
        put16(directory, 0);                      // disk number start
        put16(directory, 0);                      // internal attributes
        put32(directory, quint32(0100644) << 16); // external: a regular file, rw-r--r--
        put32(directory, e.offset);
        directory.append(e.name);
    }
    write(directory);
    QByteArray end;
    put32(end, 0x06054b50);
    put16(end, 0);
    put16(end, 0);
    put16(end, quint16(m_entries.size()));
    put16(end, quint16(m_entries.size()));
    put32(end, quint32(directory.size()));
    put32(end, directoryStart);
    put16(end, 0); // comment length
    write(end);
    if (!m_file.commit())
        throw WorkspaceError(u"cannot write %1: %2"_s.arg(m_path, m_file.errorString()));
    m_finished = true;
}

} // namespace mldesk::core
