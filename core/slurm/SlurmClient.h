// SlurmClient: slurmrestd through HttpClient, for one cluster, user and token - ping, nodes, partitions, submit,
// get a job, jobs changed since a time, signal and cancel. Blocking: call from a worker thread. Every failure
// comes back as a SlurmError whose message carries Slurm's own text and what to do.
#pragma once

#include "core/http/HttpClient.h"
#include "core/slurm/SlurmApi.h"
#include "core/slurm/SlurmTypes.h"

#include <QUrl>

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
        QString apiVersion = QStringLiteral("v0.0.38");
        HttpOptions http = defaultHttpOptions();
    };
    // No automatic retries (submit is not idempotent; pollers back off themselves), short connect timeout.
    static HttpOptions defaultHttpOptions();

    // http must outlive the client. An unsupported apiVersion makes every call fail with a Rejected error.
    SlurmClient(HttpClient &http, Connection connection);
    ~SlurmClient();

    const Connection &connection() const { return m_connection; }
    const SlurmApi *api() const { return m_api.get(); }

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
    HttpResponse request(const QByteArray &method, const QString &path, const QString &query = {},
                         const QByteArray &body = {});
    // Sends, classifies, parses the JSON root. False with *error set on any failure.
    bool call(const QByteArray &method, const QString &path, const QString &query, const QByteArray &body,
              const QString &what, QJsonObject *root, SlurmError *error, int *status = nullptr);
    SlurmError unusable(const QString &what) const; // no token / unsupported version, before any request

    HttpClient &m_http;
    Connection m_connection;
    std::unique_ptr<SlurmApi> m_api;
    QString m_apiError;
};

} // namespace mldesk::core
