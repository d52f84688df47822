// Differential libFuzzer target for mldesk-serve's request parser (built with ASan + UBSan): the one-pass parser of
// the seed's shape must agree with a plain simdjson reading of the same body - the same rows and bit-identical
// floats when the body is a good request, an error when it is not - whatever the bytes.
#include "ScoreJson.h"

#include <simdjson.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <vector>

using namespace mldesk::serve;

namespace {

// What a good request holds, read with simdjson alone; false for any body the server must refuse.
bool reference(std::string_view body, int inputs, std::size_t maxRows, std::vector<float> &x)
{
    static simdjson::dom::parser parser;
    simdjson::dom::element doc;
    simdjson::dom::object root;
    simdjson::dom::array rows;
    if (parser.parse(body.data(), body.size()).get(doc) || doc.get(root) || root["data"].get(rows))
        return false;
    if (rows.size() == 0 || rows.size() > maxRows)
        return false;
    for (simdjson::dom::element row : rows) {
        simdjson::dom::array values;
        if (row.get(values) || values.size() != std::size_t(inputs))
            return false;
        for (simdjson::dom::element v : values) {
            double d;
            if (v.get(d))
                return false;
            x.push_back(float(d));
        }
    }
    return true;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    if (size < 1)
        return 0;
    const int inputs = 1 + data[0] % 8;
    const std::string_view body(reinterpret_cast<const char *>(data) + 1, size - 1);
    const std::size_t maxRows = 16;
    std::vector<float> expected;
    const bool good = reference(body, inputs, maxRows, expected);
    const ScoreInput got = parseScoreRequest(body, inputs, maxRows);
    if (good != got.error.empty())
        std::abort();
    if (good && (got.rows * std::size_t(inputs) != expected.size() || got.x.size() != expected.size() ||
                 std::memcmp(got.x.data(), expected.data(), expected.size() * sizeof(float)) != 0))
        std::abort();
    return 0;
}
