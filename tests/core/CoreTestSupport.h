// Helpers shared by the core test binaries (header-only): file bytes, hashes and an "is root" check.
#pragma once

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QString>

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

} // namespace mldesk::test
