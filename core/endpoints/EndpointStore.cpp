// EndpointStore: endpoints table access; see the header.
#include "core/endpoints/EndpointStore.h"

#include "core/store/Database.h"
#include "core/workspace/WorkspaceError.h"

#include <QSqlQuery>
#include <QStringList>

using namespace Qt::StringLiterals;

namespace mldesk::core {

namespace {

const QString kSelect = u"SELECT id, name, model_name, model_version, host, port, desired_state, folder, created_at,"
                        u" started_at, process_id, process_start_ticks, config_json FROM endpoints"_s;

Endpoint fromRow(const QSqlQuery &q)
{
    Endpoint e;
    e.id = q.value(0).toLongLong();
    e.name = q.value(1).toString();
    e.modelName = q.value(2).toString();
    e.modelVersion = q.value(3).toInt();
    e.host = q.value(4).toString();
    e.port = q.value(5).toInt();
    e.wantRunning = q.value(6).toString() == u"Running"_s;
    e.folder = q.value(7).toString();
    e.created = QDateTime::fromMSecsSinceEpoch(q.value(8).toLongLong(), Qt::UTC);
    if (!q.value(9).isNull())
        e.started = QDateTime::fromMSecsSinceEpoch(q.value(9).toLongLong(), Qt::UTC);
    e.processId = q.value(10).toLongLong();
    e.processStartTicks = q.value(11).toLongLong();
    e.configJson = q.value(12).toString();
    return e;
}

} // namespace

QString endpointStateName(EndpointState state)
{
    switch (state) {
    case EndpointState::Transitioning:
        return u"Transitioning"_s;
    case EndpointState::Healthy:
        return u"Healthy"_s;
    case EndpointState::Unhealthy:
        return u"Unhealthy"_s;
    case EndpointState::Failed:
        return u"Failed"_s;
    case EndpointState::Stopped:
        return u"Stopped"_s;
    }
    return u"Failed"_s;
}

QString Endpoint::baseUri() const
{
    const QString h = host.contains(u':') ? u'[' + host + u']' : host;
    return u"http://%1:%2"_s.arg(h).arg(port);
}

QString Endpoint::scoringUri() const
{
    return baseUri() + u"/score"_s;
}

Endpoint EndpointStore::insert(const Endpoint &endpoint, qint64 modelVersionId)
{
    m_db.writeTransaction([&] {
        if (m_db.scalar(u"SELECT id FROM endpoints WHERE name = ?"_s, {endpoint.name}).isValid())
            throw WorkspaceError(u"an endpoint named '%1' already exists; choose another name or delete it first "
                                 u"(mldesk-cli endpoint delete %1)"_s.arg(endpoint.name));
        m_db.insert(u"INSERT INTO endpoints (name, model_version_id, model_name, model_version, host, port,"
                    u" desired_state, folder, created_at, config_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"_s,
                    {endpoint.name, modelVersionId ? QVariant(modelVersionId) : QVariant(), endpoint.modelName,
                     endpoint.modelVersion, endpoint.host, endpoint.port,
                     endpoint.wantRunning ? u"Running"_s : u"Stopped"_s, endpoint.folder,
                     QDateTime::currentMSecsSinceEpoch(), endpoint.configJson});
    });
    return get(endpoint.name);
}

std::optional<Endpoint> EndpointStore::find(const QString &name) const
{
    QSqlQuery q = m_db.exec(kSelect + u" WHERE name = ?"_s, {name});
    if (!q.next())
        return std::nullopt;
    return fromRow(q);
}

Endpoint EndpointStore::get(const QString &name) const
{
    if (auto e = find(name))
        return *e;
    QStringList names;
    for (const Endpoint &e : list())
        names << e.name;
    throw WorkspaceError(names.isEmpty()
                             ? u"there is no endpoint '%1'; the workspace has none yet (mldesk-cli "
                               u"endpoint create NAME --model MODEL:VERSION)"_s.arg(name)
                             : u"there is no endpoint '%1'; endpoints are: %2"_s.arg(name, names.join(u", ")));
}

QList<Endpoint> EndpointStore::list() const
{
    QSqlQuery q = m_db.exec(kSelect + u" ORDER BY name"_s);
    QList<Endpoint> result;
    while (q.next())
        result.append(fromRow(q));
    return result;
}

QList<int> EndpointStore::portsInUse() const
{
    QSqlQuery q = m_db.exec(u"SELECT port FROM endpoints"_s);
    QList<int> ports;
    while (q.next())
        ports.append(q.value(0).toInt());
    return ports;
}

void EndpointStore::setRunning(const Endpoint &endpoint, bool wantRunning, qint64 processId, qint64 startTicks,
                               qint64 startedAt)
{
    m_db.writeTransaction([&] {
        m_db.exec(u"UPDATE endpoints SET desired_state = ?, process_id = ?, process_start_ticks = ?,"
                  u" started_at = COALESCE(?, started_at) WHERE id = ?"_s,
                  {wantRunning ? u"Running"_s : u"Stopped"_s, processId ? QVariant(processId) : QVariant(),
                   startTicks ? QVariant(startTicks) : QVariant(), startedAt ? QVariant(startedAt) : QVariant(),
                   endpoint.id});
    });
}

void EndpointStore::remove(const Endpoint &endpoint)
{
    m_db.writeTransaction([&] { m_db.exec(u"DELETE FROM endpoints WHERE id = ?"_s, {endpoint.id}); });
}

} // namespace mldesk::core
