// HttpParser: request heads in place, chunked bodies incrementally; see the header.
#include "HttpParser.h"

#include <algorithm>
#include <cstring>

namespace mldesk::serve {

namespace {

char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b)
{
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (lower(a[i]) != b[i]) // b is lower case
            return false;
    return true;
}

std::string_view trim(std::string_view s)
{
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

bool tokenChar(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::strchr("!#$%&'*+-.^_`|~", c) != nullptr;
}

// Whether the comma-separated list `value` holds `token` (lower case), as Connection: keep-alive, Upgrade.
bool hasToken(std::string_view value, std::string_view token)
{
    while (!value.empty()) {
        const std::size_t comma = value.find(',');
        if (iequals(trim(value.substr(0, comma)), token))
            return true;
        if (comma == std::string_view::npos)
            break;
        value.remove_prefix(comma + 1);
    }
    return false;
}

HttpParse bad(std::string &error, const char *what)
{
    error = what;
    return HttpParse::Bad;
}

} // namespace

HttpParse parseHttpHead(std::string_view bytes, std::size_t limit, HttpHead &head, std::string &error)
{
    std::size_t start = 0;
    while (start + 1 < bytes.size() && bytes[start] == '\r' && bytes[start + 1] == '\n')
        start += 2;
    const std::size_t blank = bytes.find("\r\n\r\n", start);
    if (blank == std::string_view::npos) {
        if (bytes.size() > limit)
            return HttpParse::TooLarge;
        return HttpParse::Incomplete;
    }
    if (blank + 4 > limit)
        return HttpParse::TooLarge;
    head = HttpHead();
    head.size = blank + 4;
    std::string_view rest = bytes.substr(start, blank + 2 - start); // every line with its CRLF

    const std::size_t eol = rest.find("\r\n");
    std::string_view line = rest.substr(0, eol);
    rest.remove_prefix(eol + 2);
    const std::size_t sp1 = line.find(' ');
    const std::size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos || sp1 == 0 || sp2 == sp1 + 1)
        return bad(error, "malformed HTTP request line");
    head.method = line.substr(0, sp1);
    head.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    const std::string_view version = line.substr(sp2 + 1);
    for (char c : head.method)
        if (!tokenChar(c))
            return bad(error, "malformed HTTP method");
    for (char c : head.target)
        if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f)
            return bad(error, "malformed HTTP request target");
    if (version == "HTTP/1.1")
        head.http10 = false;
    else if (version == "HTTP/1.0")
        head.http10 = true;
    else
        return bad(error, "unsupported HTTP version (HTTP/1.0 and HTTP/1.1 are served)");

    bool close = false, keepAlive = false;
    while (!rest.empty()) {
        const std::size_t end = rest.find("\r\n");
        line = rest.substr(0, end);
        rest.remove_prefix(end + 2);
        if (line.front() == ' ' || line.front() == '\t')
            return bad(error, "folded header lines are not accepted");
        const std::size_t colon = line.find(':');
        if (colon == std::string_view::npos || colon == 0)
            return bad(error, "malformed header line");
        const std::string_view name = line.substr(0, colon);
        for (char c : name)
            if (!tokenChar(c))
                return bad(error, "malformed header name");
        const std::string_view value = trim(line.substr(colon + 1));
        switch (lower(name.front())) {
        case 'a':
            if (iequals(name, "authorization"))
                head.authorization = value;
            break;
        case 'c':
            if (iequals(name, "content-length")) {
                if (value.empty() || value.size() > 18)
                    return bad(error, "bad Content-Length");
                std::size_t n = 0;
                for (char c : value) {
                    if (c < '0' || c > '9')
                        return bad(error, "bad Content-Length");
                    n = n * 10 + std::size_t(c - '0');
                }
                if (head.hasLength && n != head.contentLength)
                    return bad(error, "conflicting Content-Length headers");
                head.hasLength = true;
                head.contentLength = n;
            } else if (iequals(name, "connection")) {
                close = close || hasToken(value, "close");
                keepAlive = keepAlive || hasToken(value, "keep-alive");
            }
            break;
        case 'e':
            if (iequals(name, "expect")) {
                if (!iequals(value, "100-continue"))
                    return bad(error, "unsupported Expect header (only 100-continue)");
                head.expectContinue = true;
            }
            break;
        case 't':
            if (iequals(name, "transfer-encoding")) {
                if (!iequals(value, "chunked"))
                    return bad(error, "unsupported Transfer-Encoding (only chunked)");
                head.chunked = true;
            }
            break;
        default:
            break;
        }
    }
    // Both would let a proxy and this server disagree on where the request ends (request smuggling).
    if (head.chunked && head.hasLength)
        return bad(error, "both Content-Length and Transfer-Encoding");
    head.keepAlive = !close && (!head.http10 || keepAlive);
    return HttpParse::Done;
}

HttpParse ChunkedDecoder::feed(std::string_view bytes, std::size_t &consumed, std::string &body, std::size_t maxBody,
                               std::string &error)
{
    constexpr std::size_t kLineLimit = 4096; // a size line with extensions, or one trailer line
    consumed = 0;
    for (;;) {
        const std::string_view rest = bytes.substr(consumed);
        switch (m_state) {
        case State::Size: {
            const std::size_t eol = rest.find("\r\n");
            if (eol == std::string_view::npos)
                return rest.size() > kLineLimit ? bad(error, "malformed chunk size line") : HttpParse::Incomplete;
            std::size_t size = 0, digits = 0;
            for (; digits < eol; ++digits) {
                const char c = lower(rest[digits]);
                const int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
                if (v < 0)
                    break;
                if (digits >= 15)
                    return bad(error, "chunk size too large");
                size = size * 16 + std::size_t(v);
            }
            if (digits == 0 || (digits < eol && rest[digits] != ';' && rest[digits] != ' ' && rest[digits] != '\t'))
                return bad(error, "malformed chunk size line");
            consumed += eol + 2;
            if (size == 0) {
                m_state = State::Trailer;
            } else {
                if (body.size() + size > maxBody)
                    return HttpParse::TooLarge;
                m_left = size;
                m_state = State::Data;
            }
            break;
        }
        case State::Data: {
            const std::size_t n = std::min(m_left, rest.size());
            body.append(rest.data(), n);
            consumed += n;
            m_left -= n;
            if (m_left > 0)
                return HttpParse::Incomplete;
            m_state = State::DataEnd;
            break;
        }
        case State::DataEnd:
            if (rest.size() < 2)
                return HttpParse::Incomplete;
            if (rest[0] != '\r' || rest[1] != '\n')
                return bad(error, "a chunk does not end with CRLF");
            consumed += 2;
            m_state = State::Size;
            break;
        case State::Trailer: {
            const std::size_t eol = rest.find("\r\n");
            if (eol == std::string_view::npos)
                return rest.size() > kLineLimit ? bad(error, "malformed chunk trailer") : HttpParse::Incomplete;
            consumed += eol + 2;
            if (eol == 0)
                return HttpParse::Done;
            break; // a trailer field: skipped
        }
        }
    }
}

} // namespace mldesk::serve
