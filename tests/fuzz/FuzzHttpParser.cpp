// libFuzzer target for mldesk-serve's HTTP request parser (built with ASan + UBSan): any bytes must give a result
// whose views lie inside the input and whose sizes add up, and feeding the same bytes split in two (as reads arrive)
// must give the same answer as feeding them whole - for the head and for a chunked body.
#include "HttpParser.h"

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

using namespace mldesk::serve;

namespace {

void check(bool ok)
{
    if (!ok)
        std::abort();
}

bool inside(std::string_view part, std::string_view whole)
{
    return part.empty() || (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

// Feeds a chunked body the way HttpConnection does: the unconsumed bytes again, plus what arrives next.
HttpParse decode(std::string_view bytes, std::size_t split, std::size_t maxBody, std::string &body, std::size_t &used)
{
    ChunkedDecoder decoder;
    std::string pending;
    used = 0;
    HttpParse result = HttpParse::Incomplete;
    for (std::string_view piece : {bytes.substr(0, split), bytes.substr(split)}) {
        pending.append(piece);
        std::size_t consumed = 0;
        std::string error;
        result = decoder.feed(pending, consumed, body, maxBody, error);
        check(consumed <= pending.size());
        check(body.size() <= maxBody);
        used += consumed;
        pending.erase(0, consumed);
        if (result != HttpParse::Incomplete)
            break;
    }
    return result;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    if (size < 2)
        return 0;
    const std::size_t limit = 64 + data[0] * 4; // small limits reach the TooLarge paths
    const std::size_t split = data[1] % (size - 1);
    const std::string bytes(reinterpret_cast<const char *>(data) + 2, size - 2);

    HttpHead head;
    std::string error;
    const HttpParse whole = parseHttpHead(bytes, limit, head, error);
    if (whole == HttpParse::Done) {
        check(head.size <= bytes.size() && head.size <= limit);
        for (std::string_view v : {head.method, head.target, head.authorization})
            check(inside(v, bytes));
    }
    if (whole == HttpParse::Bad)
        check(!error.empty());
    // A prefix is either incomplete or already decided the same way (a head is complete once its blank line came).
    HttpHead early;
    std::string earlyError;
    const HttpParse prefix = parseHttpHead(std::string_view(bytes).substr(0, split), limit, early, earlyError);
    if (prefix != HttpParse::Incomplete) {
        check(prefix == whole);
        if (whole == HttpParse::Done)
            check(early.size == head.size && early.method == head.method && early.target == head.target &&
                  early.contentLength == head.contentLength && early.chunked == head.chunked);
    }

    const std::size_t maxBody = 1 + data[0] * 16;
    std::string oneBody, twoBody;
    std::size_t oneUsed = 0, twoUsed = 0;
    const HttpParse one = decode(bytes, bytes.size(), maxBody, oneBody, oneUsed);
    const HttpParse two = decode(bytes, split, maxBody, twoBody, twoUsed);
    check(one == two);
    if (one == HttpParse::Done)
        check(oneBody == twoBody && oneUsed == twoUsed);
    return 0;
}
