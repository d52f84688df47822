// EndpointKeys: random keys and the mode-600 keys file; see the header.
#include "core/endpoints/EndpointKeys.h"

#include "core/workspace/WorkspaceError.h"

#include <QFile>
#include <QRandomGenerator>

#include <array>
#include <cstdio>

using namespace Qt::StringLiterals;

namespace mldesk::core {

QString EndpointKeys::generate()
{
    std::array<quint32, 8> words{};
    QRandomGenerator::system()->fillRange(words.data(), words.size());
    const QByteArray bytes(reinterpret_cast<const char *>(words.data()), qsizetype(sizeof words));
    return QString::fromLatin1(bytes.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
}

void EndpointKeys::write(const QString &endpointFolder, const EndpointKeyPair &keys)
{
    const QString target = fileIn(endpointFolder);
    const QString temp = target + u".tmp"_s;
    QFile::remove(temp);
    QFile file(temp);
    // Owner-only from the first byte: created with mode 600, then renamed over the old file.
    if (!file.open(QIODevice::WriteOnly | QIODevice::NewOnly, QFile::ReadOwner | QFile::WriteOwner))
        throw WorkspaceError(u"cannot write the endpoint's keys file %1: %2"_s.arg(temp, file.errorString()));
    const QByteArray text = keys.primary.toLatin1() + '\n' + keys.secondary.toLatin1() + '\n';
    const bool written = file.write(text) == text.size() && file.flush();
    file.close();
    if (!written || ::rename(QFile::encodeName(temp).constData(), QFile::encodeName(target).constData()) != 0) {
        QFile::remove(temp);
        throw WorkspaceError(u"cannot write the endpoint's keys file %1"_s.arg(target));
    }
}

EndpointKeyPair EndpointKeys::read(const QString &endpointFolder)
{
    QFile file(fileIn(endpointFolder));
    if (!file.open(QIODevice::ReadOnly))
        throw WorkspaceError(u"cannot read the endpoint's keys (%1): %2; regenerate them with mldesk-cli endpoint "
                             u"regenerate-key NAME primary"_s.arg(file.fileName(), file.errorString()));
    const QList<QByteArray> lines = file.readAll().split('\n');
    EndpointKeyPair keys;
    keys.primary = lines.size() > 0 ? QString::fromLatin1(lines[0].trimmed()) : QString();
    keys.secondary = lines.size() > 1 ? QString::fromLatin1(lines[1].trimmed()) : QString();
    return keys;
}

} // namespace mldesk::core
