// SlurmApi: one slurmrestd OpenAPI version - its paths, the JSON it wants on submit and how its answers map to the
// Slurm value types. v0.0.38 (Slurm 22.05) and v0.0.40-v0.0.42 (Slurm 23.11-25.05, SlurmApiV0040) are registered in
// create(); a target's version "auto" is resolved per cluster by SlurmVersionDetection.
#pragma once

#include "core/slurm/SlurmTypes.h"

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

#include <memory>

namespace mldesk::core {

class SlurmApi {
public:
    virtual ~SlurmApi() = default;

    virtual QString version() const = 0; // "v0.0.38"

    // Paths below the server root, e.g. "/slurm/v0.0.38/ping".
    QString pingPath() const { return base() + QStringLiteral("/ping"); }
    QString nodesPath() const { return base() + QStringLiteral("/nodes"); }
    QString partitionsPath() const { return base() + QStringLiteral("/partitions"); }
    QString submitPath() const { return base() + QStringLiteral("/job/submit"); }
    QString jobPath(qint64 id) const { return base() + QStringLiteral("/job/%1").arg(id); }
    QString jobsPath() const { return base() + QStringLiteral("/jobs"); }

    // The query of jobs changed since updateTime (seconds since the epoch; <= 0: all jobs). nowSecs: this clock.
    virtual QString jobsQuery(qint64 updateTime, qint64 nowSecs) const;

    // The POST body for job/submit.
    virtual QByteArray submitBody(const SlurmJobSpec &spec) const = 0;

    // Each parser returns false with *error set ("nodes[0].cpus: expected a number") when the shape is wrong.
    virtual bool parsePing(const QJsonObject &root, SlurmPing *out, QString *error) const = 0;
    virtual bool parseNodes(const QJsonObject &root, QList<SlurmNode> *out, QString *error) const = 0;
    virtual bool parsePartitions(const QJsonObject &root, QList<SlurmPartition> *out, QString *error) const = 0;
    virtual bool parseSubmit(const QJsonObject &root, qint64 *jobId, QString *error) const = 0;
    virtual bool parseJobs(const QJsonObject &root, QList<SlurmJob> *out, QString *error) const = 0;

    struct ErrorEntry {
        int number = 0;      // 0 when the entry has none
        QString text;        // "Invalid job id specified"
        QString description; // "Unable to find JobId=7"
        QString source;      // "slurm_load_job"
    };
    // The errors[] of any answer (entries use error_number, error_code or errno, depending on the endpoint).
    virtual QList<ErrorEntry> parseErrors(const QJsonObject &root) const;

    static constexpr const char *kAuto = "auto";
    static QStringList supportedVersions();           // newest first
    static bool isAuto(const QString &version);       // "auto" or empty
    static int versionNumber(const QString &version); // 42 for "v0.0.42"; -1 when not of that form
    // nullptr with *error naming the supported versions when version is not one of them.
    static std::unique_ptr<SlurmApi> create(const QString &version, QString *error = nullptr);

protected:
    QString base() const { return QStringLiteral("/slurm/") + version(); }
};

} // namespace mldesk::core
