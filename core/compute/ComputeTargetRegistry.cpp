// ComputeTargetRegistry: SQL for compute_targets; see the header.
#include "core/compute/ComputeTargetRegistry.h"

#include "core/store/Database.h"
#include "core/workspace/WorkspaceError.h"

#include <QJsonDocument>
#include <QRegularExpression>
#include <QSqlQuery>

using namespace Qt::StringLiterals;

namespace mldesk::core {

namespace {

ComputeTarget fromRow(const QSqlQuery &q)
{
    ComputeTarget t;
    t.id = q.value(0).toLongLong();
    t.name = q.value(1).toString();
    t.kind = q.value(2).toString() == u"slurm"_s ? ComputeTarget::Kind::Slurm : ComputeTarget::Kind::Local;
    if (t.kind == ComputeTarget::Kind::Slurm)
        t.slurm = SlurmTargetConfig::fromJson(QJsonDocument::fromJson(q.value(3).toString().toUtf8()).object());
    t.created = QDateTime::fromMSecsSinceEpoch(q.value(4).toLongLong(), Qt::UTC);
    return t;
}

const QString kSelect = u"SELECT id, name, kind, config_json, created_at FROM compute_targets"_s;

} // namespace

ComputeTargetRegistry::ComputeTargetRegistry(Database &db) : m_db(db)
{
    if (m_db.scalar(u"SELECT id FROM compute_targets WHERE name = ?"_s, {localName()}).isValid())
        return;
    m_db.writeTransaction([&] {
        if (!m_db.scalar(u"SELECT id FROM compute_targets WHERE name = ?"_s, {localName()}).isValid())
            m_db.exec(
                u"INSERT INTO compute_targets (name, kind, config_json, created_at) VALUES (?, 'local', '{}', ?)"_s,
                {localName(), QDateTime::currentMSecsSinceEpoch()});
    });
}

bool ComputeTargetRegistry::isValidName(const QString &name)
{
    static const QRegularExpression re(u"^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$"_s);
    return re.match(name).hasMatch();
}

QList<ComputeTarget> ComputeTargetRegistry::list() const
{
    QList<ComputeTarget> out;
    QSqlQuery q = m_db.exec(kSelect + u" ORDER BY name"_s);
    while (q.next()) {
        ComputeTarget t = fromRow(q);
        if (t.name == localName())
            out.prepend(t);
        else
            out.append(t);
    }
    return out;
}

std::optional<ComputeTarget> ComputeTargetRegistry::find(const QString &name) const
{
    QSqlQuery q = m_db.exec(kSelect + u" WHERE name = ?"_s, {name});
    if (!q.next())
        return std::nullopt;
    return fromRow(q);
}

ComputeTarget ComputeTargetRegistry::get(const QString &name) const
{
    if (auto t = find(name))
        return *t;
    QStringList names;
    for (const ComputeTarget &t : list())
        names.append(t.name);
    throw WorkspaceError(u"there is no compute target '%1'; targets are: %2"_s.arg(name, names.join(u", "_s)));
}

ComputeTarget ComputeTargetRegistry::insert(const QString &name, ComputeTarget::Kind kind, const QJsonObject &config)
{
    if (!isValidName(name))
        throw WorkspaceError(u"'%1' is not a valid compute target name: use letters, digits, '_', '-' and '.', "
                             u"starting with a letter or digit"_s.arg(name));
    m_db.writeTransaction([&] {
        if (m_db.scalar(u"SELECT id FROM compute_targets WHERE name = ?"_s, {name}).isValid())
            throw WorkspaceError(u"a compute target named '%1' exists already; choose another name or delete it first "
                                 u"(mldesk-cli compute delete %1)"_s.arg(name));
        m_db.exec(u"INSERT INTO compute_targets (name, kind, config_json, created_at) VALUES (?, ?, ?, ?)"_s,
                  {name, ComputeTarget::kindName(kind),
                   QString::fromUtf8(QJsonDocument(config).toJson(QJsonDocument::Compact)),
                   QDateTime::currentMSecsSinceEpoch()});
    });
    return get(name);
}

ComputeTarget ComputeTargetRegistry::createLocal(const QString &name)
{
    return insert(name, ComputeTarget::Kind::Local, {});
}

ComputeTarget ComputeTargetRegistry::createSlurm(const QString &name, const SlurmTargetConfig &config)
{
    const QStringList problems = config.validate();
    if (!problems.isEmpty())
        throw WorkspaceError(u"Slurm target '%1' refused - %2"_s.arg(name, problems.join(u"; "_s)));
    return insert(name, ComputeTarget::Kind::Slurm, config.toJson());
}

int ComputeTargetRegistry::activeRunCount(qint64 targetId) const
{
    return m_db
        .scalar(u"SELECT COUNT(*) FROM runs WHERE compute_target_id = ?"
                u" AND state NOT IN ('Completed', 'Failed', 'Canceled')"_s,
                {targetId})
        .toInt();
}

void ComputeTargetRegistry::remove(const QString &name)
{
    if (name == localName())
        throw WorkspaceError(u"'local' is built in and cannot be deleted"_s);
    m_db.writeTransaction([&] {
        const ComputeTarget target = get(name);
        if (const int active = activeRunCount(target.id); active > 0)
            throw WorkspaceError(u"compute target '%1' is used by %2 run(s) that have not finished; wait for them or "
                                 u"cancel them (mldesk-cli run cancel ID), then delete it"_s.arg(name)
                                     .arg(active));
        m_db.exec(u"DELETE FROM compute_targets WHERE id = ?"_s, {target.id});
    });
}

} // namespace mldesk::core
