// HttpLoop: the insides of HttpServer, shared by HttpServer.cpp (the epoll loops, accepting, the server) and
// HttpConnection.cpp (one connection: reading, parsing, answering). Private to those two files.
#pragma once

#include "HttpParser.h"
#include "HttpServer.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mldesk::serve {

namespace http {

using Clock = std::chrono::steady_clock;

class Connection;
class Loop;
inline thread_local Loop *t_loop = nullptr; // the loop running on this thread, if any

// One I/O thread: its epoll set, its connections, and a queue (with an eventfd) for what other threads hand it -
// connections the accepting loop deals to it, answers from the batch worker. When one round of epoll events brings
// several requests (on several connections, or pipelined on one), the small /score ones are parsed into `group` and
// scored by one forward pass after the round; then each connection answers its requests in order.
class Loop : public std::enable_shared_from_this<Loop> {
public:
    Loop(HttpServer::Impl &server, std::size_t index);
    ~Loop();
    void run();
    void wake();
    // From any thread: an answer to a request that `c` is waiting for.
    void post(std::shared_ptr<Connection> c, ServeReply reply);
    void postConnection(int fd, bool overLimit); // counted already

    HttpServer::Impl &server;
    const std::size_t index;
    int epoll = -1;

    void add(int fd, std::uint32_t events, void *tag) const;
    void closed(Connection *c) { m_closed.push_back(c); }

    ScoreGroup group;                                       // this round's small /score requests
    void grouped(Connection *c) { m_grouped.push_back(c); } // c has requests in group (or behind them)
    bool several() const { return m_several; }              // more than one connection has events this round

private:
    void adopt(int fd, bool overLimit);
    void acceptAll();
    void drainQueue();
    void sweep(Clock::time_point now);
    void scoreGroups();

    int m_wake = -1;
    std::vector<std::shared_ptr<Connection>> m_live;
    std::vector<Connection *> m_closed;
    std::mutex m_mutex;
    bool m_stopped = false;
    std::vector<std::pair<int, bool>> m_newFds; // and whether it is over the connection limit
    std::vector<std::pair<std::shared_ptr<Connection>, ServeReply>> m_replies;
    std::vector<std::pair<std::shared_ptr<Connection>, ServeReply>> m_taken;
    std::size_t m_nextLoop = 0;
    Clock::time_point m_acceptPausedUntil{};
    bool m_acceptPaused = false;
    bool m_several = false;
    ScoreGroup m_scored;                              // the group being answered
    std::vector<Connection *> m_grouped, m_answering; // connections waiting for group, for m_scored
};

// One client connection, owned by its loop (and, while the batch worker holds its request, by itself).
class Connection : public std::enable_shared_from_this<Connection> {
public:
    Connection(int fd, std::shared_ptr<Loop> loop, std::size_t at);
    ~Connection();

    void onEvent(std::uint32_t events);

    // Over the connection limit: one 503, then close.
    void reject();

    // The answer to the request this connection waits for, on its loop's thread.
    void answer(ServeReply reply);

    // After the loop's group pass: the answers to the requests read meanwhile, in order, in one send.
    void answerGroup(const ScoreGroup &group);

    void expire(Clock::time_point now);

    void close();

    std::shared_ptr<Connection> m_self; // while the batch worker holds the request

    std::size_t index; // in the loop's m_live

    void registerFirst() { interest(EPOLLIN); }

private:
    // Grouped: requests read and answered (or their rows in the loop's group) wait for the group pass.
    enum class State { Reading, Busy, Grouped, Writing, Draining, Closed };

    // A request answered after the group pass, with those before it on this connection.
    struct Staged {
        bool grouped = false; // its rows are in the group; else reply holds the answer
        GroupedRows rows;
        ServeReply reply;
        std::string path; // for the metrics
        Clock::time_point started;
        bool http10 = false, keepAlive = true;
    };

    void interest(std::uint32_t events);

    // Room for at least `want` more bytes after m_end, moving what is unread to the front first.
    void reserve(std::size_t want);

    void readable();

    // Parses and answers every whole request in the buffer (pipelining), until one goes to the batch worker or more
    // bytes are needed; while answers wait for the group pass, only requests that can be answered on this thread.
    void process();
    void processRequests();

    void dispatch(std::string_view body);
    void stage(Staged s);

    // Appends one answer to m_out (counted in the metrics, a refusal logged); a big body goes beside it when
    // detachBody (the only answer of a send).
    void appendAnswer(std::string_view path, Clock::time_point started, bool http10, bool keepAlive, ServeReply &reply,
                      bool detachBody);
    void startSending();

    void onReply(ServeReply reply);

    // A request that cannot be read on: answer, then drain and close (the rest of it may still be on the wire).
    void refuse(int status, const std::string &message);

    void send();

    // After an answer with Connection: close, closing at once could reset the connection before the client has read
    // the answer (when it is still sending): stop sending, read and drop what comes, close on EOF or timeout.
    void drain();

    void uncount();

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
    std::vector<Staged> m_staged; // read while the loop's group waits for its pass, in order
    bool m_closeAfterSend = false;

    std::string m_out; // the answer being sent: head (and a small body), then m_outBody
    std::string m_outBody;
    std::size_t m_sent = 0;
};

} // namespace http

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
    std::vector<std::shared_ptr<http::Loop>> loops;
    boost::asio::io_context ioc{1}; // the signals only
    boost::asio::signal_set signals;
    boost::asio::signal_set hangup;
    std::function<void()> onReload;
};

} // namespace mldesk::serve
