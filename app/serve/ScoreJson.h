// ScoreJson: the seed's request and response shapes. Request {"data": [[f, f, ...], ...]} (every row as long as the
// model's input) parsed with simdjson (at 100 rows of 784 floats a request, parsing is most of the work); response
// the argmax class of each row, [9, 2, 1, ...], or with probabilities {"predictions": [...], "probabilities":
// [[...], ...]}.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace mldesk::serve {

struct ScoreInput {
    std::vector<float> x; // (rows, inputs)
    std::size_t rows = 0;
    std::string error; // non-empty: what is wrong with the body, for a 400
};

// maxRows bounds one request (a 413-like refusal is the body limit; this keeps one request from hogging the model).
ScoreInput parseScoreRequest(std::string_view body, int inputs, std::size_t maxRows);
// The same into `in`, reusing the capacity of in.x (a thread's buffer: no allocation per request).
void parseScoreRequest(std::string_view body, int inputs, std::size_t maxRows, ScoreInput &in);

// outputs (rows, classes).
std::string formatScoreResponse(const std::vector<float> &outputs, std::size_t rows, int classes, bool probabilities);

} // namespace mldesk::serve
