// Endpoint: one deployed model version as the workspace records it, and its state as Azure ML names them.
#pragma once

#include <QDateTime>
#include <QString>

namespace mldesk::core {

// Azure ML's service states: Transitioning (starting, loading the model, stopping), Healthy (answering), Unhealthy
// (its process runs but does not answer, e.g. restarting after a crash), Failed (cannot run: the model does not load,
// the port is taken, the supervisor is gone), Stopped (stopped by the user).
enum class EndpointState { Transitioning, Healthy, Unhealthy, Failed, Stopped };
QString endpointStateName(EndpointState state);

struct Endpoint {
    qint64 id = 0;
    QString name;
    QString modelName;
    int modelVersion = 0;
    QString host = QStringLiteral("127.0.0.1");
    int port = 0;
    bool wantRunning = true; // desired state: the user started (true) or stopped (false) it
    QString folder;          // <workspace>/endpoints/<name>
    QDateTime created;       // UTC
    QDateTime started;       // UTC; invalid when never started
    qint64 processId = 0;    // the supervisor's pid
    qint64 processStartTicks = 0;
    QString configJson = QStringLiteral("{}"); // entry-script endpoints: {"entry", "python", "variables"}

    QString model() const { return modelName + u':' + QString::number(modelVersion); }
    QString scoringUri() const;
    QString baseUri() const; // http://host:port
};

struct EndpointStatus {
    EndpointState state = EndpointState::Transitioning;
    QString detail; // why, for people ("restarting after a crash: killed by SIGKILL")
    int restarts = 0;
    qint64 serverPid = 0;
};

} // namespace mldesk::core
