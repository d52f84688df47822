// Helpers shared by the core test binaries (header-only): file bytes, hashes and an "is root" check.
#pragma once

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QString>

#include <sys/time.h>
#include <unistd.h>

namespace mldesk::test {

inline QByteArray readAll(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

inline bool writeAll(const QString &path, const QByteArray &bytes)
{
    QFile f(path);
    return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(bytes) == bytes.size();
}

inline QByteArray sha256(const QByteArray &bytes)
{
    return QCryptographicHash::hash(bytes, QCryptographicHash::Sha256);
}

// Permission bits do not stop root; tests of unwritable folders by chmod skip then.
inline bool runningAsRoot()
{
    return ::geteuid() == 0;
}

// File names in folder and below, relative, sorted (to show "nothing changed / nothing visible").
inline QStringList listFiles(const QString &folder)
{
    QStringList result;
    QDir dir(folder);
    const auto entries = dir.entryInfoList(QDir::Files | QDir::Dirs | QDir::NoDotAndDotDot | QDir::Hidden);
    for (const QFileInfo &info : entries) {
        if (info.isDir()) {
            for (const QString &sub : listFiles(info.absoluteFilePath()))
                result.append(info.fileName() + u'/' + sub);
        } else {
            result.append(info.fileName());
        }
    }
    result.sort();
    return result;
}

// Sets path's modification time `seconds` into the past (blobs are read-only, so not through QFile).
inline bool agePath(const QString &path, int seconds)
{
    timeval times[2];
    gettimeofday(&times[0], nullptr);
    times[0].tv_sec -= seconds;
    times[1] = times[0];
    return utimes(QFile::encodeName(path).constData(), times) == 0;
}

} // namespace mldesk::test
