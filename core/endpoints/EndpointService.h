// EndpointService: deploys a registered model version as an endpoint - its folder (<workspace>/endpoints/<name>/:
// model/ copied from the blobs, keys, logs/), its record, and its process: mldesk-serve under mldesk-supervisor
// --restart on-failure, detached, so it outlives the GUI and the CLI, and comes back after a crash with the crash
// in logs/std_log.txt. Any MLDesk process re-attaches by reading the record and the supervisor's process.json.
// Calls block briefly (a /ready probe, a stop's wait): call them off the GUI thread.
#pragma once

#include "core/endpoints/Endpoint.h"
#include "core/endpoints/EndpointKeys.h"

#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

namespace mldesk::core {

class Workspace;

struct EndpointCreateParams {
    QString name;
    QString model; // "NAME:VERSION" (or "NAME": its latest version)
    QString host = QStringLiteral("127.0.0.1");
    int port = 0; // 0: a free port
    bool start = true;
    QString device = QStringLiteral("cpu"); // cpu | cuda (mldesk-serve falls back to the CPU, with a note, without one)
    // An Azure-style entry script instead of the native Keras path: entry is a file inside source (copied into the
    // endpoint), run in environment (System-Python, a conda or a container environment; default System-Python).
    // A container environment runs the workers in `podman|docker run` of its image, the model mounted read-only.
    QString entry;
    QString source;
    QString environment;
};

class EndpointService final {
public:
    explicit EndpointService(Workspace &workspace) : m_workspace(workspace) {}

    // Throws WorkspaceError saying what is wrong (unknown model, no model.json, taken name or port); nothing is left
    // behind then. warnings gets e.g. the "reachable from the network" note for a non-loopback host.
    Endpoint create(const EndpointCreateParams &params, QStringList *warnings = nullptr);
    QList<Endpoint> list() const;
    Endpoint get(const QString &name) const;
    // Starts it when its supervisor is not running (after stop, or when the supervisor itself was killed).
    Endpoint start(const QString &name);
    // SIGTERM to its process group; SIGKILL when it is still there after graceMs.
    Endpoint stop(const QString &name, int graceMs = 10000);
    void remove(const QString &name);

    // What it is doing now: process records plus a GET /ready (timeoutMs) when its process runs.
    EndpointStatus status(const Endpoint &endpoint, int timeoutMs = 1500) const;
    EndpointKeyPair keys(const QString &name) const;
    // which: "primary" or "secondary". The running server re-reads its keys (SIGHUP) at once.
    EndpointKeyPair regenerateKey(const QString &name, const QString &which);
    QString logFile(const Endpoint &endpoint) const;

    static QString findServer(); // mldesk-serve ($MLDESK_SERVE)
    static bool isLoopback(const QString &host);

private:
    void launch(Endpoint &endpoint);
    QString prepareEntryScript(const EndpointCreateParams &params, const QString &folder); // -> config JSON
    // `podman|docker run -i ... IMAGE` for the entry script's workers (mldesk-serve --worker-prefix).
    static QStringList containerWorkerCommand(const Endpoint &endpoint, const QJsonObject &container,
                                              const QJsonObject &variables);
    bool supervisorAlive(const Endpoint &endpoint) const;
    Workspace &m_workspace;
};

} // namespace mldesk::core
