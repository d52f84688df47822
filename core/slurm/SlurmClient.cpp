// SlurmClient: requests with the JWT headers, and the translation of slurmrestd's answers - including its quirks
// (a bad token is a 500, an unknown job a 500 with error 2017, "nothing changed" a 304) - into SlurmErrors.
#include "core/slurm/SlurmClient.h"

#include "core/slurm/SlurmApiV0040.h"
#include "core/slurm/SlurmVersionDetection.h"

#include <QJsonDocument>
#include <QUrlQuery>

#include <algorithm>

namespace mldesk::core {

namespace {

constexpr int kInvalidJobId = 2017;        // ESLURM_INVALID_JOB_ID
constexpr int kAuthenticationError = 1007; // SLURM_PROTOCOL_AUTHENTICATION_ERROR
constexpr int kZeroBytesSent = 5005;       // SLURM_PROTOCOL_SOCKET_ZERO_BYTES_SENT: a JWT slurmctld refused
constexpr int kUnspecified = -1;           // what 22.05 reports for a rejected token on most endpoints

QString serverName(const SlurmClient::Connection &c)
{
    return c.url.toDisplayString(QUrl::RemoveUserInfo);
}

QString slurmTexts(const QList<SlurmApi::ErrorEntry> &errors)
{
    QStringList parts;
    for (const auto &e : errors) {
        QString part = e.text;
        if (!e.description.isEmpty() && e.description != e.text)
            part = part.isEmpty() ? e.description : QStringLiteral("%1 (%2)").arg(part, e.description);
        if (e.number != 0 && e.number != kUnspecified)
            part += QStringLiteral(" [error %1]").arg(e.number);
        parts.append(part);
    }
    return parts.join(QStringLiteral("; "));
}

QString tokenHelp(const SlurmClient::Connection &c)
{
    const QString user = c.user.isEmpty() ? QStringLiteral("USER") : c.user;
    return QStringLiteral("Get a new token on the cluster with `scontrol token username=%1 lifespan=86400` and put "
                          "it in %2.")
        .arg(user, c.tokenSource.isEmpty() ? QStringLiteral("the target's token") : c.tokenSource);
}

} // namespace

QString SlurmClient::tokenProblem(const QString &token, const QString &user, qint64 now)
{
    const QStringList parts = token.split(QLatin1Char('.'));
    if (parts.size() != 3)
        return QStringLiteral("is not a JWT (expected three dot-separated parts)");
    const QByteArray payload =
        QByteArray::fromBase64(parts.at(1).toLatin1(), QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
    const QJsonObject claims = QJsonDocument::fromJson(payload).object();
    if (claims.isEmpty())
        return QStringLiteral("is not a JWT (its payload is not JSON)");
    const qint64 exp = qint64(claims.value(QStringLiteral("exp")).toDouble());
    if (exp > 0 && exp <= now) {
        return QStringLiteral("expired at %1").arg(QDateTime::fromSecsSinceEpoch(exp, Qt::UTC).toString(Qt::ISODate));
    }
    const QString subject = claims.value(QStringLiteral("sun")).toString();
    if (!subject.isEmpty() && !user.isEmpty() && subject != user && subject != QLatin1String("root") &&
        subject != QLatin1String("slurm"))
        return QStringLiteral("was issued for user '%1', not '%2'").arg(subject, user);
    return {};
}

HttpOptions SlurmClient::defaultHttpOptions()
{
    HttpOptions o;
    o.connectTimeoutMs = 5000;
    o.idleTimeoutMs = 30000;
    o.maxRetries = 0;
    o.maxRedirects = 0;
    o.returnRedirects = true; // request() decides where the token may follow
    return o;
}

SlurmClient::SlurmClient(HttpClient &http, Connection connection)
    : m_http(http), m_connection(std::move(connection)), m_auto(SlurmApi::isAuto(m_connection.apiVersion))
{
    if (!m_auto)
        m_api = SlurmApi::create(m_connection.apiVersion, &m_apiError);
}

SlurmClient::~SlurmClient() = default;

SlurmError SlurmClient::unusable(const QString &what) const
{
    SlurmError e;
    if (!m_api && !m_auto) {
        e.kind = SlurmError::Kind::Rejected;
        e.message = QStringLiteral("cannot %1 on %2: %3").arg(what, serverName(m_connection), m_apiError);
    } else if (m_connection.token.isEmpty()) {
        e.kind = SlurmError::Kind::Auth;
        e.message =
            QStringLiteral("cannot %1 on %2: there is no Slurm token (%3 is empty). %4")
                .arg(what, serverName(m_connection),
                     m_connection.tokenSource.isEmpty() ? QStringLiteral("the token") : m_connection.tokenSource,
                     tokenHelp(m_connection));
    } else if (!m_connection.url.isValid() || m_connection.url.host().isEmpty()) {
        e.kind = SlurmError::Kind::Rejected;
        e.message = QStringLiteral("cannot %1: '%2' is not a slurmrestd URL (expected http://HOST:PORT)")
                        .arg(what, m_connection.url.toString());
    }
    return e;
}

HttpResponse SlurmClient::request(const QByteArray &method, const QString &path, const QString &query,
                                  const QByteArray &body, QUrl *refusedTo)
{
    HttpRequest r;
    r.method = method;
    QUrl url = m_connection.url;
    QString prefix = url.path();
    while (prefix.endsWith(QLatin1Char('/')))
        prefix.chop(1);
    url.setPath(prefix + path);
    url.setQuery(query.isEmpty() ? QString() : query);
    r.url = url;
    r.headers.append({QByteArrayLiteral("X-SLURM-USER-NAME"), m_connection.user.toUtf8()});
    r.headers.append({QByteArrayLiteral("X-SLURM-USER-TOKEN"), m_connection.token.toUtf8()});
    r.headers.append({QByteArrayLiteral("Accept"), QByteArrayLiteral("application/json")});
    if (method == "POST")
        r.headers.append({QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/json")});
    r.body = body;
    HttpOptions options = m_connection.http;
    options.returnRedirects = true;
    options.maxRedirects = 0;
    for (int hops = 0;; ++hops) {
        HttpResponse response = m_http.send(r, options);
        const bool redirect =
            response.error.isEmpty() && (response.status == 301 || response.status == 302 || response.status == 303 ||
                                         response.status == 307 || response.status == 308);
        if (!redirect)
            return response;
        QByteArray location;
        for (const auto &[name, value] : std::as_const(response.headers))
            if (name.compare("Location", Qt::CaseInsensitive) == 0)
                location = value;
        const QUrl next = r.url.resolved(QUrl(QString::fromUtf8(location)));
        const bool sameServer = next.host().compare(r.url.host(), Qt::CaseInsensitive) == 0 &&
                                next.port(r.url.scheme() == QLatin1String("https") ? 443 : 80) ==
                                    r.url.port(r.url.scheme() == QLatin1String("https") ? 443 : 80);
        const bool downgrade = r.url.scheme() == QLatin1String("https") && next.scheme() != QLatin1String("https");
        // 303 turns the request into a GET; a submit must never be repeated as one.
        if (hops >= 3 || location.isEmpty() || !next.isValid() || !sameServer || downgrade || response.status == 303) {
            if (refusedTo)
                *refusedTo = next;
            return response;
        }
        r.url = next;
    }
}

SlurmError SlurmClient::errorFrom(const HttpResponse &response, const SlurmApi &api, const Connection &connection,
                                  const QString &what)
{
    SlurmError e;
    e.httpStatus = response.status;
    const QString server = serverName(connection);
    if (!response.error.isEmpty() || response.status == 0) {
        e.kind = SlurmError::Kind::Unreachable;
        e.message = QStringLiteral("cannot reach slurmrestd at %1 to %2: %3. Check that slurmrestd runs and the "
                                   "target's URL is right.")
                        .arg(server, what, response.error.isEmpty() ? QStringLiteral("no answer") : response.error);
        return e;
    }
    if ((response.status >= 200 && response.status < 300) || response.status == 304)
        return e;

    const QJsonObject root = QJsonDocument::fromJson(response.body).object();
    const QList<SlurmApi::ErrorEntry> errors = api.parseErrors(root);
    for (const auto &entry : errors) {
        e.slurmTexts.append(entry.description.isEmpty() ? entry.text : entry.description);
        if (e.slurmCode == 0 && entry.number != 0)
            e.slurmCode = entry.number;
    }
    const QString texts = slurmTexts(errors);
    const QString said = texts.isEmpty() ? QString() : QStringLiteral(" (Slurm: %1)").arg(texts);
    auto has = [&](auto predicate) {
        return std::any_of(errors.begin(), errors.end(), predicate);
    };

    if (response.status == 401 || response.status == 403) {
        e.kind = SlurmError::Kind::Auth;
        e.message = QStringLiteral("slurmrestd at %1 refused to %2 for user '%3' (HTTP %4: %5): it got no usable user "
                                   "name and token. %6")
                        .arg(server, what, connection.user)
                        .arg(response.status)
                        .arg(QString::fromUtf8(response.body.left(200)).trimmed(), tokenHelp(connection));
        return e;
    }
    if (has([](const auto &x) { return x.number == kInvalidJobId; })) {
        e.kind = SlurmError::Kind::NotFound;
        e.slurmCode = kInvalidJobId;
        e.message = QStringLiteral("Slurm does not know the job%1: it never existed or it ended more than MinJobAge "
                                   "ago and was purged")
                        .arg(said);
        return e;
    }
    const bool authCode =
        has([](const auto &x) { return x.number == kAuthenticationError || (x.number >= 6000 && x.number < 7000); });
    // slurmrestd 22.05 forwards the JWT to slurmctld; whether slurmctld refused the token or is down, the endpoint
    // reports "Unspecified error" (-1) or "Zero Bytes were transmitted" (5005) with HTTP 500, never 401. The token
    // itself tells the two apart when it is expired or malformed.
    const bool onlyVague = has([](const auto &x) { return x.number == kUnspecified || x.number == kZeroBytesSent; }) &&
                           std::all_of(errors.begin(), errors.end(), [](const auto &x) {
                               return x.number == kUnspecified || x.number == kZeroBytesSent || x.number == 0;
                           });
    const QString source = connection.tokenSource.isEmpty() ? QStringLiteral("the target") : connection.tokenSource;
    const QString problem =
        onlyVague ? tokenProblem(connection.token, connection.user, QDateTime::currentSecsSinceEpoch()) : QString();
    // 24.11 answers a token slurmctld refused with 511 or 500 and error 1007.
    if ((response.status == 500 && (authCode || !problem.isEmpty())) || (response.status >= 500 && authCode)) {
        e.kind = SlurmError::Kind::Auth;
        e.message = QStringLiteral("slurmrestd at %1 could not %2 for user '%3'%4: the token from %5 %6. %7")
                        .arg(server, what, connection.user, said, source,
                             problem.isEmpty() ? QStringLiteral("was rejected") : problem, tokenHelp(connection));
        return e;
    }
    if (response.status == 500 && onlyVague) {
        e.kind = SlurmError::Kind::Server;
        e.message = QStringLiteral("slurmrestd at %1 could not %2%3: either slurmctld is not answering or it rejected "
                                   "the token for user '%4' from %5 (slurmrestd answers HTTP 500 to both). Check the "
                                   "controller with `scontrol ping`; if it is up, renew the token. %6")
                        .arg(server, what, said, connection.user, source, tokenHelp(connection));
        return e;
    }
    // 1000-1999 and 5000-5999 are communication failures between slurmrestd and slurmctld: transient.
    const bool communication = has(
        [](const auto &x) { return (x.number >= 1000 && x.number < 2000) || (x.number >= 5000 && x.number < 6000); });
    if (response.status >= 500 && (errors.isEmpty() || communication)) {
        e.kind = SlurmError::Kind::Server;
        e.message = QStringLiteral("slurmrestd at %1 failed to %2: HTTP %3%4")
                        .arg(server, what)
                        .arg(response.status)
                        .arg(said.isEmpty() ? QStringLiteral(" ") + QString::fromLatin1(response.reason) : said);
        return e;
    }
    e.kind = SlurmError::Kind::Rejected;
    e.message = QStringLiteral("Slurm refused to %1: %2")
                    .arg(what, texts.isEmpty() ? QStringLiteral("HTTP %1 %2 from %3")
                                                     .arg(response.status)
                                                     .arg(QString::fromLatin1(response.reason), server)
                                               : texts);
    return e;
}

bool SlurmClient::resolveVersion(SlurmError *error)
{
    *error = unusable(QStringLiteral("find the cluster's REST API version"));
    return error->ok() && (m_api || detect(QStringLiteral("find the cluster's REST API version"), error));
}

bool SlurmClient::servedVersions(const QString &what, QStringList *served, SlurmError *error)
{
    const SlurmApiV0040 errors; // errors[] read the same in every version
    served->clear();
    const HttpResponse openapi = request("GET", QStringLiteral("/openapi/v3"));
    *error = errorFrom(openapi, errors, m_connection, what);
    if (error->kind == SlurmError::Kind::Unreachable || error->kind == SlurmError::Kind::Auth)
        return false;
    if (openapi.status == 200) {
        *served = SlurmVersionDetection::versionsIn(QJsonDocument::fromJson(openapi.body).object());
        if (!served->isEmpty()) {
            *error = {};
            return true;
        }
    }
    for (const QString &version : SlurmApi::supportedVersions()) { // newest first
        const HttpResponse ping = request("GET", QStringLiteral("/slurm/%1/ping").arg(version));
        *error = errorFrom(ping, errors, m_connection, what);
        if (error->kind == SlurmError::Kind::Unreachable || error->kind == SlurmError::Kind::Auth)
            return false;
        if (ping.status != 404) { // served (a 500 when slurmctld is down: the real call says so)
            served->append(version);
            break;
        }
    }
    *error = {};
    return true;
}

bool SlurmClient::detect(const QString &what, SlurmError *error)
{
    const QString key = serverName(m_connection);
    QString version = SlurmVersionDetection::remembered(key);
    if (version.isEmpty()) {
        QStringList served;
        if (!servedVersions(what, &served, error)) {
            error->message = QStringLiteral("cannot tell which REST API versions slurmrestd serves: ") + error->message;
            return false;
        }
        version = SlurmVersionDetection::choose(served);
        if (version.isEmpty()) {
            error->kind = SlurmError::Kind::Rejected;
            error->message =
                QStringLiteral("cannot %1: %2").arg(what, SlurmVersionDetection::noCommonVersion(key, served));
            return false;
        }
        SlurmVersionDetection::remember(key, version);
    }
    m_api = SlurmApi::create(version);
    return true;
}

bool SlurmClient::call(const QByteArray &method, const PathOf &path, const QString &query, const QByteArray &body,
                       const QString &what, QJsonObject *root, SlurmError *error, int *status)
{
    *error = unusable(what);
    if (!error->ok() || (!m_api && !detect(what, error)))
        return false;
    QUrl refusedTo;
    const HttpResponse response = request(method, path(*m_api), query, body, &refusedTo);
    if (status)
        *status = response.status;
    if (!refusedTo.isEmpty() || (response.status >= 300 && response.status < 400 && response.status != 304)) {
        error->kind = SlurmError::Kind::Rejected;
        error->httpStatus = response.status;
        error->message =
            QStringLiteral("cannot %1: slurmrestd at %2 redirected the request to %3 (HTTP %4). MLDesk sends the "
                           "Slurm token only to the target's own host and port, never from https to http: if %3 is "
                           "the right slurmrestd, set the target's URL to it")
                .arg(what, serverName(m_connection), refusedTo.toDisplayString(QUrl::RemoveUserInfo))
                .arg(response.status);
        return false;
    }
    *error = errorFrom(response, *m_api, m_connection, what);
    if (response.status == 404 && response.error.isEmpty() && error->kind != SlurmError::Kind::NotFound) {
        // The cluster does not serve this version (any more): say which ones it does.
        QStringList served;
        SlurmError ignored;
        if (m_auto)
            SlurmVersionDetection::forget(serverName(m_connection));
        servedVersions(what, &served, &ignored);
        if (!served.contains(m_api->version())) {
            error->kind = SlurmError::Kind::Rejected;
            error->message =
                QStringLiteral("cannot %1: slurmrestd at %2 does not serve REST API %3 (HTTP 404); it serves %4. Set "
                               "the target's api version to auto or to one of those")
                    .arg(what, serverName(m_connection), m_api->version(),
                         served.isEmpty() ? QStringLiteral("none MLDesk knows") : served.join(QStringLiteral(", ")));
        }
    }
    if (!error->ok())
        return false;
    if (response.status == 304) {
        *root = {};
        return true;
    }
    QJsonParseError parseError{};
    const QJsonDocument document = QJsonDocument::fromJson(response.body, &parseError);
    if (!document.isObject()) {
        error->kind = SlurmError::Kind::Protocol;
        error->httpStatus = response.status;
        error->message = QStringLiteral("slurmrestd at %1 answered the request to %2 with something that is not a "
                                        "JSON object (%3): is the URL a slurmrestd?")
                             .arg(serverName(m_connection), what, parseError.errorString());
        return false;
    }
    *root = document.object();
    return true;
}

template <typename T, typename Parse>
static SlurmResult<T> parsed(const QJsonObject &root, const SlurmError &error, const QString &what,
                             const SlurmClient &client, Parse parse)
{
    SlurmResult<T> result;
    result.error = error;
    if (!error.ok())
        return result;
    QString why;
    if (!parse(root, &result.value, &why)) {
        result.error.kind = SlurmError::Kind::Protocol;
        result.error.message =
            QStringLiteral("cannot read slurmrestd's answer to %1 (API %2): %3").arg(what, client.apiVersion(), why);
    }
    return result;
}

SlurmResult<SlurmPing> SlurmClient::ping()
{
    const QString what = QStringLiteral("ping the controller");
    QJsonObject root;
    SlurmError error;
    if (call("GET", &SlurmApi::pingPath, {}, {}, what, &root, &error)) {
        auto result = parsed<SlurmPing>(root, error, what, *this,
                                        [&](auto &r, auto *v, auto *w) { return m_api->parsePing(r, v, w); });
        if (result.ok() && result.value.state != QLatin1String("UP")) {
            // slurmrestd 23.11+ answers ping itself, and reports DOWN both when slurmctld is down and when it
            // refused the token: a token that is visibly unusable settles it, else both are named.
            const QString problem =
                tokenProblem(m_connection.token, m_connection.user, QDateTime::currentSecsSinceEpoch());
            const QString source =
                m_connection.tokenSource.isEmpty() ? QStringLiteral("the target") : m_connection.tokenSource;
            result.error.kind = problem.isEmpty() ? SlurmError::Kind::Server : SlurmError::Kind::Auth;
            result.error.httpStatus = 200;
            result.error.message =
                problem.isEmpty()
                    ? QStringLiteral("the Slurm controller %1 answers ping with '%2', not UP: either slurmctld is "
                                     "down or it refused the token for user '%3' from %4. Check the controller with "
                                     "`scontrol ping`; if it is up, renew the token. %5")
                          .arg(result.value.hostname, result.value.state, m_connection.user, source,
                               tokenHelp(m_connection))
                    : QStringLiteral("the Slurm controller %1 answers ping with '%2': the token from %3 %4. %5")
                          .arg(result.value.hostname, result.value.state, source, problem, tokenHelp(m_connection));
        }
        return result;
    }
    return {{}, error};
}

SlurmResult<QList<SlurmNode>> SlurmClient::nodes()
{
    const QString what = QStringLiteral("list the nodes");
    QJsonObject root;
    SlurmError error;
    call("GET", &SlurmApi::nodesPath, {}, {}, what, &root, &error);
    return parsed<QList<SlurmNode>>(root, error, what, *this,
                                    [&](auto &r, auto *v, auto *w) { return m_api->parseNodes(r, v, w); });
}

SlurmResult<QList<SlurmPartition>> SlurmClient::partitions()
{
    const QString what = QStringLiteral("list the partitions");
    QJsonObject root;
    SlurmError error;
    call("GET", &SlurmApi::partitionsPath, {}, {}, what, &root, &error);
    return parsed<QList<SlurmPartition>>(root, error, what, *this,
                                         [&](auto &r, auto *v, auto *w) { return m_api->parsePartitions(r, v, w); });
}

SlurmResult<qint64> SlurmClient::submit(const SlurmJobSpec &spec)
{
    const QString what = QStringLiteral("submit the job '%1'").arg(spec.name);
    QJsonObject root;
    SlurmError error;
    if (resolveVersion(&error))
        call("POST", &SlurmApi::submitPath, {}, m_api->submitBody(spec), what, &root, &error);
    if (error.kind == SlurmError::Kind::Rejected && error.slurmCode == 9001) // ESLURM_REST_FAIL_PARSING
        error.message +=
            QStringLiteral(". Slurm could not accept the job's request: check the target's partition, GPUs "
                           "per node (the nodes must offer them as gres) and time limit");
    return parsed<qint64>(root, error, what, *this,
                          [&](auto &r, auto *v, auto *w) { return m_api->parseSubmit(r, v, w); });
}

SlurmResult<SlurmJob> SlurmClient::job(qint64 id)
{
    const QString what = QStringLiteral("look up job %1").arg(id);
    QJsonObject root;
    SlurmError error;
    call(
        "GET", [id](const SlurmApi &a) { return a.jobPath(id); }, {}, {}, what, &root, &error);
    auto result = parsed<SlurmJob>(root, error, what, *this, [&](auto &r, SlurmJob *v, QString *w) {
        QList<SlurmJob> jobs;
        if (!m_api->parseJobs(r, &jobs, w))
            return false;
        auto it = std::find_if(jobs.begin(), jobs.end(), [id](const SlurmJob &j) { return j.id == id; });
        if (it == jobs.end()) {
            *w = QStringLiteral("job %1 is not in the answer").arg(id);
            return false;
        }
        *v = *it;
        return true;
    });
    if (result.error.kind == SlurmError::Kind::NotFound)
        result.error.message = QStringLiteral("Slurm has no job %1: it never existed or ended more than MinJobAge ago "
                                              "and was purged (Slurm: %2)")
                                   .arg(id)
                                   .arg(result.error.slurmTexts.join(QStringLiteral("; ")));
    return result;
}

SlurmResult<SlurmJobList> SlurmClient::jobsChangedSince(qint64 updateTime)
{
    const QString what = QStringLiteral("list the jobs");
    QJsonObject root;
    SlurmError error;
    int status = 0;
    if (resolveVersion(&error))
        call("GET", &SlurmApi::jobsPath, m_api->jobsQuery(updateTime, QDateTime::currentSecsSinceEpoch()), {}, what,
             &root, &error, &status);
    if (error.ok() && status == 304)
        return {}; // nothing changed since updateTime: an empty, incomplete list
    auto result = parsed<SlurmJobList>(root, error, what, *this, [&](auto &r, SlurmJobList *v, QString *w) {
        return m_api->parseJobs(r, &v->jobs, w);
    });
    // With changes Slurm sends every job it holds; with update_time 0 an empty list really means "no jobs".
    result.value.complete = result.ok() && (updateTime <= 0 || !result.value.jobs.isEmpty());
    return result;
}

SlurmError SlurmClient::signal(qint64 id, const QString &signalName)
{
    const QString what = QStringLiteral("send SIG%1 to job %2").arg(signalName).arg(id);
    QJsonObject root;
    SlurmError error;
    QUrlQuery query;
    query.addQueryItem(QStringLiteral("signal"), signalName);
    call(
        "DELETE", [id](const SlurmApi &a) { return a.jobPath(id); }, query.toString(QUrl::FullyEncoded), {}, what,
        &root, &error);
    if (error.kind == SlurmError::Kind::NotFound)
        error.message = QStringLiteral("Slurm has no job %1 to signal: it has ended and been purged").arg(id);
    return error;
}

} // namespace mldesk::core
