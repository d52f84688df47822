// HttpParser: the small HTTP/1.1 request parser of HttpServer - a request head parsed in place (views into the read
// buffer, no allocation) and a chunked-body decoder that takes bytes as they arrive. Only what mldesk-serve needs:
// the request line, Content-Length, Transfer-Encoding: chunked, Connection, Authorization and Expect; every other
// header is skipped. Pure functions of the bytes, so the tests feed them split and pipelined input directly.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace mldesk::serve {

struct HttpHead {
    std::string_view method;
    std::string_view target;
    std::string_view authorization;
    bool http10 = false;
    bool keepAlive = true; // HTTP/1.1 unless "Connection: close"; HTTP/1.0 only with "Connection: keep-alive"
    bool chunked = false;
    bool expectContinue = false;
    bool hasLength = false;
    std::size_t contentLength = 0;
    std::size_t size = 0; // bytes of the head, the blank line included
};

enum class HttpParse {
    Incomplete, // more bytes are needed
    Done,
    Bad,      // 400; error says why
    TooLarge, // the head is over the limit (431), or the body over it (413)
};

// Parses the head at the start of `bytes` (leading empty lines are skipped, as RFC 9112 allows; they count in size).
// limit: the most bytes a head may take.
HttpParse parseHttpHead(std::string_view bytes, std::size_t limit, HttpHead &head, std::string &error);

class ChunkedDecoder {
public:
    // Decodes what `bytes` holds of a chunked body, appending the data to body; consumed: the bytes used (the rest
    // belongs to what comes next once Done). Call again with the unconsumed bytes plus new ones while Incomplete.
    HttpParse feed(std::string_view bytes, std::size_t &consumed, std::string &body, std::size_t maxBody,
                   std::string &error);
    void reset() { *this = ChunkedDecoder(); }

private:
    enum class State { Size, Data, DataEnd, Trailer };
    State m_state = State::Size;
    std::size_t m_left = 0; // of the current chunk's data
};

} // namespace mldesk::serve
