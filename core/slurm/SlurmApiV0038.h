// SlurmApiV0038: slurmrestd's openapi/v0.0.38 (Slurm 22.05, Debian 12). Numbers are plain (null when unset),
// environment is an object, exit_code is the raw wait status, times are seconds since the epoch.
#pragma once

#include "core/slurm/SlurmApi.h"

namespace mldesk::core {

class SlurmApiV0038 : public SlurmApi {
public:
    QString version() const override { return QStringLiteral("v0.0.38"); }

    QByteArray submitBody(const SlurmJobSpec &spec) const override;

    bool parsePing(const QJsonObject &root, SlurmPing *out, QString *error) const override;
    bool parseNodes(const QJsonObject &root, QList<SlurmNode> *out, QString *error) const override;
    bool parsePartitions(const QJsonObject &root, QList<SlurmPartition> *out, QString *error) const override;
    bool parseSubmit(const QJsonObject &root, qint64 *jobId, QString *error) const override;
    bool parseJobs(const QJsonObject &root, QList<SlurmJob> *out, QString *error) const override;

protected:
    // The parts a later version changes, each overridable on its own. The parse* functions check the shape of the
    // answer and loop; these read one entry.
    virtual QJsonObject jobProperties(const SlurmJobSpec &spec) const;
    bool parseJob(const QJsonObject &job, SlurmJob *out, QString *error) const;
    virtual QString jobStateOf(const QJsonObject &job) const; // "COMPLETED"
    virtual int rawExitCodeOf(const QJsonObject &job) const;  // the wait status: 768 = exit 3
    virtual void readPing(const QJsonObject &ping, const QJsonObject &meta, SlurmPing *out) const;
    virtual void readNode(const QJsonObject &node, SlurmNode *out) const;                // all but the name
    virtual void readPartition(const QJsonObject &partition, SlurmPartition *out) const; // all but the name
    // A number field: plain in v0.0.38; null (unset) gives fallback.
    virtual qint64 number(const QJsonObject &object, const QString &key, qint64 fallback) const;
    QDateTime time(const QJsonObject &object, const QString &key) const; // invalid for 0 / unset
    static QStringList stringList(const QJsonValue &value);              // a list of strings, or one string
};

} // namespace mldesk::core
