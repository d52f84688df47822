// SlurmApiV0040: slurmrestd's openapi/slurmctld data parsers v0.0.40, v0.0.41 and v0.0.42 (Slurm 23.11 - 25.05).
// What differs from v0.0.38 is mostly shape: numbers that may be unset are {set, infinite, number}, job_state and
// node state are lists (a base state plus flags), exit_code is {status, return_code, signal}, the submitted
// environment is a list of "K=V" strings, GPUs are TRES ("gres/gpu:N") and partitions nest their limits.
// The three versions share this class; where one differs it says so at the field.
#pragma once

#include "core/slurm/SlurmApiV0038.h"

namespace mldesk::core {

class SlurmApiV0040 : public SlurmApiV0038 {
public:
    explicit SlurmApiV0040(QString version = QStringLiteral("v0.0.40")) : m_version(std::move(version)) {}
    QString version() const override { return m_version; }

    QString jobsQuery(qint64 updateTime, qint64 nowSecs) const override;
    QByteArray submitBody(const SlurmJobSpec &spec) const override;

    // {set, infinite, number} (or a plain number): its value; fallback when unset or infinite.
    static qint64 setNumber(const QJsonValue &value, qint64 fallback);
    // A job_state list as v0.0.38 spelled it: COMPLETING / CONFIGURING win over the base state, as in squeue.
    static QString jobState(const QJsonValue &value);
    // A structured exit_code as the raw wait status v0.0.38 reported (exit << 8 | signal).
    static int rawExitCode(const QJsonValue &value);

protected:
    QJsonObject jobProperties(const SlurmJobSpec &spec) const override;
    QString jobStateOf(const QJsonObject &job) const override;
    int rawExitCodeOf(const QJsonObject &job) const override;
    void readPing(const QJsonObject &ping, const QJsonObject &meta, SlurmPing *out) const override;
    void readNode(const QJsonObject &node, SlurmNode *out) const override;
    void readPartition(const QJsonObject &partition, SlurmPartition *out) const override;
    qint64 number(const QJsonObject &object, const QString &key, qint64 fallback) const override;

private:
    QString m_version;
};

} // namespace mldesk::core
