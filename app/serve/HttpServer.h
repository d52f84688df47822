// HttpServer: the HTTP side of mldesk-serve on Boost.Beast (header-only, from Debian's libboost-dev, already pulled in
// by cpprestsdk): asynchronous, a few I/O threads for any number of keep-alive connections, so batch-1 requests cost
// microseconds of HTTP work. Enforces the body limit (413), client timeouts (a request must arrive whole within the
// timeout; idle keep-alive connections are closed after it) and a connection limit (503), and hands each request to
// the ScoreService.
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

    struct Impl; // public so that the connection sessions in HttpServer.cpp can name it

private:
    std::unique_ptr<Impl> m_impl;
};

} // namespace mldesk::serve
