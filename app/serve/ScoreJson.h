// ScoreJson: the seed's request and response shapes. Request {"data": [[f, f, ...], ...]} (every row as long as the
// model's input) parsed with simdjson (at 100 rows of 784 floats a request, parsing is most of the work); response
// the argmax class of each row, [9, 2, 1, ...], or with probabilities {"predictions": [...], "probabilities":
// [[...], ...]}.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
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

// One thread that parses the second half of big requests while the caller parses the first: at batch 100 one request
// is ~1 MB of numbers, and with one client the other core would otherwise idle. It takes one job at a time; a caller
// that finds it busy parses alone.
class ParseHelper {
public:
    static constexpr std::size_t kMinBytes = 128 * 1024; // below, the hand-off costs more than it saves
    ParseHelper();
    ~ParseHelper();
    ParseHelper(const ParseHelper &) = delete;
    ParseHelper &operator=(const ParseHelper &) = delete;
    bool start(std::function<void()> job); // false: busy
    void wait();                           // for the job start() took

private:
    void run();
    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::function<void()> m_job;
    bool m_busy = false, m_done = false, m_stop = false;
    std::thread m_thread;
};

// The same, a body of at least ParseHelper::kMinBytes split between this thread and the helper when it is free. The
// floats, rows and errors are those of the one-thread parse.
void parseScoreRequest(std::string_view body, int inputs, std::size_t maxRows, ScoreInput &in, ParseHelper &helper);

// outputs (rows, classes).
std::string formatScoreResponse(const float *outputs, std::size_t rows, int classes, bool probabilities);

} // namespace mldesk::serve
