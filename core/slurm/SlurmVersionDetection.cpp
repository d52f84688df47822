// SlurmVersionDetection: OpenAPI paths -> served versions -> the version to use, remembered per cluster.
#include "core/slurm/SlurmVersionDetection.h"

#include "core/slurm/SlurmApi.h"

#include <QHash>
#include <QMutex>
#include <QRegularExpression>

#include <algorithm>

namespace mldesk::core {

namespace {

QMutex &cacheMutex()
{
    static QMutex m;
    return m;
}

QHash<QString, QString> &cache()
{
    static QHash<QString, QString> c;
    return c;
}

} // namespace

QStringList SlurmVersionDetection::versionsIn(const QJsonObject &openapi)
{
    static const QRegularExpression re(QStringLiteral("^/slurm/(v0\\.0\\.[0-9]+)/"));
    QStringList out;
    const QJsonObject paths = openapi.value(QStringLiteral("paths")).toObject();
    for (auto it = paths.begin(); it != paths.end(); ++it) {
        const QRegularExpressionMatch m = re.match(it.key());
        if (m.hasMatch() && !out.contains(m.captured(1)))
            out.append(m.captured(1));
    }
    std::sort(out.begin(), out.end(), [](const QString &a, const QString &b) {
        return SlurmApi::versionNumber(a) > SlurmApi::versionNumber(b);
    });
    return out;
}

QString SlurmVersionDetection::choose(const QStringList &served)
{
    for (const QString &known : SlurmApi::supportedVersions()) // newest first
        if (served.contains(known))
            return known;
    return {};
}

QString SlurmVersionDetection::noCommonVersion(const QString &server, const QStringList &served)
{
    const QString known = SlurmApi::supportedVersions().join(QStringLiteral(", "));
    if (served.isEmpty())
        return QStringLiteral(
                   "slurmrestd at %1 answers none of the REST API versions MLDesk knows (%2), and its "
                   "/openapi/v3 names none: is it a slurmrestd, and was it started with the openapi/slurmctld "
                   "plugin (Slurm 23.11+) or openapi/v0.0.38 (Slurm 22.05)?")
            .arg(server, known);
    return QStringLiteral("slurmrestd at %1 serves REST API %2; MLDesk knows %3. None is common: start slurmrestd "
                          "with a plugin that serves one of MLDesk's versions (Slurm 22.05 - 25.05), or use an MLDesk "
                          "that knows %4")
        .arg(server, served.join(QStringLiteral(", ")), known, served.first());
}

QString SlurmVersionDetection::remembered(const QString &key)
{
    QMutexLocker lock(&cacheMutex());
    return cache().value(key);
}

void SlurmVersionDetection::remember(const QString &key, const QString &version)
{
    QMutexLocker lock(&cacheMutex());
    cache().insert(key, version);
}

void SlurmVersionDetection::forget(const QString &key)
{
    QMutexLocker lock(&cacheMutex());
    cache().remove(key);
}

} // namespace mldesk::core
