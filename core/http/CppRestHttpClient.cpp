// CppRestHttpClient: HttpClient on cpprestsdk - the only translation unit that includes cpprest (CONVENTIONS 7).
// cpprest runs requests on its own threads; the blocking calls here wait on a condition variable with a watchdog
// that enforces connect/idle timeouts and the cancel flag, and sendAsync re-posts results to the caller's thread.
#include "core/http/HttpClient.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QThread>
#include <QtConcurrentRun>

#include <cpprest/http_client.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace mldesk::core {

QByteArray HttpResponse::header(const QByteArray &name) const
{
    for (const auto &[key, value] : headers) {
        if (key.compare(name, Qt::CaseInsensitive) == 0)
            return value;
    }
    return {};
}

namespace {

namespace http = web::http;

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

// Shared between the waiting thread and cpprest's threads (lives as long as the longest holder).
struct Activity {
    std::atomic<qint64> lastActivityMs{0};
    std::atomic_bool connected{false};
    std::mutex mutex;
    std::condition_variable wake;
    bool done = false;
    void touch()
    {
        lastActivityMs = nowMs();
        std::lock_guard lock(mutex);
        wake.notify_all();
    }
};

enum class WaitOutcome { Done, ConnectTimeout, IdleTimeout, Canceled };

// Waits for task while enforcing the timeouts and the cancel flag; on a timeout or cancel it cancels the request
// and waits (bounded) for cpprest to let go. tick runs on every wake-up (progress reporting).
template <typename T>
WaitOutcome waitFor(pplx::task<T> task, const std::shared_ptr<Activity> &activity, pplx::cancellation_token_source &cts,
                    const HttpOptions &options, const std::atomic_bool *cancel, const std::function<void()> &tick = {})
{
    {
        std::lock_guard lock(activity->mutex);
        activity->done = false;
    }
    task.then([activity](pplx::task<T> finished) {
        try {
            finished.wait(); // observes a failure, so an abandoned task does not trap in pplx's destructor
        } catch (...) {
        }
        std::lock_guard lock(activity->mutex);
        activity->done = true;
        activity->wake.notify_all();
    });
    WaitOutcome outcome = WaitOutcome::Done;
    std::unique_lock lock(activity->mutex);
    while (!activity->done) {
        activity->wake.wait_for(lock, std::chrono::milliseconds(50));
        if (activity->done)
            break;
        const qint64 silentFor = nowMs() - activity->lastActivityMs;
        if (cancel && cancel->load())
            outcome = WaitOutcome::Canceled;
        else if (!activity->connected && silentFor > options.connectTimeoutMs)
            outcome = WaitOutcome::ConnectTimeout;
        else if (activity->connected && silentFor > options.idleTimeoutMs)
            outcome = WaitOutcome::IdleTimeout;
        if (outcome != WaitOutcome::Done) {
            cts.cancel();
            activity->wake.wait_for(lock, std::chrono::seconds(5), [&] { return activity->done; });
            return outcome;
        }
        if (tick) {
            lock.unlock();
            tick();
            lock.lock();
        }
    }
    return WaitOutcome::Done;
}

QString describeOutcome(WaitOutcome outcome, const HttpOptions &options)
{
    switch (outcome) {
    case WaitOutcome::ConnectTimeout:
        return QStringLiteral("no connection within %1 s (connect timeout)").arg(options.connectTimeoutMs / 1000.0);
    case WaitOutcome::IdleTimeout:
        return QStringLiteral("no data from the server for %1 s (idle timeout)").arg(options.idleTimeoutMs / 1000.0);
    case WaitOutcome::Canceled:
        return QStringLiteral("canceled");
    case WaitOutcome::Done:
        break;
    }
    return {};
}

bool isRedirect(int status)
{
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}
bool isTransientStatus(int status)
{
    return status == 408 || status == 429 || status >= 500;
}

std::string toStd(const QString &s)
{
    return s.toStdString();
}
QByteArray fromStd(const std::string &s)
{
    return QByteArray::fromStdString(s);
}

// One request/response exchange (no redirects, no retries). Headers only; the body is read by the caller.
struct Exchange {
    std::shared_ptr<Activity> activity = std::make_shared<Activity>();
    pplx::cancellation_token_source cts;
    std::unique_ptr<http::client::http_client> client;
    http::http_response response;
    QString error;
    bool transient = false;
    WaitOutcome outcome = WaitOutcome::Done;
};

void startExchange(Exchange &ex, const QByteArray &method, const QUrl &url, const HttpHeaders &headers,
                   const QByteArray &body, const HttpOptions &options, const std::atomic_bool *cancel)
{
    http::client::http_client_config config;
    // cpprest's own timer restarts on every read: a backstop behind the watchdog.
    config.set_timeout(std::chrono::milliseconds(std::max(options.connectTimeoutMs, options.idleTimeoutMs) + 5000));
    config.set_validate_certificates(options.verifyTls);
    config.set_max_redirects(0); // followed here, so the final URL is known and Range survives them
    QUrl base = url.adjusted(QUrl::RemovePath | QUrl::RemoveQuery | QUrl::RemoveFragment);
    try {
        ex.client = std::make_unique<http::client::http_client>(toStd(base.toString(QUrl::FullyEncoded)), config);
    } catch (const std::exception &e) {
        ex.error = QStringLiteral("cannot use the URL %1: %2").arg(url.toDisplayString(), QString::fromUtf8(e.what()));
        return;
    }
    http::http_request request(toStd(QString::fromLatin1(method)));
    QString pathAndQuery = url.path(QUrl::FullyEncoded);
    if (pathAndQuery.isEmpty())
        pathAndQuery = QStringLiteral("/");
    if (url.hasQuery())
        pathAndQuery += QLatin1Char('?') + url.query(QUrl::FullyEncoded);
    request.set_request_uri(toStd(pathAndQuery));
    if (!body.isEmpty())
        request.set_body(std::vector<unsigned char>(body.begin(), body.end()));
    for (const auto &[name, value] : headers)
        request.headers()[toStd(QString::fromLatin1(name))] = toStd(QString::fromLatin1(value));
    std::shared_ptr<Activity> activity = ex.activity;
    request.set_progress_handler([activity](http::message_direction::direction direction, utility::size64_t) {
        if (direction == http::message_direction::upload)
            activity->connected = true;
        activity->touch();
    });
    activity->lastActivityMs = nowMs();
    auto task = ex.client->request(request, ex.cts.get_token());
    ex.outcome = waitFor(task, activity, ex.cts, options, cancel);
    if (ex.outcome != WaitOutcome::Done) {
        ex.error = describeOutcome(ex.outcome, options);
        ex.transient = ex.outcome != WaitOutcome::Canceled;
        return;
    }
    try {
        ex.response = task.get();
        activity->connected = true;
        activity->touch();
    } catch (const std::exception &e) {
        ex.error = QString::fromUtf8(e.what());
        ex.transient = true; // refused, reset, DNS hiccup: worth another try
        if (ex.error.contains(QLatin1String("certificate"), Qt::CaseInsensitive) ||
            ex.error.contains(QLatin1String("handshake"), Qt::CaseInsensitive)) {
            ex.error += QStringLiteral(" (TLS verification failed: the server's certificate is not trusted)");
            ex.transient = false;
        }
    }
}

HttpHeaders headersOf(const http::http_response &response)
{
    HttpHeaders out;
    for (const auto &[name, value] : response.headers())
        out.append({fromStd(name), fromStd(value)});
    return out;
}

// Credentials never follow a redirect to another host or port, nor from https to http.
void dropCredentialsFor(const QUrl &from, const QUrl &to, HttpHeaders &headers)
{
    const bool sameServer = from.host().compare(to.host(), Qt::CaseInsensitive) == 0 &&
                            from.port(from.scheme() == QLatin1String("https") ? 443 : 80) ==
                                to.port(to.scheme() == QLatin1String("https") ? 443 : 80);
    const bool downgrade = from.scheme() == QLatin1String("https") && to.scheme() != QLatin1String("https");
    if (sameServer && !downgrade)
        return;
    headers.removeIf([](const auto &h) {
        const QByteArray name = h.first.toLower();
        return name == "authorization" || name == "cookie" || name == "proxy-authorization" || name.contains("token");
    });
}

QUrl redirectTarget(const QUrl &current, const http::http_response &response)
{
    auto it = response.headers().find(U("Location"));
    if (it == response.headers().end())
        return {};
    return current.resolved(QUrl(QString::fromStdString(it->second)));
}

// Reads the body of ex.response chunk by chunk into sink, watching timeouts. Returns false with ex.error set.
bool readBody(Exchange &ex, const HttpOptions &options, const std::atomic_bool *cancel,
              const std::function<bool(const char *, qint64)> &sink, const std::function<void()> &tick = {})
{
    auto stream = ex.response.body();
    auto buffer = std::make_shared<std::vector<uint8_t>>(64 * 1024);
    for (;;) {
        auto task = stream.streambuf().getn(buffer->data(), buffer->size());
        ex.outcome = waitFor(task, ex.activity, ex.cts, options, cancel, tick);
        if (ex.outcome != WaitOutcome::Done) {
            ex.error = describeOutcome(ex.outcome, options);
            ex.transient = ex.outcome != WaitOutcome::Canceled;
            return false;
        }
        size_t n = 0;
        try {
            n = task.get();
        } catch (const std::exception &e) {
            ex.error =
                QStringLiteral("the connection broke while receiving the body: %1").arg(QString::fromUtf8(e.what()));
            ex.transient = true;
            return false;
        }
        if (n == 0)
            break;
        ex.activity->touch();
        if (!sink(reinterpret_cast<const char *>(buffer->data()), qint64(n))) {
            ex.transient = false;
            return false;
        }
    }
    // getn() answers 0 both at the end and when the connection died early: ask the response which it was.
    try {
        ex.response.content_ready().wait();
        ex.response.content_ready().get();
    } catch (const std::exception &e) {
        ex.error = QStringLiteral("the connection broke while receiving the body: %1").arg(QString::fromUtf8(e.what()));
        ex.transient = true;
        return false;
    }
    return true;
}

// Sleeps the back-off, in slices so a cancel is honoured quickly. False when canceled.
bool backoff(int attempt, const HttpOptions &options, const std::atomic_bool *cancel)
{
    qint64 delay = std::min<qint64>(qint64(options.initialBackoffMs) << std::min(attempt, 16), options.maxBackoffMs);
    QElapsedTimer timer;
    timer.start();
    while (timer.elapsed() < delay) {
        if (cancel && cancel->load())
            return false;
        QThread::msleep(std::min<qint64>(20, delay - timer.elapsed() + 1));
    }
    return !(cancel && cancel->load());
}

QString statusText(int status, const QByteArray &reason, const QUrl &url)
{
    QString text =
        QStringLiteral("HTTP %1 %2 from %3").arg(status).arg(QString::fromLatin1(reason), url.toDisplayString());
    if (status == 404 || status == 410)
        text += QStringLiteral(": check the URL");
    else if (status == 401 || status == 403)
        text += QStringLiteral(": the server refused access; check credentials");
    return text;
}

class CppRestHttpClient final : public HttpClient {
public:
    HttpResponse send(const HttpRequest &request, const HttpOptions &options) override
    {
        return sendBlocking(request, options, nullptr);
    }

    void sendAsync(const HttpRequest &request, const HttpOptions &options, QObject *context,
                   std::function<void(const HttpResponse &)> done) override
    {
        // The blocking exchange runs on Qt's pool (not cpprest's, whose threads do the I/O it waits for); a watcher
        // owned by context delivers the result on context's thread, and never once context is gone.
        auto *watcher = new QFutureWatcher<HttpResponse>(context);
        QObject::connect(watcher, &QFutureWatcher<HttpResponse>::finished, context, [watcher, done = std::move(done)] {
            done(watcher->result());
            watcher->deleteLater();
        });
        watcher->setFuture(QtConcurrent::run([request, options] { return sendBlocking(request, options, nullptr); }));
    }

    DownloadResult download(const QUrl &url, const QString &destinationFile, const HttpOptions &options,
                            const std::function<void(const DownloadProgress &)> &progress,
                            const std::atomic_bool *cancel) override;

private:
    static HttpResponse sendBlocking(const HttpRequest &request, const HttpOptions &options,
                                     const std::atomic_bool *cancel)
    {
        HttpResponse out;
        QUrl url = request.url;
        QByteArray method = request.method;
        QByteArray body = request.body;
        HttpHeaders headers = request.headers;
        int redirects = 0;
        int retries = 0;
        for (;;) {
            ++out.attempts;
            Exchange ex;
            startExchange(ex, method, url, headers, body, options, cancel);
            int status = ex.error.isEmpty() ? ex.response.status_code() : 0;
            if (ex.error.isEmpty() && isRedirect(status) && !options.returnRedirects &&
                (method == "GET" || method == "HEAD" || status == 303)) {
                QUrl next = redirectTarget(url, ex.response);
                if (next.isValid() && ++redirects <= options.maxRedirects) {
                    if (status == 303) {
                        method = QByteArrayLiteral("GET");
                        body.clear();
                    }
                    dropCredentialsFor(url, next, headers);
                    url = next;
                    --out.attempts;
                    continue;
                }
                out.error = QStringLiteral("too many redirects (more than %1) from %2")
                                .arg(options.maxRedirects)
                                .arg(request.url.toDisplayString());
                return out;
            }
            QByteArray received;
            if (ex.error.isEmpty()) {
                readBody(ex, options, cancel, [&](const char *data, qint64 n) {
                    received.append(data, n);
                    return true;
                });
            }
            if (ex.error.isEmpty() && !isTransientStatus(status)) {
                out.status = status;
                out.reason = fromStd(ex.response.reason_phrase());
                out.headers = headersOf(ex.response);
                out.body = received;
                out.finalUrl = url;
                return out;
            }
            bool transient = ex.error.isEmpty() ? true : ex.transient;
            if (!transient || retries >= options.maxRetries || !backoff(retries, options, cancel)) {
                if (ex.error.isEmpty()) { // a 5xx that stayed: hand it to the caller as a response
                    out.status = status;
                    out.reason = fromStd(ex.response.reason_phrase());
                    out.headers = headersOf(ex.response);
                    out.body = received;
                    out.finalUrl = url;
                } else {
                    out.error =
                        QStringLiteral("%1 %2: %3").arg(QString::fromLatin1(method), url.toDisplayString(), ex.error);
                }
                return out;
            }
            ++retries;
        }
    }
};

DownloadResult CppRestHttpClient::download(const QUrl &url, const QString &destinationFile, const HttpOptions &options,
                                           const std::function<void(const DownloadProgress &)> &progress,
                                           const std::atomic_bool *cancel)
{
    DownloadResult result;
    QFile file(destinationFile);
    if (!file.open(QIODevice::ReadWrite)) {
        result.error = QStringLiteral("cannot write %1: %2").arg(destinationFile, file.errorString());
        return result;
    }
    QUrl current = url;
    qint64 total = -1;
    qint64 reported = -1;
    QElapsedTimer clock;
    clock.start();
    qint64 lastReportMs = -1000;
    const qint64 startSize = file.size();
    auto report = [&](bool force) {
        if (!progress)
            return;
        qint64 have = file.size();
        if (have <= reported && !force)
            return;
        if (!force && clock.elapsed() - lastReportMs < 100)
            return;
        if (have < reported) // restarted from zero on a server without Range: stay monotone, report again later
            return;
        lastReportMs = clock.elapsed();
        reported = have;
        double seconds = std::max<qint64>(clock.elapsed(), 1) / 1000.0;
        progress(DownloadProgress{have, total, double(have - startSize) / seconds});
    };
    int redirects = 0;
    int retries = 0;
    for (;;) {
        ++result.attempts;
        const qint64 have = file.size();
        HttpHeaders headers;
        if (have > 0)
            headers.append({QByteArrayLiteral("Range"), QByteArrayLiteral("bytes=") + QByteArray::number(have) + '-'});
        Exchange ex;
        startExchange(ex, QByteArrayLiteral("GET"), current, headers, {}, options, cancel);
        int status = ex.error.isEmpty() ? ex.response.status_code() : 0;
        result.status = status;
        if (ex.error.isEmpty() && isRedirect(status)) {
            QUrl next = redirectTarget(current, ex.response);
            if (!next.isValid() || ++redirects > options.maxRedirects) {
                result.error = QStringLiteral("too many redirects (more than %1) from %2")
                                   .arg(options.maxRedirects)
                                   .arg(url.toDisplayString());
                return result;
            }
            current = next;
            --result.attempts;
            continue;
        }
        bool writeOk = true;
        if (ex.error.isEmpty()) {
            if (status == 416 && have > 0) {
                // Nothing past what we have: the file is complete when the server's size equals ours.
                QByteArray range = fromStd(ex.response.headers().has(U("Content-Range"))
                                               ? ex.response.headers().find(U("Content-Range"))->second
                                               : std::string());
                if (range.endsWith(QByteArray("/" + QByteArray::number(have)))) {
                    total = have;
                    break;
                }
                file.resize(0);
                ex.error = QStringLiteral("the server refused to resume (HTTP 416); starting over");
                ex.transient = true;
            } else if (status == 206 && have > 0) {
                ++result.resumes;
                const auto length = ex.response.headers().content_length();
                if (length > 0)
                    total = have + qint64(length);
                file.seek(have);
            } else if (status == 200) {
                const auto length = ex.response.headers().content_length();
                total = length > 0 || ex.response.headers().has(U("Content-Length")) ? qint64(length) : -1;
                file.resize(0);
                file.seek(0);
            } else if (isTransientStatus(status)) {
                ex.error = statusText(status, fromStd(ex.response.reason_phrase()), current);
                ex.transient = true;
            } else {
                result.error = statusText(status, fromStd(ex.response.reason_phrase()), current);
                return result;
            }
            if (ex.error.isEmpty()) {
                report(true);
                readBody(
                    ex, options, cancel,
                    [&](const char *data, qint64 n) {
                        if (file.write(data, n) != n) {
                            ex.error = QStringLiteral("cannot write %1: %2").arg(destinationFile, file.errorString());
                            writeOk = false;
                            return false;
                        }
                        report(false);
                        return true;
                    },
                    [&] { report(false); });
                file.flush();
                if (ex.error.isEmpty() && total >= 0 && file.size() < total) {
                    ex.error = QStringLiteral("the server closed the connection after %1 of %2 bytes")
                                   .arg(file.size())
                                   .arg(total);
                    ex.transient = true;
                }
                if (ex.error.isEmpty())
                    break;
            }
        }
        if (ex.outcome == WaitOutcome::Canceled || (cancel && cancel->load())) {
            result.canceled = true;
            result.error = QStringLiteral("download of %1 canceled").arg(url.toDisplayString());
            return result;
        }
        if (!writeOk || !ex.transient || retries >= options.maxRetries || !backoff(retries, options, cancel)) {
            if (cancel && cancel->load()) {
                result.canceled = true;
                result.error = QStringLiteral("download of %1 canceled").arg(url.toDisplayString());
                return result;
            }
            result.error = QStringLiteral("download of %1 failed after %2 attempt(s): %3")
                               .arg(url.toDisplayString())
                               .arg(result.attempts)
                               .arg(ex.error);
            return result;
        }
        ++retries;
    }
    file.flush();
    result.ok = true;
    result.bytes = file.size();
    result.finalUrl = current;
    if (total < 0)
        total = result.bytes;
    report(true);
    return result;
}

} // namespace

std::unique_ptr<HttpClient> HttpClient::create()
{
    return std::make_unique<CppRestHttpClient>();
}

} // namespace mldesk::core
