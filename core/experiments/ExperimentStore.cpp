// ExperimentStore: experiments table access; names are unique and validated before any write.
#include "core/experiments/ExperimentStore.h"

#include "core/store/Database.h"
#include "core/workspace/WorkspaceError.h"

#include <QRegularExpression>
#include <QSqlQuery>

using namespace Qt::StringLiterals;

namespace mldesk::core {

namespace {

const QString kSelect = u"SELECT e.id, e.name, e.description, e.created_at,"
                        u" (SELECT COUNT(*) FROM runs r WHERE r.experiment_id = e.id) FROM experiments e"_s;

Experiment fromRow(const QSqlQuery &q)
{
    Experiment e;
    e.id = q.value(0).toLongLong();
    e.name = q.value(1).toString();
    e.description = q.value(2).toString();
    e.created = QDateTime::fromMSecsSinceEpoch(q.value(3).toLongLong(), Qt::UTC);
    e.runCount = q.value(4).toInt();
    return e;
}

} // namespace

bool ExperimentStore::isValidName(const QString &name)
{
    static const QRegularExpression pattern(u"^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$"_s);
    return pattern.match(name).hasMatch();
}

Experiment ExperimentStore::create(const QString &name, const QString &description)
{
    if (!isValidName(name))
        throw WorkspaceError(u"'%1' is not a valid experiment name; use letters, digits, '_', '-' and '.', starting "
                             u"with a letter or digit (at most 255 characters)"_s.arg(name));
    m_db.writeTransaction([&] {
        if (m_db.scalar(u"SELECT id FROM experiments WHERE name = ?"_s, {name}).isValid())
            throw WorkspaceError(u"an experiment named '%1' already exists; choose another name"_s.arg(name));
        m_db.insert(u"INSERT INTO experiments (name, description, created_at) VALUES (?, ?, ?)"_s,
                    {name, description, QDateTime::currentMSecsSinceEpoch()});
    });
    return *find(name);
}

std::optional<Experiment> ExperimentStore::find(const QString &name) const
{
    QSqlQuery q = m_db.exec(kSelect + u" WHERE e.name = ?"_s, {name});
    if (!q.next())
        return std::nullopt;
    return fromRow(q);
}

QList<Experiment> ExperimentStore::list() const
{
    QSqlQuery q = m_db.exec(kSelect + u" ORDER BY e.name"_s);
    QList<Experiment> result;
    while (q.next())
        result.append(fromRow(q));
    return result;
}

} // namespace mldesk::core
