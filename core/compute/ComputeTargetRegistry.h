// ComputeTargetRegistry: the compute targets of a workspace (compute_targets table) - 'local', always present,
// and Slurm clusters - with create (validated), list, find and delete (refused while runs use the target).
#pragma once

#include "core/compute/SlurmTargetConfig.h"

#include <QDateTime>
#include <QList>
#include <QString>

#include <optional>

namespace mldesk::core {

class Database;

struct ComputeTarget {
    enum class Kind { Local, Slurm };
    qint64 id = 0;
    QString name;
    Kind kind = Kind::Local;
    SlurmTargetConfig slurm; // for Kind::Slurm
    QDateTime created;       // UTC

    static QString kindName(Kind kind)
    {
        return kind == Kind::Local ? QStringLiteral("local") : QStringLiteral("slurm");
    }
};

class ComputeTargetRegistry final {
public:
    static QString localName() { return QStringLiteral("local"); }

    // Makes sure the built-in 'local' target exists (idempotent, safe with several processes).
    explicit ComputeTargetRegistry(Database &db);

    QList<ComputeTarget> list() const; // 'local' first, then by name
    std::optional<ComputeTarget> find(const QString &name) const;
    // Throws WorkspaceError naming the targets there are.
    ComputeTarget get(const QString &name) const;

    // Throws WorkspaceError for a bad or taken name.
    ComputeTarget createLocal(const QString &name);
    // Throws WorkspaceError listing every invalid field ("url: ...; nodes_min: ...").
    ComputeTarget createSlurm(const QString &name, const SlurmTargetConfig &config);
    // Refused (WorkspaceError) for the built-in 'local' and while runs that are not finished use the target.
    void remove(const QString &name);

    // Runs not yet Completed/Failed/Canceled that use the target.
    int activeRunCount(qint64 targetId) const;

    static bool isValidName(const QString &name);

private:
    ComputeTarget insert(const QString &name, ComputeTarget::Kind kind, const QJsonObject &config);

    Database &m_db;
};

} // namespace mldesk::core
