// HttpServer: Boost.Beast sessions on per-connection strands over one io_context; see the header.
#include "HttpServer.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <csignal>
#include <optional>
#include <stdexcept>
#include <thread>
#include <vector>

namespace mldesk::serve {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

struct HttpServer::Impl {
    Impl(Options o, ScoreService &s, ServeMetrics &m)
        : options(std::move(o)), service(s), metrics(m), ioc(std::max(1, options.ioThreads)), acceptor(ioc),
          signals(ioc, SIGINT, SIGTERM), hangup(ioc, SIGHUP), retry(ioc)
    {
    }
    void accept();

    Options options;
    ScoreService &service;
    ServeMetrics &metrics;
    net::io_context ioc;
    tcp::acceptor acceptor;
    net::signal_set signals;
    net::signal_set hangup;
    net::steady_timer retry;
    std::function<void()> onReload;
};

namespace {

class Session : public std::enable_shared_from_this<Session> {
public:
    Session(tcp::socket &&socket, HttpServer::Impl &server) : m_stream(std::move(socket)), m_server(server)
    {
        m_server.metrics.connectionOpened();
        // Beast reads into the buffer's free capacity (at least 512 bytes): without room, a 1 MB batch-100 body
        // arrives in ~2,000 reads of 500 bytes, each a syscall and a handler. 64 KiB reads take 16.
        m_buffer.reserve(64 * 1024);
    }
    ~Session() { uncount(); }

    void start()
    {
        net::dispatch(m_stream.get_executor(), beast::bind_front_handler(&Session::readHeader, shared_from_this()));
    }
    // Over the connection limit: one 503, then close.
    void reject()
    {
        net::dispatch(m_stream.get_executor(), [self = shared_from_this()] {
            ServeReply r;
            r.status = 503;
            r.body = ScoreService::jsonError("too many open connections; retry later");
            self->m_keepAlive = false;
            self->write(std::move(r));
        });
    }

private:
    void readHeader()
    {
        m_parser.emplace();
        m_parser->body_limit(m_server.options.maxBodyBytes);
        m_parser->header_limit(16 * 1024);
        // One deadline for the whole request (header and body): a slow or stalled client cannot hold the
        // connection longer than the timeout, and an idle keep-alive connection is closed after it.
        m_stream.expires_after(m_server.options.clientTimeout);
        http::async_read_header(m_stream, m_buffer, *m_parser,
                                beast::bind_front_handler(&Session::onHeader, shared_from_this()));
    }

    void onHeader(beast::error_code ec, std::size_t)
    {
        if (ec)
            return fail(ec);
        auto &req = m_parser->get();
        if (req.payload_size() && *req.payload_size() > m_server.options.maxBodyBytes)
            return refuse(413, "the body is " + std::to_string(*req.payload_size()) + " bytes; the limit is " +
                                   std::to_string(m_server.options.maxBodyBytes));
        if (beast::iequals(req[http::field::expect], "100-continue")) {
            auto self = shared_from_this();
            auto text = std::make_shared<std::string>("HTTP/1.1 100 Continue\r\n\r\n");
            net::async_write(m_stream, net::buffer(*text), [self, text](beast::error_code e, std::size_t) {
                if (e)
                    return self->fail(e);
                self->readBody();
            });
            return;
        }
        readBody();
    }

    void readBody()
    {
        http::async_read(m_stream, m_buffer, *m_parser,
                         beast::bind_front_handler(&Session::onRead, shared_from_this()));
    }

    void fail(beast::error_code ec)
    {
        if (ec == http::error::body_limit)
            return refuse(413,
                          "the body is over the limit of " + std::to_string(m_server.options.maxBodyBytes) + " bytes");
        if (ec == beast::error::timeout)
            return close(); // the stream has closed the socket already: a stalled client gets no answer
        if (ec == http::error::end_of_stream || ec == http::error::partial_message || ec == net::error::eof ||
            ec == net::error::connection_reset || ec == net::error::operation_aborted || ec == net::error::broken_pipe)
            return close();
        if (ec.category() == http::make_error_code(http::error::bad_target).category())
            return refuse(400, "malformed HTTP request: " + ec.message());
        close();
    }

    void refuse(int status, const std::string &message)
    {
        m_path = m_parser && m_parser->is_header_done() ? std::string(m_parser->get().target()) : std::string();
        m_path = m_path.substr(0, m_path.find('?'));
        m_started = std::chrono::steady_clock::now();
        m_keepAlive = false; // the rest of the request is still on the wire: close after answering
        ServeReply r;
        r.status = status;
        r.body = ScoreService::jsonError(message);
        write(std::move(r));
    }

    void onRead(beast::error_code ec, std::size_t)
    {
        if (ec)
            return fail(ec);
        auto req = m_parser->release();
        m_keepAlive = req.keep_alive();
        m_version = req.version();
        m_started = std::chrono::steady_clock::now();
        ServeRequest r;
        r.method = std::string(req.method_string());
        r.target = std::string(req.target());
        r.authorization = std::string(req[http::field::authorization]);
        r.body = std::move(req.body());
        m_path = r.target.substr(0, r.target.find('?'));
        // dispatch: an answer made on this connection's strand (health, errors, a small batch scored inline) is
        // written at once; one from the batch worker's thread is posted to the strand.
        m_server.service.handle(std::move(r), [self = shared_from_this()](ServeReply reply) {
            net::dispatch(self->m_stream.get_executor(),
                          [self, reply = std::move(reply)]() mutable { self->write(std::move(reply)); });
        });
    }

    void write(ServeReply reply)
    {
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - m_started).count();
        m_server.metrics.recordRequest(m_path, reply.status, seconds);
        if (reply.status >= 400 && m_server.options.logRefusal)
            m_server.options.logRefusal(reply.status, m_path, reply.body);
        m_response = {};
        m_response.version(m_version);
        m_response.result(unsigned(reply.status));
        m_response.set(http::field::server, "mldesk-serve");
        m_response.set(http::field::content_type, reply.contentType);
        if (!reply.allow.empty())
            m_response.set(http::field::allow, reply.allow);
        if (reply.status == 401)
            m_response.set(http::field::www_authenticate, "Bearer");
        if (reply.status == 503)
            m_response.set(http::field::retry_after, "1");
        m_response.body() = std::move(reply.body);
        m_response.keep_alive(m_keepAlive);
        m_response.prepare_payload();
        m_stream.expires_after(m_server.options.clientTimeout);
        http::async_write(m_stream, m_response, beast::bind_front_handler(&Session::onWrite, shared_from_this()));
    }

    void onWrite(beast::error_code ec, std::size_t)
    {
        if (ec)
            return close();
        if (!m_response.keep_alive())
            return drainThenClose();
        readHeader();
    }

    // After refusing a request whose body is still arriving (413), closing at once would reset the connection and
    // the client might never read the answer: stop sending, read and drop what comes, close on EOF or timeout.
    void drainThenClose()
    {
        uncount(); // a connection on its way out does not hold a place under the limit
        beast::error_code ignored;
        m_stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
        m_stream.expires_after(std::chrono::seconds(2));
        m_drain.resize(64 * 1024);
        m_stream.async_read_some(net::buffer(m_drain), [self = shared_from_this()](beast::error_code e, std::size_t) {
            if (e)
                return self->close();
            self->drainThenClose();
        });
    }

    void close()
    {
        beast::error_code ignored;
        m_stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
        m_stream.close();
    }

    void uncount()
    {
        if (m_counted)
            m_server.metrics.connectionClosed();
        m_counted = false;
    }

    beast::tcp_stream m_stream;
    HttpServer::Impl &m_server;
    bool m_counted = true;
    beast::flat_buffer m_buffer;
    std::optional<http::request_parser<http::string_body>> m_parser;
    http::response<http::string_body> m_response;
    bool m_keepAlive = true;
    unsigned m_version = 11;
    std::string m_path;
    std::chrono::steady_clock::time_point m_started;
    std::vector<char> m_drain;
};

} // namespace

void HttpServer::Impl::accept()
{
    acceptor.async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
        if (ec == net::error::operation_aborted || !acceptor.is_open())
            return;
        if (ec) { // e.g. out of file descriptors: try again shortly instead of spinning
            retry.expires_after(std::chrono::milliseconds(50));
            retry.async_wait([this](beast::error_code) { accept(); });
            return;
        }
        beast::error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);
        auto session = std::make_shared<Session>(std::move(socket), *this);
        if (metrics.connections() > options.maxConnections)
            session->reject();
        else
            session->start();
        accept();
    });
}

HttpServer::HttpServer(Options options, ScoreService &service, ServeMetrics &metrics)
    : m_impl(std::make_unique<Impl>(std::move(options), service, metrics))
{
}

HttpServer::~HttpServer() = default;

void HttpServer::listen()
{
    beast::error_code ec;
    tcp::resolver resolver(m_impl->ioc);
    const auto results =
        resolver.resolve(m_impl->options.host, std::to_string(m_impl->options.port), tcp::resolver::passive, ec);
    if (ec || results.empty())
        throw std::runtime_error("cannot resolve the host '" + m_impl->options.host + "': " + ec.message());
    const tcp::endpoint endpoint = results.begin()->endpoint();
    auto &a = m_impl->acceptor;
    a.open(endpoint.protocol(), ec);
    if (!ec)
        a.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec)
        a.bind(endpoint, ec);
    if (!ec)
        a.listen(net::socket_base::max_listen_connections, ec);
    if (ec)
        throw std::runtime_error("cannot listen on " + m_impl->options.host + ":" +
                                 std::to_string(m_impl->options.port) + ": " + ec.message() +
                                 (ec == net::error::address_in_use ? " (pick another --port)" : ""));
}

std::uint16_t HttpServer::port() const
{
    beast::error_code ec;
    return m_impl->acceptor.local_endpoint(ec).port();
}

void HttpServer::run(std::function<void()> onReload)
{
    m_impl->onReload = std::move(onReload);
    m_impl->signals.async_wait([this](beast::error_code ec, int) {
        if (!ec)
            stop();
    });
    std::function<void()> armHangup = [this, &armHangup] {
        m_impl->hangup.async_wait([this, &armHangup](beast::error_code ec, int) {
            if (ec)
                return;
            if (m_impl->onReload)
                m_impl->onReload();
            armHangup();
        });
    };
    armHangup();
    m_impl->accept();
    std::vector<std::thread> threads;
    for (int i = 1; i < m_impl->options.ioThreads; ++i)
        threads.emplace_back([this] { m_impl->ioc.run(); });
    m_impl->ioc.run();
    for (std::thread &t : threads)
        t.join();
}

void HttpServer::stop()
{
    net::post(m_impl->ioc, [this] {
        beast::error_code ignored;
        m_impl->acceptor.close(ignored);
        m_impl->ioc.stop();
    });
}

} // namespace mldesk::serve
