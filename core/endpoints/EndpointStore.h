// EndpointStore: the endpoints table (portable SQL through Database). Names are unique and validated first.
#pragma once

#include "core/endpoints/Endpoint.h"

#include <QList>

#include <optional>

namespace mldesk::core {

class Database;

class EndpointStore final {
public:
    explicit EndpointStore(Database &db) : m_db(db) {}

    // Throws WorkspaceError for a taken name.
    Endpoint insert(const Endpoint &endpoint, qint64 modelVersionId);
    std::optional<Endpoint> find(const QString &name) const;
    // Throws WorkspaceError naming the endpoints there are.
    Endpoint get(const QString &name) const;
    QList<Endpoint> list() const; // by name
    QList<int> portsInUse() const;
    void setRunning(const Endpoint &endpoint, bool wantRunning, qint64 processId, qint64 startTicks, qint64 startedAt);
    void remove(const Endpoint &endpoint);

private:
    Database &m_db;
};

} // namespace mldesk::core
