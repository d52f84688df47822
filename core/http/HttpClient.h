// HttpClient: the one interface through which core talks HTTP (dataset downloads, slurmrestd). Plain values in and
// out; the only implementation (CppRestHttpClient.cpp) is the one translation unit that includes cpprestsdk.
#pragma once

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QPair>
#include <QString>
#include <QUrl>

#include <atomic>
#include <functional>
#include <memory>

namespace mldesk::core {

using HttpHeaders = QList<QPair<QByteArray, QByteArray>>;

struct HttpOptions {
    int connectTimeoutMs = 15000; // until the request has been sent on an open connection
    int idleTimeoutMs = 30000;    // longest silence from the server once connected
    int maxRetries = 3;           // extra attempts after a transient failure (network error, timeout, 5xx, 408, 429)
    int initialBackoffMs = 500;   // doubled after each failed attempt
    int maxBackoffMs = 8000;
    int maxRedirects = 5;
    // A redirect is answered as is (status, Location) instead of followed: the caller decides where its credentials
    // may go (SlurmClient). When followed, headers with credentials are dropped on the way to another host or from
    // https to http.
    bool returnRedirects = false;
    bool verifyTls = true; // certificate and host name checks; only tests against self-signed servers turn it off
};

struct HttpRequest {
    QByteArray method = QByteArrayLiteral("GET");
    QUrl url;
    HttpHeaders headers;
    QByteArray body;
};

struct HttpResponse {
    int status = 0; // 0 when no response arrived (then error says why)
    QByteArray reason;
    HttpHeaders headers;
    QByteArray body;
    QUrl finalUrl; // after redirects
    QString error; // empty when a response arrived (whatever its status)
    int attempts = 0;

    bool ok() const { return error.isEmpty() && status >= 200 && status < 300; }
    QByteArray header(const QByteArray &name) const; // case-insensitive; empty when absent
};

struct DownloadProgress {
    qint64 received = 0; // bytes in the destination file so far; never decreases during one download
    qint64 total = -1;   // -1 while unknown
    double bytesPerSecond = 0;
};

struct DownloadResult {
    bool ok = false;
    bool canceled = false;
    int status = 0;
    QString error; // says what went wrong and what to do
    qint64 bytes = 0;
    QUrl finalUrl;
    int attempts = 0;
    int resumes = 0; // attempts that continued a partial file with Range
};

class HttpClient {
public:
    virtual ~HttpClient() = default;

    // Blocking; call from a worker thread. Follows redirects for GET/HEAD, retries transient failures.
    virtual HttpResponse send(const HttpRequest &request, const HttpOptions &options = {}) = 0;

    // Blocking: streams url into destinationFile (never whole in memory). When destinationFile already holds bytes
    // (an interrupted earlier download) it resumes with Range if the server allows, else starts over. progress is
    // called on the calling thread, at most every ~100 ms and once at the end. Sets canceled when *cancel turns
    // true. On failure the partial file is kept, so a later call can resume it; the caller deletes it to give up.
    virtual DownloadResult download(const QUrl &url, const QString &destinationFile, const HttpOptions &options = {},
                                    const std::function<void(const DownloadProgress &)> &progress = {},
                                    const std::atomic_bool *cancel = nullptr) = 0;

    // Asynchronous send: done runs on context's thread (queued), never after context is destroyed.
    virtual void sendAsync(const HttpRequest &request, const HttpOptions &options, QObject *context,
                           std::function<void(const HttpResponse &)> done) = 0;

    // The cpprestsdk implementation.
    static std::unique_ptr<HttpClient> create();
};

} // namespace mldesk::core
