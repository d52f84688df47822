// HttpConnection: one keep-alive connection of HttpServer - reading into one buffer, the head parsed in place, the
// request handed to the ScoreService, the answer written with one sendmsg; see HttpServer.h for the behaviour.
#include "HttpLoop.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>

#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

namespace mldesk::serve::http {

namespace {

constexpr std::size_t kHeadLimit = 16 * 1024;
constexpr std::size_t kInitialBuffer = 16 * 1024;
constexpr std::size_t kReadAtLeast = 16 * 1024;
constexpr std::size_t kReadAhead = 256 * 1024; // the most room made for a body before its bytes come
constexpr auto kDrainTimeout = std::chrono::seconds(2);

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

} // namespace

Connection::Connection(int fd, std::shared_ptr<Loop> loop, std::size_t at)
    : index(at), m_fd(fd), m_loop(std::move(loop)), m_server(m_loop->server)
{
    m_buffer.resize(kInitialBuffer);
    m_deadline = Clock::now() + m_server.options.clientTimeout;
}

Connection::~Connection()
{
    if (m_fd >= 0)
        ::close(m_fd);
    uncount();
}

void Connection::onEvent(std::uint32_t events)
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
    case State::Grouped:
    case State::Closed:
        break;
    }
}

void Connection::reject()
{
    m_started = Clock::now();
    m_keepAlive = false;
    m_state = State::Busy;
    ServeReply r;
    r.status = 503;
    r.body = ScoreService::jsonError("too many open connections; retry later");
    answer(std::move(r));
}

void Connection::answer(ServeReply reply)
{
    const std::shared_ptr<Connection> self = std::move(m_self);
    if (m_state != State::Busy)
        return; // closed while the batch worker computed
    m_start += m_consumeAfter;
    m_consumeAfter = 0;
    if (m_start == m_end)
        m_start = m_end = 0;
    m_headDone = false;
    m_out.clear();
    m_outBody.clear();
    appendAnswer(m_path, m_started, m_http10, m_keepAlive, reply, true);
    startSending();
}

void Connection::answerGroup(const ScoreGroup &group)
{
    if (m_state != State::Grouped) { // closed meanwhile
        m_staged.clear();
        return;
    }
    m_out.clear();
    m_outBody.clear();
    for (Staged &s : m_staged) {
        if (s.grouped)
            s.reply = m_server.service.groupReply(group, s.rows);
        appendAnswer(s.path, s.started, s.http10, s.keepAlive, s.reply, false);
    }
    m_staged.clear();
    startSending();
}

void Connection::appendAnswer(std::string_view path, Clock::time_point started, bool http10, bool keepAlive,
                              ServeReply &reply, bool detachBody)
{
    const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
    m_server.metrics.recordRequest(path, reply.status, seconds);
    if (reply.status >= 400 && m_server.options.logRefusal)
        m_server.options.logRefusal(reply.status, std::string(path), reply.body);

    // The head is built in a buffer that keeps its capacity; a small body is appended to it (one send), a big
    // one goes beside it (sendmsg gathers both).
    m_out += http10 ? "HTTP/1.0 " : "HTTP/1.1 ";
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
    if (!keepAlive)
        m_out += "Connection: close\r\n";
    else if (http10)
        m_out += "Connection: keep-alive\r\n";
    m_out += "\r\n";
    if (detachBody && reply.body.size() > 4096)
        m_outBody = std::move(reply.body);
    else
        m_out += reply.body;
    m_closeAfterSend = !keepAlive;
}

void Connection::startSending()
{
    m_sent = 0;
    m_state = State::Writing;
    m_deadline = Clock::now() + m_server.options.clientTimeout;
    send();
}

void Connection::expire(Clock::time_point now)
{
    if ((m_state == State::Reading || m_state == State::Writing || m_state == State::Draining) && now > m_deadline)
        close(); // a stalled client gets no answer
}

void Connection::close()
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

void Connection::interest(std::uint32_t events)
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

void Connection::reserve(std::size_t want)
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

void Connection::readable()
{
    for (;;) {
        std::size_t want = kReadAtLeast;
        if (m_state == State::Draining)
            m_start = m_end = 0;
        else if (m_headDone && !m_request.chunked && m_start + m_request.contentLength > m_end)
            // Room for the body in a few reads - but only as it arrives: a client that announces 16 MB and sends
            // nothing must not make the server hold 16 MB for it.
            want = std::max(want, std::min<std::size_t>(m_start + m_request.contentLength - m_end, kReadAhead));
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

void Connection::process()
{
    m_processing = true;
    processRequests();
    m_processing = false;
    if (m_state == State::Reading && !m_staged.empty())
        m_state = State::Grouped;
}

void Connection::processRequests()
{
    while (m_state == State::Reading) {
        // Answers wait for the group pass: a request that cannot be answered at once on this thread (a refusal that
        // closes, a body still coming, chunks, 100-continue) is left in the buffer until they are sent.
        const bool ahead = !m_staged.empty();
        const std::string_view pending(m_buffer.data() + m_start, m_end - m_start);
        if (!m_headDone) {
            if (pending.empty())
                return;
            std::string error;
            switch (parseHttpHead(pending, kHeadLimit, m_request, error)) {
            case HttpParse::Incomplete:
                return;
            case HttpParse::TooLarge:
                if (ahead)
                    return;
                return refuse(431, "the request head is over " + std::to_string(kHeadLimit) + " bytes");
            case HttpParse::Bad:
                if (ahead)
                    return;
                return refuse(400, "malformed HTTP request: " + error);
            case HttpParse::Done:
                break;
            }
            if (ahead && (m_request.chunked || m_request.contentLength > m_server.options.maxBodyBytes ||
                          pending.size() - m_request.size < m_request.contentLength))
                return;
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
                return refuse(413, "the body is " + std::to_string(m_request.contentLength) + " bytes; the limit is " +
                                       std::to_string(m_server.options.maxBodyBytes));
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
                return refuse(413, "the body is over the limit of " + std::to_string(m_server.options.maxBodyBytes) +
                                       " bytes");
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

void Connection::dispatch(std::string_view body)
{
    const bool ahead = !m_staged.empty();
    m_state = State::Busy;
    m_started = Clock::now();
    if (m_server.options.benchSink && m_path == "/sink" && m_method == "POST") {
        ServeReply r;
        r.body = "[0]";
        if (!ahead)
            return answer(std::move(r));
        Staged s;
        s.reply = std::move(r);
        return stage(std::move(s));
    }
    m_self = shared_from_this();
    m_inHandle = true;
    m_hasReply = false;
    const ServeRequest request{m_method, m_target, m_authorization, body};
    // Captures only `this` (fits std::function's small buffer: no allocation); m_self keeps the connection alive
    // for an answer that comes later from another thread.
    std::function<void(ServeReply)> respond = [this](ServeReply reply) {
        onReply(std::move(reply));
    };
    // Grouped only when more requests are ready now - other connections of this loop have events in this round, or
    // more bytes follow this request - a lone request is scored at once, as it was before groups.
    const bool group = ahead || m_loop->several() || m_end - m_start > m_consumeAfter;
    GroupedRows rows;
    ScoreService::Handled handled = ScoreService::Handled::Answered;
    if (group)
        handled = m_server.service.handle(request, respond, m_loop->group, rows, ahead);
    else
        m_server.service.handle(request, std::move(respond));
    m_inHandle = false;
    switch (handled) {
    case ScoreService::Handled::NotNow: // the head stays parsed: dispatched again once the waiting answers are sent
        m_self.reset();
        m_state = State::Grouped;
        return;
    case ScoreService::Handled::Grouped: {
        m_self.reset();
        Staged s;
        s.grouped = true;
        s.rows = rows;
        return stage(std::move(s));
    }
    case ScoreService::Handled::Answered:
        break;
    }
    if (!m_hasReply)
        return interest(0); // the batch worker answers; nothing to read meanwhile
    m_hasReply = false;
    if (!ahead)
        return answer(std::move(m_reply));
    m_self.reset();
    Staged s;
    s.reply = std::move(m_reply);
    stage(std::move(s));
}

void Connection::stage(Staged s)
{
    s.path.assign(m_path);
    s.started = m_started;
    s.http10 = m_http10;
    s.keepAlive = m_keepAlive;
    if (m_staged.empty())
        m_loop->grouped(this);
    m_staged.push_back(std::move(s));
    m_start += m_consumeAfter; // what the answer needs is copied: the body's bytes may go
    m_consumeAfter = 0;
    if (m_start == m_end)
        m_start = m_end = 0;
    m_headDone = false;
    m_state = m_keepAlive ? State::Reading : State::Grouped; // after Connection: close, nothing more is read
}

void Connection::onReply(ServeReply reply)
{
    if (t_loop == m_loop.get() && m_inHandle) { // answered on this thread before handle() returned
        m_reply = std::move(reply);
        m_hasReply = true;
        return;
    }
    m_loop->post(m_self, std::move(reply));
}

void Connection::refuse(int status, const std::string &message)
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

void Connection::send()
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
    if (m_closeAfterSend)
        return drain();
    m_state = State::Reading;
    m_deadline = Clock::now() + m_server.options.clientTimeout;
    interest(EPOLLIN);
    if (!m_processing)
        process(); // a pipelined request may be in the buffer already (else the running process() goes on)
}

void Connection::drain()
{
    uncount(); // a connection on its way out does not hold a place under the limit
    ::shutdown(m_fd, SHUT_WR);
    m_state = State::Draining;
    m_start = m_end = 0;
    m_deadline = Clock::now() + kDrainTimeout;
    interest(EPOLLIN);
}

void Connection::uncount()
{
    if (m_counted)
        m_server.metrics.connectionClosed();
    m_counted = false;
}

} // namespace mldesk::serve::http
