// SlurmApi: the version registry and the errors[] reader shared by all versions.
#include "core/slurm/SlurmApi.h"

#include "core/slurm/SlurmApiV0038.h"
#include "core/slurm/SlurmApiV0040.h"

#include <QJsonArray>
#include <QRegularExpression>

namespace mldesk::core {

QStringList SlurmApi::supportedVersions()
{
    return {QStringLiteral("v0.0.42"), QStringLiteral("v0.0.41"), QStringLiteral("v0.0.40"), QStringLiteral("v0.0.38")};
}

bool SlurmApi::isAuto(const QString &version)
{
    return version.isEmpty() || version == QLatin1String(kAuto);
}

int SlurmApi::versionNumber(const QString &version)
{
    static const QRegularExpression re(QStringLiteral("^v0\\.0\\.([0-9]+)$"));
    const QRegularExpressionMatch m = re.match(version);
    return m.hasMatch() ? m.captured(1).toInt() : -1;
}

std::unique_ptr<SlurmApi> SlurmApi::create(const QString &version, QString *error)
{
    if (version == QLatin1String("v0.0.38"))
        return std::make_unique<SlurmApiV0038>();
    // v0.0.40-42 differ in fields MLDesk does not use (v0.0.41 renamed some job fields MLDesk never reads).
    if (version == QLatin1String("v0.0.40") || version == QLatin1String("v0.0.41") ||
        version == QLatin1String("v0.0.42"))
        return std::make_unique<SlurmApiV0040>(version);
    if (error) {
        *error = QStringLiteral("Slurm REST API version '%1' is not supported; MLDesk knows %2 (set the target's "
                                "api version to auto, or to one the cluster's slurmrestd serves: see its /openapi/v3)")
                     .arg(version, supportedVersions().join(QStringLiteral(", ")));
    }
    return nullptr;
}

QString SlurmApi::jobsQuery(qint64 updateTime, qint64) const
{
    return QStringLiteral("update_time=%1").arg(std::max<qint64>(0, updateTime));
}

QList<SlurmApi::ErrorEntry> SlurmApi::parseErrors(const QJsonObject &root) const
{
    QList<ErrorEntry> out;
    const QJsonArray errors = root.value(QStringLiteral("errors")).toArray();
    for (const QJsonValue &value : errors) {
        const QJsonObject o = value.toObject();
        ErrorEntry e;
        // The same Slurm release spells the number three ways, depending on the code path that failed.
        for (const char *key : {"error_number", "error_code", "errno"}) {
            const QJsonValue n = o.value(QLatin1String(key));
            if (n.isDouble()) {
                e.number = n.toInt();
                break;
            }
        }
        e.text = o.value(QStringLiteral("error")).toString();
        e.description = o.value(QStringLiteral("description")).toString();
        e.source = o.value(QStringLiteral("source")).toString();
        if (e.text.isEmpty() && e.description.isEmpty() && e.number == 0)
            continue;
        out.append(e);
    }
    return out;
}

} // namespace mldesk::core
