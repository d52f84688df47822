// LoopbackHttpServer: see the header. One QTcpServer in the server thread's event loop; one connection object per
// socket parses the request head and answers according to the route.
#include "LoopbackHttpServer.h"

#include <QEventLoop>
#include <QMutexLocker>
#include <QPointer>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslKey>
#include <QSslServer>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>

#include <memory>

namespace mldesk::test {

class ServerConnection final : public QObject {
    Q_OBJECT
public:
    ServerConnection(LoopbackHttpServer *server, QTcpSocket *socket)
        : QObject(socket), m_server(server), m_socket(socket)
    {
        connect(socket, &QTcpSocket::readyRead, this, &ServerConnection::onReadyRead);
        connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
    }

private:
    void onReadyRead()
    {
        m_buffer += m_socket->readAll();
        int end = m_buffer.indexOf("\r\n\r\n");
        if (end < 0 || m_answered)
            return;
        m_answered = true;
        const QList<QByteArray> lines = m_buffer.left(end).split('\n');
        const QList<QByteArray> requestLine = lines.value(0).trimmed().split(' ');
        LoopbackHttpServer::Logged entry{requestLine.value(0), requestLine.value(1), {}};
        for (const QByteArray &line : lines.mid(1)) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.left(colon).trimmed().toLower() == "range")
                entry.range = line.mid(colon + 1).trimmed();
            if (colon > 0)
                entry.headers.append({line.left(colon).trimmed().toLower(), line.mid(colon + 1).trimmed()});
        }
        m_server->log(entry);
        answer(entry);
    }

    void answer(const LoopbackHttpServer::Logged &request)
    {
        bool found = false;
        QByteArray path = request.path;
        int query = path.indexOf('?');
        if (query >= 0)
            path.truncate(query);
        const LoopbackHttpServer::Route route = m_server->takeRoute(path, &found);
        if (!found) {
            sendWhole(404, "Not Found", "no such file\n");
            return;
        }
        if (route.status == 301 || route.status == 302 || route.status == 307 || route.status == 308) {
            m_socket->write("HTTP/1.1 " + QByteArray::number(route.status) + " Redirect\r\nLocation: " +
                            route.redirectTo + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            m_socket->disconnectFromHost();
            return;
        }
        if (route.status != 200) {
            sendWhole(route.status, "Error", route.body);
            return;
        }
        const QByteArray &body = route.body;
        qint64 from = 0;
        bool partial = false;
        if (route.supportsRange && request.range.startsWith("bytes=")) {
            QByteArray spec = request.range.mid(6);
            from = spec.left(spec.indexOf('-')).toLongLong();
            if (from >= body.size()) {
                m_socket->write("HTTP/1.1 416 Range Not Satisfiable\r\nContent-Range: bytes */" +
                                QByteArray::number(body.size()) + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                m_socket->disconnectFromHost();
                return;
            }
            partial = true;
        }
        QByteArray head = partial ? QByteArray("HTTP/1.1 206 Partial Content\r\n") : QByteArray("HTTP/1.1 200 OK\r\n");
        head += "Content-Type: application/octet-stream\r\nConnection: close\r\n";
        if (route.supportsRange)
            head += "Accept-Ranges: bytes\r\n";
        if (partial)
            head += "Content-Range: bytes " + QByteArray::number(from) + '-' + QByteArray::number(body.size() - 1) +
                    '/' + QByteArray::number(body.size()) + "\r\n";
        head += "Content-Length: " + QByteArray::number(body.size() - from) + "\r\n\r\n";
        m_socket->write(head);
        const QByteArray rest = body.mid(from);
        if (route.breakFirstRequests < 0) { // this request is one of those that break
            m_socket->write(rest.left(rest.size() / 2));
            m_socket->flush();
            m_socket->disconnectFromHost();
            return;
        }
        if (route.stallAfterBytes >= 0) {
            m_socket->write(rest.left(route.stallAfterBytes));
            m_socket->flush();
            return; // silent until the client gives up; the socket closes with the server
        }
        if (route.trickleDelayMs > 0) {
            m_pending = rest;
            auto *timer = new QTimer(this);
            connect(timer, &QTimer::timeout, this, [this, timer] {
                m_socket->write(m_pending.left(1024));
                m_pending.remove(0, 1024);
                if (m_pending.isEmpty()) {
                    timer->stop();
                    m_socket->disconnectFromHost();
                }
            });
            timer->start(route.trickleDelayMs);
            return;
        }
        m_socket->write(rest);
        m_socket->disconnectFromHost();
    }

    void sendWhole(int status, const QByteArray &reason, const QByteArray &body)
    {
        m_socket->write("HTTP/1.1 " + QByteArray::number(status) + ' ' + reason +
                        "\r\nContent-Type: text/plain\r\nConnection: close\r\nContent-Length: " +
                        QByteArray::number(body.size()) + "\r\n\r\n" + body);
        m_socket->disconnectFromHost();
    }

    LoopbackHttpServer *m_server;
    QTcpSocket *m_socket;
    QByteArray m_buffer;
    QByteArray m_pending;
    bool m_answered = false;
};

LoopbackHttpServer::LoopbackHttpServer() = default;

LoopbackHttpServer::~LoopbackHttpServer()
{
    quit();
    wait();
}

quint16 LoopbackHttpServer::startServing()
{
    start();
    while (!m_ready)
        QThread::msleep(5);
    return m_port;
}

void LoopbackHttpServer::setTls(const QByteArray &certificatePem, const QByteArray &keyPem)
{
    m_certificatePem = certificatePem;
    m_keyPem = keyPem;
}

QUrl LoopbackHttpServer::url(const QString &path) const
{
    const QString scheme = m_certificatePem.isEmpty() ? QStringLiteral("http") : QStringLiteral("https");
    return QUrl(QStringLiteral("%1://127.0.0.1:%2%3").arg(scheme).arg(m_port.load()).arg(path));
}

void LoopbackHttpServer::setRoute(const QByteArray &path, const Route &route)
{
    QMutexLocker lock(&m_mutex);
    m_routes.insert(path, route);
}

QList<LoopbackHttpServer::Logged> LoopbackHttpServer::requests() const
{
    QMutexLocker lock(&m_mutex);
    return m_log;
}

int LoopbackHttpServer::requestCount(const QByteArray &path) const
{
    QMutexLocker lock(&m_mutex);
    int n = 0;
    for (const Logged &entry : m_log)
        n += entry.path == path ? 1 : 0;
    return n;
}

LoopbackHttpServer::Route LoopbackHttpServer::takeRoute(const QByteArray &path, bool *found)
{
    QMutexLocker lock(&m_mutex);
    auto it = m_routes.find(path);
    *found = it != m_routes.end();
    if (!*found)
        return {};
    Route route = *it;
    if (it->breakFirstRequests > 0) {
        --it->breakFirstRequests;
        route.breakFirstRequests = -1; // tells the connection to break this one
    }
    return route;
}

void LoopbackHttpServer::log(const Logged &entry)
{
    QMutexLocker lock(&m_mutex);
    m_log.append(entry);
}

void LoopbackHttpServer::run()
{
    std::unique_ptr<QTcpServer> tcp;
    if (m_certificatePem.isEmpty()) {
        tcp = std::make_unique<QTcpServer>();
    } else {
        auto ssl = std::make_unique<QSslServer>();
        QSslConfiguration config = QSslConfiguration::defaultConfiguration();
        config.setLocalCertificate(QSslCertificate(m_certificatePem, QSsl::Pem));
        config.setPrivateKey(QSslKey(m_keyPem, QSsl::Rsa, QSsl::Pem));
        ssl->setSslConfiguration(config);
        tcp = std::move(ssl);
    }
    QTcpServer &server = *tcp;
    if (!server.listen(QHostAddress::LocalHost, 0)) {
        m_ready = true;
        return;
    }
    // pendingConnectionAvailable also fires for QSslServer, once a connection's TLS handshake is done.
    QObject::connect(&server, &QTcpServer::pendingConnectionAvailable, &server, [this, &server] {
        while (QTcpSocket *socket = server.nextPendingConnection())
            new ServerConnection(this, socket);
    });
    m_port = server.serverPort();
    m_ready = true;
    exec();
}

} // namespace mldesk::test

#include "LoopbackHttpServer.moc"
