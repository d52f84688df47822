// RunFiles: snapshot, capture and download of run files; see the header.
#include "core/runs/RunFiles.h"

#include "core/runs/IgnoreRules.h"
#include "core/store/BlobStore.h"
#include "core/workspace/WorkspaceError.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace mldesk::core {

void appendSystemLog(const QString &runDir, const QString &text)
{
    QFile log(runDir + u"/logs/mldesk_system.txt"_s);
    if (log.open(QIODevice::WriteOnly | QIODevice::Append))
        log.write((QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs) + u' ' + text + u'\n').toUtf8());
}

namespace {

void walk(const QString &root, const QString &relative, const IgnoreRules &rules, QList<RunFiles::SourceFile> &out)
{
    const QDir dir(relative.isEmpty() ? root : root + u'/' + relative);
    const QFileInfoList entries =
        dir.entryInfoList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot | QDir::System, QDir::Name);
    for (const QFileInfo &info : entries) {
        const QString rel = relative.isEmpty() ? info.fileName() : relative + u'/' + info.fileName();
        if (info.isDir()) {
            if (info.isSymLink() || rules.isIgnored(rel, true)) // symlinked folders could loop: never followed
                continue;
            walk(root, rel, rules, out);
        } else if (info.isFile() && !rules.isIgnored(rel, false)) {
            out.append({rel, info.absoluteFilePath(), info.size()});
        }
    }
}

QString megabytes(qint64 bytes)
{
    return QLocale::c().toString(double(bytes) / (1024.0 * 1024.0), 'f', 1) + u" MB"_s;
}

} // namespace

QList<RunFiles::SourceFile> RunFiles::collectSnapshot(const QString &sourceFolder, qint64 limitBytes)
{
    const QFileInfo info(sourceFolder);
    if (!info.isDir())
        throw WorkspaceError(u"source folder '%1' does not exist or is not a folder"_s.arg(sourceFolder));
    QList<SourceFile> files;
    // .git/ is never part of a snapshot; user rules come after, so they cannot un-ignore it by accident.
    IgnoreRules combined({u".git/"_s});
    const QStringList lines = [&] {
        QFile f(info.absoluteFilePath() + u"/.mldeskignore"_s);
        return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll()).split(u'\n') : QStringList();
    }();
    for (const QString &line : lines)
        combined.add(line);
    walk(info.absoluteFilePath(), QString(), combined, files);
    qint64 total = 0;
    for (const SourceFile &f : files)
        total += f.size;
    if (limitBytes > 0 && total > limitBytes) {
        QList<SourceFile> biggest = files;
        std::sort(biggest.begin(), biggest.end(), [](const auto &a, const auto &b) { return a.size > b.size; });
        QStringList names;
        for (int i = 0; i < std::min<qsizetype>(3, biggest.size()); ++i)
            names.append(u"%1 (%2)"_s.arg(biggest[i].relativePath, megabytes(biggest[i].size)));
        throw WorkspaceError(u"the source folder '%1' holds %2 to snapshot, over the limit of %3 (largest: %4); "
                             u"list data and large files in a .mldeskignore file there (gitignore syntax), put data "
                             u"into a dataset, or raise the snapshot limit"_s.arg(
                                 sourceFolder, megabytes(total), megabytes(limitBytes), names.join(u", "_s)));
    }
    return files;
}

QList<RunFileEntry> RunFiles::snapshot(BlobStore &blobs, const QString &sourceFolder, const QString &targetFolder,
                                       qint64 limitBytes)
{
    QList<RunFileEntry> manifest;
    for (const SourceFile &f : collectSnapshot(sourceFolder, limitBytes)) {
        const QString hash = blobs.putFile(f.absolutePath);
        const QString target = targetFolder + u'/' + f.relativePath;
        QDir().mkpath(QFileInfo(target).absolutePath());
        QFile::remove(target);
        if (!QFile::copy(blobs.pathFor(hash), target))
            throw WorkspaceError(
                u"cannot copy '%1' into the run's snapshot folder '%2'"_s.arg(f.absolutePath, targetFolder));
        QFile::setPermissions(target, QFile::permissions(f.absolutePath) | QFileDevice::WriteOwner);
        manifest.append({f.relativePath, hash, f.size});
    }
    return manifest;
}

QList<RunFileEntry> RunFiles::capture(BlobStore &blobs, const QString &folder, const QString &prefix)
{
    QList<SourceFile> files;
    if (QFileInfo(folder).isDir())
        walk(folder, QString(), IgnoreRules(), files);
    QList<RunFileEntry> manifest;
    for (const SourceFile &f : files)
        manifest.append({prefix + u'/' + f.relativePath, blobs.putFile(f.absolutePath), f.size});
    return manifest;
}

QString RunFiles::manifestJson(const QList<RunFileEntry> &files)
{
    QJsonArray array;
    for (const RunFileEntry &f : files)
        array.append(QJsonObject{{u"path"_s, f.path}, {u"hash"_s, f.hash}, {u"size"_s, double(f.size)}});
    return QString::fromUtf8(QJsonDocument(array).toJson(QJsonDocument::Compact));
}

int RunFiles::download(const BlobStore &blobs, const QList<RunFileEntry> &files, const QString &prefix,
                       const QString &toFolder)
{
    QString clean = prefix;
    while (clean.endsWith(u'/'))
        clean.chop(1);
    int count = 0;
    for (const RunFileEntry &f : files) {
        if (!clean.isEmpty() && f.path != clean && !f.path.startsWith(clean + u'/'))
            continue;
        if (!blobs.verify(f.hash))
            throw WorkspaceError(u"the stored copy of '%1' is missing or damaged (blob %2)"_s.arg(f.path, f.hash));
        const QString target = toFolder + u'/' + f.path;
        QDir().mkpath(QFileInfo(target).absolutePath());
        QFile::remove(target);
        if (!QFile::copy(blobs.pathFor(f.hash), target))
            throw WorkspaceError(u"cannot write '%1'; check that the folder is writable"_s.arg(target));
        QFile::setPermissions(target, QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ReadGroup |
                                          QFileDevice::ReadOther);
        ++count;
    }
    if (count == 0)
        throw WorkspaceError(u"the run has no files under '%1'; 'mldesk-cli run files ID' lists them"_s.arg(clean));
    return count;
}

} // namespace mldesk::core
