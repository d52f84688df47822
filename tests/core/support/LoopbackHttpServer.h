// LoopbackHttpServer: a small HTTP/1.1 server on 127.0.0.1 for tests, on its own thread (so blocking clients on
// other threads and the test's event loop both work). Serves byte arrays with Range, redirects, 404, mid-body
// closes, stalls and slow trickles; records every request.
#pragma once

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QMutex>
#include <QString>
#include <QThread>
#include <QUrl>

#include <atomic>

namespace mldesk::test {

class LoopbackHttpServer final : public QThread {
    Q_OBJECT
public:
    struct Route {
        QByteArray body;
        int status = 200;            // 200 serves body; 301/302/307 redirect to redirectTo; 404 etc. send body
        QByteArray redirectTo;       // a path ("/x") or full URL
        bool supportsRange = true;   // false: Range is ignored (200 with the whole body)
        int breakFirstRequests = 0;  // this many GETs close the connection after half of the bytes
        qint64 stallAfterBytes = -1; // >= 0: send headers and this many bytes, then go silent (keep open)
        int trickleDelayMs = 0;      // > 0: send the body in 1 KiB pieces this far apart
    };
    struct Logged {
        QByteArray method;
        QByteArray path;
        QByteArray range;                             // the Range header, empty when none
        QList<QPair<QByteArray, QByteArray>> headers; // every header, names in lower case
    };

    LoopbackHttpServer();
    ~LoopbackHttpServer() override;

    // Serve https with this certificate and key (PEM) instead of http; call before startServing().
    void setTls(const QByteArray &certificatePem, const QByteArray &keyPem);
    // Starts listening on an ephemeral port and returns it (0 on failure).
    quint16 startServing();
    quint16 port() const { return m_port; }
    QUrl url(const QString &path) const;

    void setRoute(const QByteArray &path, const Route &route);
    void serveFile(const QByteArray &path, const QByteArray &body) { setRoute(path, Route{body}); }
    QList<Logged> requests() const;
    int requestCount(const QByteArray &path) const;

protected:
    void run() override;

private:
    friend class ServerConnection;
    Route takeRoute(const QByteArray &path, bool *found); // applies breakFirstRequests bookkeeping
    void log(const Logged &entry);

    mutable QMutex m_mutex;
    QHash<QByteArray, Route> m_routes;
    QByteArray m_certificatePem;
    QByteArray m_keyPem;
    QList<Logged> m_log;
    std::atomic<quint16> m_port{0};
    std::atomic_bool m_ready{false};
};

} // namespace mldesk::test
