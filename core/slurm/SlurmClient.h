// SlurmClient: slurmrestd through HttpClient, for one cluster, user and token - ping, nodes, partitions, submit,
// get a job, jobs changed since a time, signal and cancel. Blocking: call from a worker thread. Every failure
// comes back as a SlurmError whose message carries Slurm's own text and what to do.
#pragma once

#include "core/http/HttpClient.h"
#include "core/slurm/SlurmApi.h"
#include "core/slurm/SlurmTypes.h"

#include <QUrl>

#include <functional>
#include <memory>

namespace mldesk::core {

template <typename T> struct SlurmResult {
    T value{};
    SlurmError error;
    bool ok() const { return error.ok(); }
};

class SlurmClient final {
public:
    struct Connection {
        QUrl url;            // slurmrestd root, e.g. http://127.0.0.1:6820 (a path prefix is kept)
        QString user;        // X-SLURM-USER-NAME
        QString token;       // X-SLURM-USER-TOKEN (a JWT); never logged
        QString tokenSource; // where the token came from, for messages: "environment variable SLURM_JWT"
        QString apiVersion = QStringLiteral("auto"); // "auto": the newest both sides know (SlurmVersionDetection)
        HttpOptions http = defaultHttpOptions();
    };
    // No automatic retries (submit is not idempotent; pollers back off themselves), short connect timeout.
    static HttpOptions defaultHttpOptions();

    // http must outlive the client. An unsupported apiVersion makes every call fail with a Rejected error; "auto"
    // asks the cluster on the first call (once per cluster and process).
    SlurmClient(HttpClient &http, Connection connection);
    ~SlurmClient();

    const Connection &connection() const { return m_connection; }
    const SlurmApi *api() const { return m_api.get(); } // nullptr for "auto" before the first call
    // The version in use: "v0.0.42"; empty while "auto" has not been resolved (no call yet, or it failed).
    QString apiVersion() const { return m_api ? m_api->version() : QString(); }
    bool autoDetected() const { return m_auto; }
    // For auto: asks the cluster now (otherwise the first call does). False with *error when it cannot tell.
    bool resolveVersion(SlurmError *error);

    SlurmResult<SlurmPing> ping();
    SlurmResult<QList<SlurmNode>> nodes();
    SlurmResult<QList<SlurmPartition>> partitions();
    SlurmResult<qint64> submit(const SlurmJobSpec &spec); // the job id
    SlurmResult<SlurmJob> job(qint64 id);                 // NotFound once Slurm has purged it (MinJobAge)
    // jobs?update_time=T: every job when anything changed since T (seconds since the epoch; 0 = always), else an
    // empty, incomplete list (slurmrestd answers 304).
    SlurmResult<SlurmJobList> jobsChangedSince(qint64 updateTime);
    // DELETE /job/{id}?signal=NAME ("TERM", "KILL", ...). KILL cancels the job (state CANCELLED); another signal
    // only reaches its processes (a batch shell killed by TERM ends FAILED).
    SlurmError signal(qint64 id, const QString &signalName);

    // The SlurmError an answer stands for (None for a 2xx/304); `what` names the request for messages
    // ("submit the job"). Public for the unit tests of recorded answers.
    static SlurmError errorFrom(const HttpResponse &response, const SlurmApi &api, const Connection &connection,
                                const QString &what);

    // What is visibly wrong with a JWT ("expired at ...", "is not a JWT"); empty when it looks usable.
    static QString tokenProblem(const QString &token, const QString &user, qint64 nowSecs);

private:
    using PathOf = std::function<QString(const SlurmApi &)>;
    // Follows a redirect itself only to the same host and port, never from https to http: the token goes nowhere
    // else. A refused redirect comes back as the 3xx answer, *refusedTo naming where it pointed.
    HttpResponse request(const QByteArray &method, const QString &path, const QString &query = {},
                         const QByteArray &body = {}, QUrl *refusedTo = nullptr);
    // Resolves the version, sends, classifies, parses the JSON root. False with *error set on any failure.
    bool call(const QByteArray &method, const PathOf &path, const QString &query, const QByteArray &body,
              const QString &what, QJsonObject *root, SlurmError *error, int *status = nullptr);
    bool detect(const QString &what, SlurmError *error);
    // The versions the cluster serves (its /openapi/v3; else a ping of each version MLDesk knows, newest first).
    bool servedVersions(const QString &what, QStringList *served, SlurmError *error);
    SlurmError unusable(const QString &what) const; // no token / unsupported version, before any request

    HttpClient &m_http;
    Connection m_connection;
    std::unique_ptr<SlurmApi> m_api;
    QString m_apiError;
    bool m_auto = false;
};

} // namespace mldesk::core
