// ScoreJson: a one-pass parser for the seed's exact shape (most requests), simdjson DOM parsing (one parser per
// thread, reused) for everything else and for the error messages, and hand-rolled output of numbers (std::to_chars).
#include "ScoreJson.h"

#include <simdjson.h>

#include <charconv>
#include <cstdint>
#include <cstring>

namespace mldesk::serve {

namespace {

// The fast path: {"data": [[number, ...], ...]} with JSON whitespace and nothing else, numbers straight into floats
// while the text is read once (simdjson would index the structure, write a tape of doubles and be walked again).
// It gives up (false) on anything else - another key, a wrong row length, a non-number, bad JSON - and the caller
// parses again with simdjson, which accepts any valid JSON and words the errors. A number is converted as simdjson
// and Python do: to the nearest double (Clinger's exact path for up to 15-16 digits, std::from_chars otherwise),
// then to float.
class FastScoreParser {
public:
    FastScoreParser(std::string_view body, int inputs, std::size_t maxRows)
        : m_p(body.data()), m_end(body.data() + body.size()), m_inputs(std::size_t(inputs)), m_maxRows(maxRows)
    {
    }

    bool parse(ScoreInput &in)
    {
        if (!open() || !rows(in))
            return false;
        skip();
        if (!eat(']'))
            return false;
        skip();
        if (!eat('}'))
            return false;
        skip();
        return m_p == m_end;
    }

    // Up to the first row: {"data": [
    bool open()
    {
        skip();
        if (!eat('{'))
            return false;
        skip();
        if (std::size_t(m_end - m_p) < 6 || std::memcmp(m_p, "\"data\"", 6) != 0)
            return false;
        m_p += 6;
        skip();
        if (!eat(':'))
            return false;
        skip();
        if (!eat('['))
            return false;
        skip();
        return m_p < m_end && *m_p != ']'; // empty: the slow path words it
    }
    const char *position() const { return m_p; }

    // Rows separated by commas, from here to the first thing that is not one more row.
    bool rows(ScoreInput &in)
    {
        // A first guess of the row count from the size (Python writes pixels in about 10 bytes), so the vector
        // rarely grows.
        in.x.reserve(std::min<std::size_t>(m_maxRows, std::size_t(m_end - m_p) / (m_inputs * 8) + 1) * m_inputs);
        std::size_t rows = 0;
        for (;;) {
            if (++rows > m_maxRows)
                return false;
            const std::size_t at = in.x.size();
            in.x.resize(at + m_inputs);
            if (!row(in.x.data() + at))
                return false;
            skip();
            if (m_p < m_end && *m_p == ',') {
                ++m_p;
                skip();
                continue;
            }
            break;
        }
        in.rows = rows;
        return true;
    }
    bool atEnd() const { return m_p == m_end; }

private:
    // Inlined into the per-number loop: as calls, their prologues cost as much as a zero pixel's whole parse.
    [[gnu::always_inline]] void skip()
    {
        if (m_p < m_end && *m_p == ' ') // the usual one space, before the loop
            ++m_p;
        while (m_p < m_end && (*m_p == ' ' || *m_p == '\n' || *m_p == '\r' || *m_p == '\t'))
            ++m_p;
    }
    [[gnu::always_inline]] bool eat(char c)
    {
        if (m_p < m_end && *m_p == c) {
            ++m_p;
            return true;
        }
        return false;
    }

    bool row(float *out)
    {
        if (!eat('['))
            return false;
        // A zero pixel with its separator, "0.0, " as Python writes it (or "0.0,"), is settled by one 8-byte compare.
        constexpr std::uint64_t kZeroSpace = 0x202C302E30ull, kZero = 0x2C302E30ull; // "0.0, ", "0.0," little-endian
        for (std::size_t c = 0; c < m_inputs; ++c) {
            if (m_end - m_p >= 8 && c + 1 < m_inputs) {
                std::uint64_t v;
                std::memcpy(&v, m_p, 8);
                if ((v & 0xFFFFFFFFFFull) == kZeroSpace || (v & 0xFFFFFFFFull) == kZero) {
                    out[c] = 0.0f;
                    m_p += (v & 0xFFFFFFFFFFull) == kZeroSpace ? 5 : 4;
                    continue;
                }
            }
            skip();
            if (!number(out + c))
                return false;
            const char separator = c + 1 == m_inputs ? ']' : ',';
            if (m_p < m_end && *m_p == separator) { // what Python writes: ", " - its space too
                ++m_p;
                if (m_p < m_end && *m_p == ' ')
                    ++m_p;
                continue;
            }
            skip();
            if (!eat(separator))
                return false;
        }
        return true;
    }

    static bool eightDigits(const char *p)
    {
        std::uint64_t v;
        std::memcpy(&v, p, 8);
        return (((v & 0xF0F0F0F0F0F0F0F0ull) | (((v + 0x0606060606060606ull) & 0xF0F0F0F0F0F0F0F0ull) >> 4)) ==
                0x3333333333333333ull);
    }
    static std::uint32_t parseEight(const char *p) // little-endian SWAR: 8 ASCII digits -> their value
    {
        std::uint64_t v;
        std::memcpy(&v, p, 8);
        v = (v & 0x0F0F0F0F0F0F0F0Full) * 2561 >> 8;
        v = (v & 0x00FF00FF00FF00FFull) * 6553601 >> 16;
        return std::uint32_t((v & 0x0000FFFF0000FFFFull) * 42949672960001ull >> 32);
    }
    static bool digit(char c) { return c >= '0' && c <= '9'; }
    static constexpr double kPow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    // m (> 0) has at most 53 significant bits: below 2^53, or its low bits beyond 53 are zero (half of Python's
    // 16-17-digit pixels above 2^53 are even, and so on).
    static bool exactDouble(std::uint64_t m)
    {
        const int extra = 64 - __builtin_clzll(m) - 53;
        return extra <= 0 || (m & ((std::uint64_t(1) << extra) - 1)) == 0;
    }

    [[gnu::always_inline]] bool number(float *out)
    {
        // "0.0" then a separator: most of the seed's pixels (zero), settled without the general path.
        if (m_end - m_p >= 4 && m_p[0] == '0' && m_p[1] == '.' && m_p[2] == '0' && (m_p[3] == ',' || m_p[3] == ']')) {
            *out = 0.0f;
            m_p += 3;
            return true;
        }
        // "0." and 16 to 19 digits, then a separator: how Python writes most pixels in (0, 1) (k / 255). The same
        // digits, exponent and Clinger step as the general path below, without its branches for signs, integer
        // parts and exponents; anything else (fewer digits, m beyond 53 bits, zero) takes the general path.
        if (m_end - m_p >= 20 && m_p[0] == '0' && m_p[1] == '.' && eightDigits(m_p + 2) && eightDigits(m_p + 10)) {
            std::uint64_t m = std::uint64_t(parseEight(m_p + 2)) * 100000000 + parseEight(m_p + 10);
            const char *p = m_p + 18;
            int digits = 16;
            while (digits < 19 && p < m_end && digit(*p)) {
                m = m * 10 + std::uint64_t(*p++ - '0');
                ++digits;
            }
            if (p < m_end && (*p == ',' || *p == ']') && m != 0 && exactDouble(m)) {
                *out = float(double(m) / kPow10[digits]);
                m_p = p;
                return true;
            }
        }
        const char *start = m_p;
        const char *p = m_p;
        const bool negative = p < m_end && *p == '-';
        p += negative;
        if (p >= m_end || !digit(*p))
            return false;
        std::uint64_t m = 0;
        int digits = 0, exponent = 0;
        bool integer = true; // "-0" is the integer 0 to simdjson and Python (+0.0); "-0.0" is -0.0
        if (*p == '0') {
            ++p;
        } else {
            while (p < m_end && digit(*p)) {
                m = m * 10 + std::uint64_t(*p++ - '0');
                ++digits;
            }
        }
        if (p < m_end && *p == '.') {
            ++p;
            integer = false;
            const char *fraction = p;
            while (digits + 8 <= 19 && m_end - p >= 8 && eightDigits(p)) {
                m = m * 100000000 + parseEight(p);
                p += 8;
                digits += 8;
            }
            while (p < m_end && digit(*p)) {
                m = m * 10 + std::uint64_t(*p++ - '0');
                ++digits;
            }
            if (p == fraction)
                return false; // "1." is not JSON
            exponent = -int(p - fraction);
        }
        bool exact = digits <= 19;
        if (p < m_end && (*p == 'e' || *p == 'E')) {
            ++p;
            integer = false;
            const bool minus = p < m_end && *p == '-';
            p += (p < m_end && (*p == '-' || *p == '+'));
            if (p >= m_end || !digit(*p))
                return false;
            int e = 0;
            while (p < m_end && digit(*p)) {
                if (e < 100000)
                    e = e * 10 + (*p - '0');
                ++p;
            }
            exponent += minus ? -e : e;
        }
        if (p < m_end && !(*p == ',' || *p == ']' || *p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
            return false;
        // An integer beyond 64 bits is refused by simdjson: the slow path says so (found by FuzzScoreJson).
        if (integer && (digits > 19 || (negative && m > (std::uint64_t(1) << 63))))
            return false;
        m_p = p;
        double d;
        if (m == 0 && exact) {
            d = 0.0;
        } else if (exact && exactDouble(m) && exponent >= -22 && exponent <= 22) {
            // Clinger: both m and 10^|e| are exact doubles, so one IEEE division or product is correctly rounded.
            d = exponent < 0 ? double(m) / kPow10[-exponent] : double(m) * kPow10[exponent];
        } else if (exact) {
            // m and the exponent are the number exactly (no digit was dropped), so a converted value can be kept
            // and reused: the seed's pixels are k / 255, a few hundred distinct 17-digit decimals that would each
            // take from_chars's slow path again and again.
            struct Entry {
                std::uint64_t m = 0; // 0: empty (zero never gets here)
                int exponent = 0;
                double value = 0;
            };
            thread_local Entry cache[1024];
            Entry &e =
                cache[((m ^ std::uint64_t(std::int64_t(exponent)) * 0x9E3779B97F4A7C15ull) * 0x9E3779B97F4A7C15ull) >>
                      54];
            if (e.m == m && e.exponent == exponent) {
                d = e.value;
            } else {
                auto [end, ec] = std::from_chars(start + negative, p, d);
                if (ec != std::errc() || end != p)
                    return false; // out of range and the like: the slow path says what
                e = {m, exponent, d};
            }
        } else {
            auto [end, ec] = std::from_chars(start + negative, p, d);
            if (ec != std::errc() || end != p)
                return false; // out of range and the like: the slow path says what
        }
        *out = float(negative && !(integer && d == 0.0) ? -d : d);
        return true;
    }

    const char *m_p;
    const char *m_end;
    std::size_t m_inputs;
    std::size_t m_maxRows;
};

simdjson::dom::parser &threadParser()
{
    thread_local simdjson::dom::parser parser;
    return parser;
}

std::string typeName(simdjson::dom::element_type t)
{
    switch (t) {
    case simdjson::dom::element_type::ARRAY:
        return "a list";
    case simdjson::dom::element_type::OBJECT:
        return "an object";
    case simdjson::dom::element_type::STRING:
        return "a string";
    case simdjson::dom::element_type::BOOL:
        return "a boolean";
    case simdjson::dom::element_type::NULL_VALUE:
        return "null";
    default:
        return "a number";
    }
}

} // namespace

namespace {

bool space(char c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

// The seed's shape split at the first row boundary ("],") past the middle: this thread parses the rows before it,
// the helper those after. Both halves must be rows of the fast shape and the prefix and suffix the seed's, so what
// is accepted is exactly what the one-pass parser accepts; anything else returns false (parse the whole body).
bool parseSplit(std::string_view body, int inputs, std::size_t maxRows, ScoreInput &in, ParseHelper &helper)
{
    FastScoreParser head(body, inputs, maxRows);
    if (inputs <= 0 || !head.open())
        return false;
    const char *first = head.position();
    const char *end = body.data() + body.size();
    for (const char closer : {'}', ']'}) {
        while (end > first && space(end[-1]))
            --end;
        if (end == first || end[-1] != closer)
            return false;
        --end;
    }
    while (end > first && space(end[-1]))
        --end;
    const std::string_view region(first, std::size_t(end - first));
    const std::size_t mid = region.find("],", region.size() / 2);
    if (mid == std::string_view::npos)
        return false;
    std::size_t second = mid + 2;
    while (second < region.size() && space(region[second]))
        ++second;
    thread_local ScoreInput scratch; // this thread's: the helper writes it while this thread waits
    ScoreInput &tail = scratch;      // (a lambda naming a thread_local would reach the helper's own)
    tail.x.clear();
    tail.rows = 0;
    bool tailOk = false;
    const std::string_view after = region.substr(second);
    if (!helper.start([&] {
            FastScoreParser p(after, inputs, maxRows);
            tailOk = p.rows(tail) && p.atEnd();
        }))
        return false;
    FastScoreParser p(region.substr(0, mid + 1), inputs, maxRows);
    const bool headOk = p.rows(in) && p.atEnd();
    helper.wait();
    if (!headOk || !tailOk || in.rows + tail.rows > maxRows)
        return false;
    in.x.insert(in.x.end(), tail.x.begin(), tail.x.end());
    in.rows += tail.rows;
    return true;
}

} // namespace

ParseHelper::ParseHelper() : m_thread([this] { run(); }) {}

ParseHelper::~ParseHelper()
{
    {
        std::lock_guard lock(m_mutex);
        m_stop = true;
    }
    m_wake.notify_all();
    m_thread.join();
}

bool ParseHelper::start(std::function<void()> job)
{
    std::lock_guard lock(m_mutex);
    if (m_busy)
        return false;
    m_busy = true;
    m_done = false;
    m_job = std::move(job);
    m_wake.notify_all();
    return true;
}

void ParseHelper::wait()
{
    std::unique_lock lock(m_mutex);
    m_wake.wait(lock, [this] { return m_done; });
    m_busy = false;
}

void ParseHelper::run()
{
    std::unique_lock lock(m_mutex);
    for (;;) {
        m_wake.wait(lock, [this] { return m_stop || m_job; });
        if (m_stop)
            return;
        std::function<void()> job = std::move(m_job);
        m_job = nullptr;
        lock.unlock();
        job();
        lock.lock();
        m_done = true;
        m_wake.notify_all();
    }
}

void parseScoreRequest(std::string_view body, int inputs, std::size_t maxRows, ScoreInput &in, ParseHelper &helper)
{
    in.x.clear();
    in.rows = 0;
    in.error.clear();
    if (body.size() >= ParseHelper::kMinBytes && parseSplit(body, inputs, maxRows, in, helper))
        return;
    parseScoreRequest(body, inputs, maxRows, in);
}

ScoreInput parseScoreRequest(std::string_view body, int inputs, std::size_t maxRows)
{
    ScoreInput in;
    parseScoreRequest(body, inputs, maxRows, in);
    return in;
}

void parseScoreRequest(std::string_view body, int inputs, std::size_t maxRows, ScoreInput &in)
{
    in.x.clear();
    in.rows = 0;
    in.error.clear();
    if (inputs > 0 && FastScoreParser(body, inputs, maxRows).parse(in))
        return;
    in.x.clear();
    simdjson::dom::element doc;
    if (auto err = threadParser().parse(body.data(), body.size()).get(doc)) {
        in.error = std::string("the body is not valid JSON (") + simdjson::error_message(err) +
                   "); send {\"data\": [[" + std::to_string(inputs) + " numbers], ...]}";
        return;
    }
    simdjson::dom::object root;
    if (doc.get(root)) {
        in.error = "the body is " + typeName(doc.type()) + "; send an object {\"data\": [[...], ...]}";
        return;
    }
    simdjson::dom::element data;
    if (root["data"].get(data)) {
        in.error = "the body has no \"data\" field; send {\"data\": [[" + std::to_string(inputs) + " numbers], ...]}";
        return;
    }
    simdjson::dom::array rows;
    if (data.get(rows)) {
        in.error = "\"data\" is " + typeName(data.type()) + "; it must be a list of rows";
        return;
    }
    const std::size_t count = rows.size();
    if (count == 0) {
        in.error = "\"data\" is an empty list; send at least one row";
        return;
    }
    if (count > maxRows) {
        in.error = "\"data\" has " + std::to_string(count) + " rows; at most " + std::to_string(maxRows) +
                   " are accepted in one request";
        return;
    }
    in.x.resize(count * std::size_t(inputs));
    float *out = in.x.data();
    std::size_t r = 0;
    for (simdjson::dom::element row : rows) {
        simdjson::dom::array values;
        if (row.get(values)) {
            in.error = "data[" + std::to_string(r) + "] is " + typeName(row.type()) + "; each row must be a list of " +
                       std::to_string(inputs) + " numbers";
            return;
        }
        if (values.size() != std::size_t(inputs)) {
            in.error = "data[" + std::to_string(r) + "] has " + std::to_string(values.size()) +
                       " values; the model expects " + std::to_string(inputs);
            return;
        }
        std::size_t c = 0;
        for (simdjson::dom::element v : values) {
            double d;
            if (v.get(d)) { // integers convert too; strings, booleans, null and lists do not
                in.error = "data[" + std::to_string(r) + "][" + std::to_string(c) + "] is " + typeName(v.type()) +
                           ", not a number";
                return;
            }
            *out++ = float(d);
            ++c;
        }
        ++r;
    }
    in.rows = count;
}

std::string formatScoreResponse(const float *outputs, std::size_t rows, int classes, bool probabilities)
{
    std::string s;
    s.reserve(rows * (probabilities ? std::size_t(classes) * 14 + 8 : 3) + 48);
    char buf[32];
    auto append = [&](auto value) {
        auto res = std::to_chars(buf, buf + sizeof buf, value);
        s.append(buf, res.ptr);
    };
    s += probabilities ? "{\"predictions\": [" : "[";
    for (std::size_t r = 0; r < rows; ++r) {
        const float *p = outputs + r * std::size_t(classes);
        int best = 0;
        for (int c = 1; c < classes; ++c)
            if (p[c] > p[best]) // first maximum wins, as numpy's argmax
                best = c;
        if (r)
            s += ", ";
        append(best);
    }
    s += ']';
    if (probabilities) {
        s += ", \"probabilities\": [";
        for (std::size_t r = 0; r < rows; ++r) {
            s += r ? ", [" : "[";
            for (int c = 0; c < classes; ++c) {
                if (c)
                    s += ", ";
                append(outputs[r * std::size_t(classes) + std::size_t(c)]);
            }
            s += ']';
        }
        s += "]}";
    }
    return s;
}

} // namespace mldesk::serve
