// mldesk-serve's HTTP/1.1 request parser (no Qt, no server): request heads whole, split at every byte and pipelined,
// keep-alive and Connection: close for HTTP/1.0 and 1.1, Expect: 100-continue, the head limit, Content-Length
// conflicts and request smuggling shapes refused, chunked bodies decoded whatever the split and refused when malformed
// or over the limit. The server around it is tested over real sockets in TestMldeskServe.
#include "TestHarness.h"

#include "HttpParser.h"

#include <string>

using namespace mldesk;
using serve::HttpParse;

namespace {

HttpParse head(const std::string &bytes, serve::HttpHead &h, std::size_t limit = 16384)
{
    std::string error;
    return serve::parseHttpHead(bytes, limit, h, error);
}

// Feeds `bytes` to a fresh decoder in pieces of `step` bytes, as reads would deliver them; the bytes a piece leaves
// unconsumed are kept for the next, as the server keeps them in its buffer.
HttpParse chunked(const std::string &bytes, std::size_t step, std::string &body, std::size_t *rest = nullptr,
                  std::size_t maxBody = 1 << 20)
{
    serve::ChunkedDecoder decoder;
    std::string pending, error;
    body.clear();
    for (std::size_t at = 0; at < bytes.size();) {
        pending += bytes.substr(at, step);
        at += step;
        std::size_t used = 0;
        const HttpParse r = decoder.feed(pending, used, body, maxBody, error);
        pending.erase(0, used);
        if (r != HttpParse::Incomplete) {
            if (rest)
                *rest = pending.size() + (at < bytes.size() ? bytes.size() - at : 0);
            return r;
        }
    }
    return HttpParse::Incomplete;
}

} // namespace

MLDESK_TEST(aRequestHeadIsParsedWholeOrAtAnySplit)
{
    const std::string request = "POST /score?probabilities=true HTTP/1.1\r\nHost: x\r\nauthorization:  Bearer k1 \r\n"
                                "Content-Type: application/json\r\nCONTENT-LENGTH: 12\r\n\r\n{\"data\": []}";
    const std::size_t headSize = request.find("\r\n\r\n") + 4;
    for (std::size_t cut = 0; cut < headSize; ++cut) {
        serve::HttpHead h;
        MLDESK_CHECK(head(request.substr(0, cut), h) == HttpParse::Incomplete);
    }
    serve::HttpHead h;
    MLDESK_CHECK(head(request, h) == HttpParse::Done);
    MLDESK_CHECK(h.size == headSize);
    MLDESK_CHECK(h.method == "POST");
    MLDESK_CHECK(h.target == "/score?probabilities=true");
    MLDESK_CHECK(h.authorization == "Bearer k1");
    MLDESK_CHECK(h.hasLength && h.contentLength == 12);
    MLDESK_CHECK(h.keepAlive && !h.http10 && !h.chunked && !h.expectContinue);
}

MLDESK_TEST(pipelinedRequestsAreReadOneAfterAnother)
{
    const std::string one = "GET /health HTTP/1.1\r\nHost: x\r\n\r\n";
    const std::string two = "POST /score HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc";
    const std::string both = "\r\n" + one + two; // an empty line before a request is allowed
    serve::HttpHead h;
    MLDESK_CHECK(head(both, h) == HttpParse::Done);
    MLDESK_CHECK(h.target == "/health" && !h.hasLength);
    MLDESK_CHECK(h.size == 2 + one.size());
    const std::string next = both.substr(h.size); // the views in h point into the bytes parsed
    MLDESK_CHECK(head(next, h) == HttpParse::Done);
    MLDESK_CHECK(h.target == "/score" && h.contentLength == 3);
    MLDESK_CHECK(next.substr(h.size) == "abc");
}

MLDESK_TEST(keepAliveFollowsTheVersionAndConnectionHeader)
{
    serve::HttpHead h;
    MLDESK_CHECK(head("GET / HTTP/1.1\r\nConnection: close\r\n\r\n", h) == HttpParse::Done && !h.keepAlive);
    MLDESK_CHECK(head("GET / HTTP/1.1\r\nConnection: Upgrade, Close\r\n\r\n", h) == HttpParse::Done && !h.keepAlive);
    MLDESK_CHECK(head("GET / HTTP/1.1\r\nConnection: keep-alive\r\n\r\n", h) == HttpParse::Done && h.keepAlive);
    MLDESK_CHECK(head("GET / HTTP/1.0\r\n\r\n", h) == HttpParse::Done && !h.keepAlive && h.http10);
    MLDESK_CHECK(head("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", h) == HttpParse::Done && h.keepAlive);
    MLDESK_CHECK(head("POST / HTTP/1.1\r\nExpect: 100-Continue\r\nContent-Length: 1\r\n\r\n", h) == HttpParse::Done &&
                 h.expectContinue);
}

MLDESK_TEST(badHeadsAreRefused)
{
    serve::HttpHead h;
    for (const char *bad :
         {"GET\r\n\r\n", "GET /\r\n\r\n", "GET  / HTTP/1.1\r\n\r\n", "G(T / HTTP/1.1\r\n\r\n", "GET / HTTP/2.0\r\n\r\n",
          "GET / HTTP/1.1\r\nno colon\r\n\r\n", "GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n",
          "GET / HTTP/1.1\r\nBad Name: x\r\n\r\n", "POST / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n",
          "POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
          "POST / HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n",
          "POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
          "POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
          "POST / HTTP/1.1\r\nExpect: something\r\n\r\n"})
        MLDESK_CHECK(head(bad, h) == HttpParse::Bad);
    // The same length twice is one length.
    MLDESK_CHECK(head("POST / HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n", h) == HttpParse::Done);
}

MLDESK_TEST(theHeadLimitHolds)
{
    const std::string start = "GET / HTTP/1.1\r\nX-Big: " + std::string(200, 'a');
    serve::HttpHead h;
    MLDESK_CHECK(head(start + "\r\n\r\n", h, 256) == HttpParse::Done);
    MLDESK_CHECK(head(start + std::string(100, 'a') + "\r\n\r\n", h, 256) == HttpParse::TooLarge);
    MLDESK_CHECK(head(start + std::string(100, 'a'), h, 256) == HttpParse::TooLarge); // no end in sight
    MLDESK_CHECK(head(start, h, 256) == HttpParse::Incomplete);
}

MLDESK_TEST(chunkedBodiesDecodeAtAnySplit)
{
    const std::string wire = "5\r\nhello\r\n1;ext=1\r\n,\r\nA\r\n world!!! \r\n0\r\nTrailer: x\r\n\r\nGET / HTTP/1.1";
    for (std::size_t step = 1; step <= wire.size(); ++step) {
        std::string body;
        std::size_t rest = 0;
        MLDESK_CHECK(chunked(wire, step, body, &rest) == HttpParse::Done);
        MLDESK_CHECK(body == "hello, world!!! ");
        MLDESK_CHECK(rest == std::string("GET / HTTP/1.1").size()); // the next request is left in the buffer
    }
    std::string body;
    MLDESK_CHECK(chunked("0\r\n\r\n", 1, body) == HttpParse::Done && body.empty());
    MLDESK_CHECK(chunked("5\r\nhel", 100, body) == HttpParse::Incomplete);
}

MLDESK_TEST(badOrOversizedChunksAreRefused)
{
    std::string body;
    MLDESK_CHECK(chunked("x\r\nhello\r\n0\r\n\r\n", 100, body) == HttpParse::Bad);
    MLDESK_CHECK(chunked("5\r\nhelloXX0\r\n\r\n", 100, body) == HttpParse::Bad);
    MLDESK_CHECK(chunked("5x\r\nhello\r\n0\r\n\r\n", 100, body) == HttpParse::Bad);
    MLDESK_CHECK(chunked("fffffffffffffffff\r\n", 100, body) == HttpParse::Bad);
    MLDESK_CHECK(chunked(std::string(5000, '1'), 100, body) == HttpParse::Bad); // a size line without end
    MLDESK_CHECK(chunked("4\r\nabcd\r\n4\r\nefgh\r\n0\r\n\r\n", 3, body, nullptr, 7) == HttpParse::TooLarge);
    MLDESK_CHECK(chunked("4\r\nabcd\r\n3\r\nefg\r\n0\r\n\r\n", 3, body, nullptr, 7) == HttpParse::Done);
}

MLDESK_TEST_MAIN()
