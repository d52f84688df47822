// HttpServer: the HTTP/1.1 side of mldesk-serve - its own small request parser over non-blocking sockets and one
// level-triggered epoll loop per I/O thread (Linux only, as mldesk-serve is), with Boost.Asio only for the signals.
// Why not a library: at batch 1 the HTTP work is most of the request. Boost.Beast (what served before) allocated a
// header node per request header, a parser and a response per request, and took two recv calls per request through
// asio's reactor; cpprestsdk's http_listener is slower still. Here a keep-alive request costs one recv, one send
// (head and body gathered), no heap allocation on the connection's side, and the score is computed on the I/O thread
// that read it when that is faster than the batcher hop (ScoreService decides); the small ones that one round of epoll
// events brings together are scored by one multi-row pass (HttpLoop.h). Each connection lives on one thread (no locks,
// no strands); the first thread accepts and deals connections round-robin.
// What it enforces: the body limit (413, from Content-Length before the body is read, or while chunks arrive),
// a 16 KiB header limit (431), malformed requests (400, then close), Expect: 100-continue, pipelined requests
// (answered in order), chunked bodies, client timeouts (a request must arrive whole within the timeout of the moment
// the server waits for it; an idle keep-alive connection is closed after it; a stalled client gets no answer), and a
// connection limit (503). A refused connection is drained before it is closed, so the client reads the answer.
#pragma once

#include "ScoreService.h"
#include "ServeMetrics.h"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace mldesk::serve {

class HttpServer {
public:
    struct Options {
        std::string host = "127.0.0.1";
        std::uint16_t port = 0; // 0: any free port (see port())
        int ioThreads = 2;
        std::size_t maxBodyBytes = 16u << 20;
        std::chrono::seconds clientTimeout{30};
        long maxConnections = 1024;
        // bench/serve-bench's ceiling (hidden --bench-sink): POST /sink reads the whole body and answers [0] without
        // a key, parsing or scoring - what the transport alone can do on this machine. Off in the product.
        bool benchSink = false;
        // Called for every answer >= 400 (status, path, JSON body); the caller rate-limits what it logs.
        std::function<void(int, const std::string &, const std::string &)> logRefusal;
    };
    HttpServer(Options options, ScoreService &service, ServeMetrics &metrics);
    ~HttpServer();
    HttpServer(const HttpServer &) = delete;
    HttpServer &operator=(const HttpServer &) = delete;

    // Binds and listens; throws std::runtime_error (e.g. the port is taken).
    void listen();
    std::uint16_t port() const;
    // Runs the I/O threads until stop() (or SIGTERM/SIGINT, which stop it); SIGHUP calls onReload.
    void run(std::function<void()> onReload);
    void stop();

    struct Impl; // public so that the loops and connections (HttpLoop.h) can name it

private:
    std::unique_ptr<Impl> m_impl;
};

} // namespace mldesk::serve
