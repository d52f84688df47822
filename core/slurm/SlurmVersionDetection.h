// SlurmVersionDetection: which slurmrestd API versions a cluster serves (from its /openapi/v3 document), the newest
// of them MLDesk knows, the message when there is none, and a process-wide memory of each cluster's choice (so a
// target on "auto" costs one extra request per process, not one per poll).
#pragma once

#include <QJsonObject>
#include <QString>
#include <QStringList>

namespace mldesk::core {

class SlurmVersionDetection final {
public:
    // The versions the paths of an OpenAPI document name ("/slurm/v0.0.42/ping/"), newest first, each once.
    static QStringList versionsIn(const QJsonObject &openapi);
    // The newest of served that SlurmApi supports; empty when none.
    static QString choose(const QStringList &served);
    // "slurmrestd at URL serves API v0.0.36, v0.0.37; MLDesk knows v0.0.42, ...: ..." (served may be empty).
    static QString noCommonVersion(const QString &server, const QStringList &served);

    // The version chosen for the cluster at key (its URL) by this process; empty when none yet.
    static QString remembered(const QString &key);
    static void remember(const QString &key, const QString &version);
    static void forget(const QString &key); // the cluster stopped serving it (upgraded): detect again
};

} // namespace mldesk::core
