// ScoreJson: simdjson DOM parsing (one parser per thread, reused) and hand-rolled output of numbers (std::to_chars).
#include "ScoreJson.h"

#include <simdjson.h>

#include <charconv>

namespace mldesk::serve {

namespace {

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

ScoreInput parseScoreRequest(std::string_view body, int inputs, std::size_t maxRows)
{
    ScoreInput in;
    simdjson::dom::element doc;
    if (auto err = threadParser().parse(body.data(), body.size()).get(doc)) {
        in.error = std::string("the body is not valid JSON (") + simdjson::error_message(err) +
                   "); send {\"data\": [[" + std::to_string(inputs) + " numbers], ...]}";
        return in;
    }
    simdjson::dom::object root;
    if (doc.get(root)) {
        in.error = "the body is " + typeName(doc.type()) + "; send an object {\"data\": [[...], ...]}";
        return in;
    }
    simdjson::dom::element data;
    if (root["data"].get(data)) {
        in.error = "the body has no \"data\" field; send {\"data\": [[" + std::to_string(inputs) + " numbers], ...]}";
        return in;
    }
    simdjson::dom::array rows;
    if (data.get(rows)) {
        in.error = "\"data\" is " + typeName(data.type()) + "; it must be a list of rows";
        return in;
    }
    const std::size_t count = rows.size();
    if (count == 0) {
        in.error = "\"data\" is an empty list; send at least one row";
        return in;
    }
    if (count > maxRows) {
        in.error = "\"data\" has " + std::to_string(count) + " rows; at most " + std::to_string(maxRows) +
                   " are accepted in one request";
        return in;
    }
    in.x.resize(count * std::size_t(inputs));
    float *out = in.x.data();
    std::size_t r = 0;
    for (simdjson::dom::element row : rows) {
        simdjson::dom::array values;
        if (row.get(values)) {
            in.error = "data[" + std::to_string(r) + "] is " + typeName(row.type()) + "; each row must be a list of " +
                       std::to_string(inputs) + " numbers";
            return in;
        }
        if (values.size() != std::size_t(inputs)) {
            in.error = "data[" + std::to_string(r) + "] has " + std::to_string(values.size()) +
                       " values; the model expects " + std::to_string(inputs);
            return in;
        }
        std::size_t c = 0;
        for (simdjson::dom::element v : values) {
            double d;
            if (v.get(d)) { // integers convert too; strings, booleans, null and lists do not
                in.error = "data[" + std::to_string(r) + "][" + std::to_string(c) + "] is " + typeName(v.type()) +
                           ", not a number";
                return in;
            }
            *out++ = float(d);
            ++c;
        }
        ++r;
    }
    in.rows = count;
    return in;
}

std::string formatScoreResponse(const std::vector<float> &outputs, std::size_t rows, int classes, bool probabilities)
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
        const float *p = outputs.data() + r * std::size_t(classes);
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
