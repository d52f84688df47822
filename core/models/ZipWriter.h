// ZipWriter: writes a plain ZIP archive (PKWARE APPNOTE 6.3, no ZIP64) - entries stored or raw-deflated with zlib,
// CRC-32 from zlib, UTF-8 names. The archive is written under a temporary name and appears only on finish().
#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QSaveFile>
#include <QString>

#include <atomic>
#include <functional>

class QIODevice;

namespace mldesk::core {

class ZipWriter final {
public:
    enum class Method { Stored, Deflated };

    // Opens a temporary file next to path. Throws WorkspaceError when it cannot be written.
    explicit ZipWriter(const QString &path, QDateTime modified = QDateTime::currentDateTimeUtc());
    ~ZipWriter(); // without finish(), nothing appears at path
    ZipWriter(const ZipWriter &) = delete;
    ZipWriter &operator=(const ZipWriter &) = delete;

    // Streams source (to its end) into a new entry. onChunk sees every chunk read (e.g. to hash or report progress)
    // and may throw to abort. Throws WorkspaceError for a bad name, a file over 4 GiB or a write error.
    void addDevice(const QString &name, QIODevice &source, Method method = Method::Deflated,
                   const std::function<void(const QByteArray &chunk)> &onChunk = {});
    void addBytes(const QString &name, const QByteArray &bytes, Method method = Method::Deflated);
    // Writes the central directory and renames the file into place.
    void finish();

private:
    struct Entry {
        QByteArray name;
        quint16 method = 0;
        quint32 crc = 0;
        quint32 compressedSize = 0;
        quint32 size = 0;
        quint32 offset = 0;
    };
    void writeLocalHeader(const Entry &entry);
    void write(const QByteArray &bytes);
    quint32 position() const;

    QString m_path;
    QSaveFile m_file;
    quint16 m_dosTime = 0;
    quint16 m_dosDate = 0;
    QList<Entry> m_entries;
    bool m_finished = false;
};

} // namespace mldesk::core
