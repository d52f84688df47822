// HttpServer: one epoll loop per I/O thread, connections owned by the loop that reads them; see the header.
#include "HttpServer.h"

#include "HttpLoop.h"

#include <boost/asio/post.hpp>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <stdexcept>
#include <thread>

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

namespace mldesk::serve {

namespace http {

namespace {

constexpr int kSweepMs = 250; // how often deadlines are checked: a timeout fires up to this late
constexpr auto kAcceptPause = std::chrono::milliseconds(50);
int g_listenTag, g_wakeTag; // epoll tags: their addresses

} // namespace

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

void Loop::postConnection(int fd, bool overLimit)
{
    bool first = false;
    {
        std::lock_guard lock(m_mutex);
        if (m_stopped) {
            ::close(fd);
            server.metrics.connectionClosed();
            return;
        }
        first = m_replies.empty() && m_newFds.empty();
        m_newFds.emplace_back(fd, overLimit);
    }
    if (first)
        wake();
}

void Loop::adopt(int fd, bool overLimit)
{
    auto c = std::make_shared<Connection>(fd, shared_from_this(), m_live.size());
    m_live.push_back(c);
    c->registerFirst();
    if (overLimit)
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
        // Counted here, in the order of arrival, whichever loop it goes to: the connection over the limit is the
        // newest, not one that a busier loop happened to take in later.
        server.metrics.connectionOpened();
        const bool overLimit = server.metrics.connections() > server.options.maxConnections;
        Loop &to = *server.loops[m_nextLoop++ % server.loops.size()];
        if (&to == this)
            adopt(fd, overLimit);
        else
            to.postConnection(fd, overLimit);
    }
}

void Loop::drainQueue()
{
    std::uint64_t count;
    [[maybe_unused]] const ssize_t n = ::read(m_wake, &count, sizeof count);
    std::vector<std::pair<int, bool>> fds;
    {
        std::lock_guard lock(m_mutex);
        fds.swap(m_newFds);
        m_taken.swap(m_replies);
    }
    for (const auto &[fd, overLimit] : fds)
        adopt(fd, overLimit);
    for (auto &[c, reply] : m_taken)
        c->answer(std::move(reply));
    m_taken.clear();
}

void Loop::scoreGroups()
{
    // Answering may read on: requests pipelined behind the answered ones form the next group, until the buffers hold
    // no whole request.
    while (!m_grouped.empty()) {
        server.service.scoreGroup(group);
        std::swap(group, m_scored);
        group.clear();
        m_answering.swap(m_grouped);
        m_several = m_answering.size() > 1;
        for (Connection *c : m_answering)
            c->answerGroup(m_scored);
        m_answering.clear();
    }
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
        int connections = 0;
        for (int i = 0; i < n; ++i)
            connections += events[i].data.ptr != &g_listenTag && events[i].data.ptr != &g_wakeTag;
        m_several = connections > 1;
        for (int i = 0; i < n; ++i) {
            void *tag = events[i].data.ptr;
            if (tag == &g_listenTag)
                acceptAll();
            else if (tag == &g_wakeTag)
                drainQueue();
            else
                static_cast<Connection *>(tag)->onEvent(events[i].events);
        }
        scoreGroups();
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
        for (const auto &[fd, overLimit] : m_newFds) {
            ::close(fd);
            server.metrics.connectionClosed();
        }
        m_newFds.clear();
    }
    for (auto &[c, reply] : left)
        c->m_self.reset();
    // A connection whose answer is still being computed stays alive through its m_self until post() finds the loop
    // stopped: the batch worker still points at it.
    m_live.clear();
    m_closed.clear();
}

} // namespace http

using http::Loop;

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
