// HttpServer: one epoll loop per I/O thread, connections owned by the loop that reads them; see the header.
#include "HttpServer.h"

#include "HttpParser.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

namespace mldesk::serve {

namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t kHeadLimit = 16 * 1024;
constexpr std::size_t kInitialBuffer = 16 * 1024;
constexpr std::size_t kReadAtLeast = 16 * 1024;
constexpr int kSweepMs = 250; // how often deadlines are checked: a timeout fires up to this late
constexpr auto kDrainTimeout = std::chrono::seconds(2);
constexpr auto kAcceptPause = std::chrono::milliseconds(50);

const char *reason(int status)
{
    switch (status) {
    case 200:
        return "200 OK\r\n";
    case 400:
        return "400 Bad Request\r\n";
    case 401:
        return "401 Unauthorized\r\n";
    case 404:
        return "404 Not Found\r\n";
    case 405:
        return "405 Method Not Allowed\r\n";
    case 413:
        return "413 Payload Too Large\r\n";
    case 431:
        return "431 Request Header Fields Too Large\r\n";
    case 500:
        return "500 Internal Server Error\r\n";
    case 503:
        return "503 Service Unavailable\r\n";
    default:
        return nullptr;
    }
}

class Connection;
class Loop;
thread_local Loop *t_loop = nullptr; // the loop running on this thread, if any

} // namespace

struct HttpServer::Impl {
    Impl(Options o, ScoreService &s, ServeMetrics &m)
        : options(std::move(o)), service(s), metrics(m), signals(ioc, SIGINT, SIGTERM), hangup(ioc, SIGHUP)
    {
    }
    ~Impl()
    {
        if (listenFd >= 0)
            ::close(listenFd);
    }

    Options options;
    ScoreService &service;
    ServeMetrics &metrics;
    int listenFd = -1;
    std::atomic<bool> stopping{false};
    std::vector<std::shared_ptr<Loop>> loops;
    boost::asio::io_context ioc{1}; // the signals only
    boost::asio::signal_set signals;
    boost::asio::signal_set hangup;
    std::function<void()> onReload;
};

namespace {

// One I/O thread: its epoll set, its connections, and a queue (with an eventfd) for what other threads hand it -
// connections the accepting loop deals to it, answers from the batch worker.
class Loop : public std::enable_shared_from_this<Loop> {
public:
    Loop(HttpServer::Impl &server, std::size_t index);
    ~Loop();
    void run();
    void wake();
    // From any thread: an answer to a request that `c` is waiting for.
    void post(std::shared_ptr<Connection> c, ServeReply reply);
    void postConnection(int fd);

    HttpServer::Impl &server;
    const std::size_t index;
    int epoll = -1;

    void add(int fd, std::uint32_t events, void *tag) const;
    void closed(Connection *c) { m_closed.push_back(c); }

private:
    void adopt(int fd);
    void acceptAll();
    void drainQueue();
    void sweep(Clock::time_point now);

    int m_wake = -1;
    std::vector<std::shared_ptr<Connection>> m_live;
    std::vector<Connection *> m_closed;
    std::mutex m_mutex;
    bool m_stopped = false;
    std::vector<int> m_newFds;
    std::vector<std::pair<std::shared_ptr<Connection>, ServeReply>> m_replies;
    std::vector<std::pair<std::shared_ptr<Connection>, ServeReply>> m_taken;
    std::size_t m_nextLoop = 0;
    Clock::time_point m_acceptPausedUntil{};
    bool m_acceptPaused = false;

    friend class Connection;
};

class Connection : public std::enable_shared_from_this<Connection> {
public:
    Connection(int fd, std::shared_ptr<Loop> loop, std::size_t at)
        : index(at), m_fd(fd), m_loop(std::move(loop)), m_server(m_loop->server)
    {
        m_buffer.resize(kInitialBuffer);
        m_deadline = Clock::now() + m_server.options.clientTimeout;
    }
    ~Connection()
    {
        if (m_fd >= 0)
            ::close(m_fd);
        uncount();
    }

    void onEvent(std::uint32_t events)
    {
        switch (m_state) {
        case State::Reading:
        case State::Draining:
            if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
                readable();
            break;
        case State::Writing:
            if (events & (EPOLLOUT | EPOLLHUP | EPOLLERR))
                send();
            break;
        case State::Busy:
        case State::Closed:
            break;
        }
    }

    // Over the connection limit: one 503, then close.
    void reject()
    {
        m_started = Clock::now();
        m_keepAlive = false;
        m_state = State::Busy;
        ServeReply r;
        r.status = 503;
        r.body = ScoreService::jsonError("too many open connections; retry later");
        answer(std::move(r));
    }

    // The answer to the request this connection waits for, on its loop's thread.
    void answer(ServeReply reply)
    {
        const std::shared_ptr<Connection> self = std::move(m_self);
        if (m_state != State::Busy)
            return; // closed while the batch worker computed
        const double seconds = std::chrono::duration<double>(Clock::now() - m_started).count();
        m_server.metrics.recordRequest(m_path, reply.status, seconds);
        if (reply.status >= 400 && m_server.options.logRefusal)
            m_server.options.logRefusal(reply.status, std::string(m_path), reply.body);
        m_start += m_consumeAfter;
        m_consumeAfter = 0;
        if (m_start == m_end)
            m_start = m_end = 0;
        m_headDone = false;

        // The head is built in a buffer that keeps its capacity; a small body is appended to it (one send), a big
        // one goes beside it (sendmsg gathers both).
        m_out.clear();
        m_out += m_http10 ? "HTTP/1.0 " : "HTTP/1.1 ";
        if (const char *r = reason(reply.status))
            m_out += r;
        else
            m_out += std::to_string(reply.status) + " Error\r\n";
        m_out += "Server: mldesk-serve\r\nContent-Type: ";
        m_out += reply.contentType;
        m_out += "\r\nContent-Length: ";
        char digits[24];
        m_out.append(digits, std::to_chars(digits, digits + sizeof digits, reply.body.size()).ptr);
        m_out += "\r\n";
        if (!reply.allow.empty())
            m_out += "Allow: " + reply.allow + "\r\n";
        if (reply.status == 401)
            m_out += "WWW-Authenticate: Bearer\r\n";
        if (reply.status == 503)
            m_out += "Retry-After: 1\r\n";
        if (!m_keepAlive)
            m_out += "Connection: close\r\n";
        else if (m_http10)
            m_out += "Connection: keep-alive\r\n";
        m_out += "\r\n";
        if (reply.body.size() <= 4096) {
            m_out += reply.body;
            m_outBody.clear();
        } else {
            m_outBody = std::move(reply.body);
        }
        m_sent = 0;
        m_state = State::Writing;
        m_deadline = Clock::now() + m_server.options.clientTimeout;
        send();
    }

    void expire(Clock::time_point now)
    {
        if ((m_state == State::Reading || m_state == State::Writing || m_state == State::Draining) && now > m_deadline)
            close(); // a stalled client gets no answer
    }

    void close()
    {
        if (m_state == State::Closed)
            return;
        m_state = State::Closed;
        ::shutdown(m_fd, SHUT_RDWR);
        ::close(m_fd); // leaves the epoll set too
        m_fd = -1;
        m_events = 0;
        uncount();
        m_loop->closed(this);
    }

    std::shared_ptr<Connection> m_self; // while the batch worker holds the request

    std::size_t index; // in the loop's m_live

    void registerFirst() { interest(EPOLLIN); }

private:
    enum class State { Reading, Busy, Writing, Draining, Closed };

    void interest(std::uint32_t events)
    {
        if (events == m_events)
            return;
        epoll_event e{};
        e.events = events;
        e.data.ptr = this;
        // Busy connections leave the set: with level triggering a peer's hang-up would otherwise wake the loop
        // again and again until the answer comes.
        const int op = m_events == 0 ? EPOLL_CTL_ADD : events == 0 ? EPOLL_CTL_DEL : EPOLL_CTL_MOD;
        ::epoll_ctl(m_loop->epoll, op, m_fd, &e);
        m_events = events;
    }

    // Room for at least `want` more bytes after m_end, moving what is unread to the front first.
    void reserve(std::size_t want)
    {
        if (m_buffer.size() - m_end >= want)
            return;
        if (m_start > 0) {
            std::memmove(m_buffer.data(), m_buffer.data() + m_start, m_end - m_start);
            m_end -= m_start;
            m_start = 0;
        }
        if (m_buffer.size() - m_end < want)
            m_buffer.resize(std::max(m_buffer.size() * 2, m_end + want));
    }

    void readable()
    {
        for (;;) {
            std::size_t want = kReadAtLeast;
            if (m_state == State::Draining)
                m_start = m_end = 0;
            else if (m_headDone && !m_request.chunked && m_start + m_request.contentLength > m_end)
                want = std::max(want, m_start + m_request.contentLength - m_end); // the whole body in a few reads
            reserve(want);
            const std::size_t room = m_buffer.size() - m_end;
            const ssize_t n = ::recv(m_fd, m_buffer.data() + m_end, room, 0);
            if (n > 0) {
                m_end += std::size_t(n);
                // Level-triggered: what is left wakes the loop again. Only a known body still arriving is read on at
                // once (into the room reserved for it), so a flood of pipelined bytes cannot grow the buffer.
                if (std::size_t(n) < room || m_state == State::Draining || !m_headDone || m_request.chunked ||
                    m_end - m_start >= m_request.contentLength)
                    break;
                continue;
            }
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
                break;
            return close(); // EOF or an error: a half-sent request is dropped, as Beast did
        }
        if (m_state == State::Draining) {
            m_start = m_end = 0;
            return;
        }
        process();
    }

    // Parses and answers every whole request in the buffer (pipelining), until one goes to the batch worker or more
    // bytes are needed.
    void process()
    {
        m_processing = true;
        struct Done {
            bool &flag;
            ~Done() { flag = false; }
        } done{m_processing};
        while (m_state == State::Reading) {
            const std::string_view pending(m_buffer.data() + m_start, m_end - m_start);
            if (!m_headDone) {
                if (pending.empty())
                    return;
                std::string error;
                switch (parseHttpHead(pending, kHeadLimit, m_request, error)) {
                case HttpParse::Incomplete:
                    return;
                case HttpParse::TooLarge:
                    return refuse(431, "the request head is over " + std::to_string(kHeadLimit) + " bytes");
                case HttpParse::Bad:
                    return refuse(400, "malformed HTTP request: " + error);
                case HttpParse::Done:
                    break;
                }
                // Copies (into buffers that keep their capacity): the read buffer may move while the body arrives.
                m_method.assign(m_request.method);
                m_target.assign(m_request.target);
                m_authorization.assign(m_request.authorization);
                m_path = std::string_view(m_target).substr(0, m_target.find('?'));
                m_http10 = m_request.http10;
                m_keepAlive = m_request.keepAlive;
                m_start += m_request.size;
                m_headDone = true;
                m_chunks.reset();
                m_chunked.clear();
                if (m_request.contentLength > m_server.options.maxBodyBytes)
                    return refuse(413, "the body is " + std::to_string(m_request.contentLength) +
                                           " bytes; the limit is " + std::to_string(m_server.options.maxBodyBytes));
                const bool whole = !m_request.chunked && m_end - m_start >= m_request.contentLength;
                if (m_request.expectContinue && !m_http10 && !whole) {
                    static constexpr char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";
                    if (::send(m_fd, kContinue, sizeof kContinue - 1, MSG_NOSIGNAL) != ssize_t(sizeof kContinue - 1))
                        return close();
                }
                continue;
            }
            std::string_view body;
            if (m_request.chunked) {
                std::size_t used = 0;
                std::string error;
                const HttpParse r = m_chunks.feed(pending, used, m_chunked, m_server.options.maxBodyBytes, error);
                m_start += used;
                if (r == HttpParse::Incomplete)
                    return;
                if (r == HttpParse::TooLarge)
                    return refuse(413, "the body is over the limit of " +
                                           std::to_string(m_server.options.maxBodyBytes) + " bytes");
                if (r == HttpParse::Bad)
                    return refuse(400, "malformed HTTP request: " + error);
                body = m_chunked;
                m_consumeAfter = 0;
            } else {
                if (pending.size() < m_request.contentLength)
                    return;
                body = pending.substr(0, m_request.contentLength);
                m_consumeAfter = m_request.contentLength;
            }
            dispatch(body);
        }
    }

    void dispatch(std::string_view body)
    {
        m_state = State::Busy;
        m_started = Clock::now();
        if (m_server.options.benchSink && m_path == "/sink" && m_method == "POST") {
            ServeReply r;
            r.body = "[0]";
            return answer(std::move(r));
        }
        m_self = shared_from_this();
        m_inHandle = true;
        m_hasReply = false;
        const ServeRequest request{m_method, m_target, m_authorization, body};
        // Captures only `this` (fits std::function's small buffer: no allocation); m_self keeps the connection alive
        // for an answer that comes later from another thread.
        m_server.service.handle(request, [this](ServeReply reply) { onReply(std::move(reply)); });
        m_inHandle = false;
        if (m_hasReply) {
            m_hasReply = false;
            answer(std::move(m_reply));
        } else {
            interest(0); // the batch worker answers; nothing to read meanwhile
        }
    }

    void onReply(ServeReply reply)
    {
        if (t_loop == m_loop.get() && m_inHandle) { // answered on this thread before handle() returned
            m_reply = std::move(reply);
            m_hasReply = true;
            return;
        }
        m_loop->post(m_self, std::move(reply));
    }

    // A request that cannot be read on: answer, then drain and close (the rest of it may still be on the wire).
    void refuse(int status, const std::string &message)
    {
        if (!m_headDone)
            m_path = {};
        m_started = Clock::now();
        m_keepAlive = false;
        m_state = State::Busy;
        ServeReply r;
        r.status = status;
        r.body = ScoreService::jsonError(message);
        answer(std::move(r));
    }

    void send()
    {
        const std::size_t total = m_out.size() + m_outBody.size();
        while (m_sent < total) {
            iovec parts[2];
            int count = 0;
            if (m_sent < m_out.size())
                parts[count++] = {m_out.data() + m_sent, m_out.size() - m_sent};
            if (!m_outBody.empty()) {
                const std::size_t skip = m_sent > m_out.size() ? m_sent - m_out.size() : 0;
                parts[count++] = {m_outBody.data() + skip, m_outBody.size() - skip};
            }
            msghdr msg{};
            msg.msg_iov = parts;
            msg.msg_iovlen = std::size_t(count);
            const ssize_t n = ::sendmsg(m_fd, &msg, MSG_NOSIGNAL);
            if (n >= 0) {
                m_sent += std::size_t(n);
                continue;
            }
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return interest(EPOLLOUT);
            return close();
        }
        if (m_outBody.capacity() > (1u << 20))
            std::string().swap(m_outBody); // a big answer's buffer is not kept
        if (!m_keepAlive)
            return drain();
        m_state = State::Reading;
        m_deadline = Clock::now() + m_server.options.clientTimeout;
        interest(EPOLLIN);
        if (!m_processing)
            process(); // a pipelined request may be in the buffer already (else the running process() goes on)
    }

    // After an answer with Connection: close, closing at once could reset the connection before the client has read
    // the answer (when it is still sending): stop sending, read and drop what comes, close on EOF or timeout.
    void drain()
    {
        uncount(); // a connection on its way out does not hold a place under the limit
        ::shutdown(m_fd, SHUT_WR);
        m_state = State::Draining;
        m_start = m_end = 0;
        m_deadline = Clock::now() + kDrainTimeout;
        interest(EPOLLIN);
    }

    void uncount()
    {
        if (m_counted)
            m_server.metrics.connectionClosed();
        m_counted = false;
    }

    int m_fd;
    std::shared_ptr<Loop> m_loop;
    HttpServer::Impl &m_server;
    State m_state = State::Reading;
    std::uint32_t m_events = 0;
    bool m_counted = true;
    Clock::time_point m_deadline;
    Clock::time_point m_started;

    std::vector<char> m_buffer; // unread bytes are [m_start, m_end)
    std::size_t m_start = 0, m_end = 0;
    bool m_headDone = false;
    HttpHead m_request;
    ChunkedDecoder m_chunks;
    std::string m_chunked; // a chunked body, decoded
    std::size_t m_consumeAfter = 0;
    std::string m_method, m_target, m_authorization;
    std::string_view m_path; // into m_target
    bool m_http10 = false;
    bool m_keepAlive = true;

    bool m_processing = false;
    bool m_inHandle = false;
    bool m_hasReply = false;
    ServeReply m_reply;

    std::string m_out; // the answer being sent: head (and a small body), then m_outBody
    std::string m_outBody;
    std::size_t m_sent = 0;
};

int g_listenTag, g_wakeTag; // epoll tags: their addresses

Loop::Loop(HttpServer::Impl &s, std::size_t i) : server(s), index(i)
{
    epoll = ::epoll_create1(EPOLL_CLOEXEC);
    m_wake = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (epoll < 0 || m_wake < 0)
        throw std::runtime_error(std::string("cannot create an epoll loop: ") + std::strerror(errno));
    add(m_wake, EPOLLIN, &g_wakeTag);
}

Loop::~Loop()
{
    ::close(epoll);
    ::close(m_wake);
}

void Loop::add(int fd, std::uint32_t events, void *tag) const
{
    epoll_event e{};
    e.events = events;
    e.data.ptr = tag;
    ::epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &e);
}

void Loop::wake()
{
    const std::uint64_t one = 1;
    [[maybe_unused]] const ssize_t n = ::write(m_wake, &one, sizeof one);
}

void Loop::post(std::shared_ptr<Connection> c, ServeReply reply)
{
    bool first = false, stopped = false;
    {
        std::lock_guard lock(m_mutex);
        stopped = m_stopped;
        if (!stopped) {
            first = m_replies.empty() && m_newFds.empty();
            m_replies.emplace_back(std::move(c), std::move(reply));
        }
    }
    if (stopped)
        c->m_self.reset(); // the loop has ended: nobody will answer; let the connection go (outside the lock)
    else if (first)
        wake();
}

void Loop::postConnection(int fd)
{
    bool first = false;
    {
        std::lock_guard lock(m_mutex);
        if (m_stopped) {
            ::close(fd);
            return;
        }
        first = m_replies.empty() && m_newFds.empty();
        m_newFds.push_back(fd);
    }
    if (first)
        wake();
}

void Loop::adopt(int fd)
{
    server.metrics.connectionOpened();
    auto c = std::make_shared<Connection>(fd, shared_from_this(), m_live.size());
    m_live.push_back(c);
    c->registerFirst();
    if (server.metrics.connections() > server.options.maxConnections)
        c->reject();
}

void Loop::acceptAll()
{
    for (;;) {
        const int fd = ::accept4(server.listenFd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK) {
                // E.g. out of file descriptors: stop listening shortly instead of spinning on a readable socket.
                ::epoll_ctl(epoll, EPOLL_CTL_DEL, server.listenFd, nullptr);
                m_acceptPaused = true;
                m_acceptPausedUntil = Clock::now() + kAcceptPause;
            }
            return;
        }
        const int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        Loop &to = *server.loops[m_nextLoop++ % server.loops.size()];
        if (&to == this)
            adopt(fd);
        else
            to.postConnection(fd);
    }
}

void Loop::drainQueue()
{
    std::uint64_t count;
    [[maybe_unused]] const ssize_t n = ::read(m_wake, &count, sizeof count);
    std::vector<int> fds;
    {
        std::lock_guard lock(m_mutex);
        fds.swap(m_newFds);
        m_taken.swap(m_replies);
    }
    for (int fd : fds)
        adopt(fd);
    for (auto &[c, reply] : m_taken)
        c->answer(std::move(reply));
    m_taken.clear();
}

void Loop::sweep(Clock::time_point now)
{
    for (const auto &c : m_live)
        c->expire(now);
    if (m_acceptPaused && now >= m_acceptPausedUntil) {
        m_acceptPaused = false;
        add(server.listenFd, EPOLLIN, &g_listenTag);
    }
}

void Loop::run()
{
    t_loop = this;
    if (index == 0)
        add(server.listenFd, EPOLLIN, &g_listenTag);
    epoll_event events[128];
    Clock::time_point nextSweep = Clock::now() + std::chrono::milliseconds(kSweepMs);
    while (!server.stopping.load(std::memory_order_acquire)) {
        const int n = ::epoll_wait(epoll, events, 128, kSweepMs);
        for (int i = 0; i < n; ++i) {
            void *tag = events[i].data.ptr;
            if (tag == &g_listenTag)
                acceptAll();
            else if (tag == &g_wakeTag)
                drainQueue();
            else
                static_cast<Connection *>(tag)->onEvent(events[i].events);
        }
        const Clock::time_point now = Clock::now();
        if (now >= nextSweep) {
            sweep(now);
            nextSweep = now + std::chrono::milliseconds(kSweepMs);
        }
        // Closed connections leave m_live only now: this round's events may still name them.
        for (Connection *c : m_closed) {
            const std::size_t at = c->index;
            if (at < m_live.size() && m_live[at].get() == c) {
                m_live[at] = std::move(m_live.back());
                m_live[at]->index = at;
                m_live.pop_back();
            }
        }
        m_closed.clear();
    }
    for (const auto &c : m_live)
        c->close();
    std::vector<std::pair<std::shared_ptr<Connection>, ServeReply>> left;
    {
        std::lock_guard lock(m_mutex);
        m_stopped = true;
        left.swap(m_replies);
        for (int fd : m_newFds)
            ::close(fd);
        m_newFds.clear();
    }
    for (auto &[c, reply] : left)
        c->m_self.reset();
    // A connection whose answer is still being computed stays alive through its m_self until post() finds the loop
    // stopped: the batch worker still points at it.
    m_live.clear();
    m_closed.clear();
}

} // namespace

HttpServer::HttpServer(Options options, ScoreService &service, ServeMetrics &metrics)
    : m_impl(std::make_unique<Impl>(std::move(options), service, metrics))
{
}

HttpServer::~HttpServer() = default;

void HttpServer::listen()
{
    const Options &o = m_impl->options;
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    addrinfo *found = nullptr;
    const std::string port = std::to_string(o.port);
    if (const int rc = ::getaddrinfo(o.host.c_str(), port.c_str(), &hints, &found); rc != 0 || !found)
        throw std::runtime_error("cannot resolve the host '" + o.host + "': " + ::gai_strerror(rc));
    const int fd = ::socket(found->ai_family, found->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int error = fd < 0 ? errno : 0;
    if (!error) {
        const int one = 1;
        ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (::bind(fd, found->ai_addr, found->ai_addrlen) != 0 || ::listen(fd, SOMAXCONN) != 0)
            error = errno;
    }
    ::freeaddrinfo(found);
    if (error) {
        if (fd >= 0)
            ::close(fd);
        throw std::runtime_error("cannot listen on " + o.host + ":" + port + ": " + std::strerror(error) +
                                 (error == EADDRINUSE ? " (pick another --port)" : ""));
    }
    m_impl->listenFd = fd;
}

std::uint16_t HttpServer::port() const
{
    sockaddr_storage address{};
    socklen_t length = sizeof address;
    if (m_impl->listenFd < 0 || ::getsockname(m_impl->listenFd, reinterpret_cast<sockaddr *>(&address), &length) != 0)
        return 0;
    if (address.ss_family == AF_INET6)
        return ntohs(reinterpret_cast<const sockaddr_in6 &>(address).sin6_port);
    return ntohs(reinterpret_cast<const sockaddr_in &>(address).sin_port);
}

void HttpServer::run(std::function<void()> onReload)
{
    Impl &impl = *m_impl;
    impl.onReload = std::move(onReload);
    for (int i = 0; i < std::max(1, impl.options.ioThreads); ++i)
        impl.loops.push_back(std::make_shared<Loop>(impl, std::size_t(i)));
    impl.signals.async_wait([this](const boost::system::error_code &ec, int) {
        if (!ec)
            stop();
    });
    std::function<void()> armHangup = [this, &armHangup] {
        m_impl->hangup.async_wait([this, &armHangup](const boost::system::error_code &ec, int) {
            if (ec)
                return;
            if (m_impl->onReload)
                m_impl->onReload();
            armHangup();
        });
    };
    armHangup();
    std::vector<std::thread> threads;
    for (const auto &loop : impl.loops)
        threads.emplace_back([loop] { loop->run(); });
    impl.ioc.run();
    for (std::thread &t : threads)
        t.join();
}

void HttpServer::stop()
{
    boost::asio::post(m_impl->ioc, [this] {
        m_impl->stopping.store(true, std::memory_order_release);
        for (const auto &loop : m_impl->loops)
            loop->wake();
        m_impl->ioc.stop();
    });
}

} // namespace mldesk::serve
