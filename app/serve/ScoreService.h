// ScoreService: what mldesk-serve answers, independent of the HTTP library - routes, methods (405), the key check
// (401), body validation (400), overload (503), and the scoring path through the Batcher (or an I/O loop's group of
// small requests, scored together). respond() may be called on another thread (the batch worker's) and is called
// exactly once per request it answers (not for a request put in a group or left for later).
#pragma once

#include "ApiKeys.h"
#include "Batcher.h"
#include "EntryScriptPool.h"
#include "ScoreJson.h"
#include "ScoreModel.h"
#include "ServeMetrics.h"

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace mldesk::serve {

// Views into the connection's read buffer, valid until respond() is called (handle() copies what it keeps).
struct ServeRequest {
    std::string_view method; // "GET", "POST", ...
    std::string_view target; // "/score?probabilities=true"
    std::string_view authorization;
    std::string_view body;
};

struct ServeReply {
    int status = 200;
    std::string_view contentType = "application/json"; // always a literal
    std::string body;
    std::string allow; // for 405: the methods the path takes
};

// The small /score requests that one I/O loop has read in one round, their rows parsed into one buffer so that one
// forward pass scores them all (the weights streamed once for all rows, not once per request).
struct ScoreGroup {
    static constexpr std::size_t kMaxRows = 64;
    std::vector<float> x;   // (rows, inputs): each request's rows, in the order they were taken
    std::vector<float> out; // (rows, outputs), once scored
    std::size_t rows = 0;
    std::string error; // the forward pass failed: each request of the group is answered 500 with it
    void clear()
    {
        x.clear();
        rows = 0;
        error.clear();
    }
};

// Where one request's rows are in its group.
struct GroupedRows {
    std::size_t first = 0, rows = 0;
    bool probabilities = false;
};

class ScoreService {
public:
    struct Options {
        bool requireKey = true;
        std::size_t maxRowsPerRequest = 10000;
        Batcher::Options batching;
    };
    ScoreService(Options options, ServeMetrics &metrics, ApiKeys &keys);
    ~ScoreService();

    // Called once the model is loaded (from the loading thread): /ready turns 200, /score starts scoring.
    void setModel(std::unique_ptr<ScoreModel> model);
    // Or an entry script (score.py) answers /score: run(raw_data) in its worker processes.
    void setEntryScript(std::unique_ptr<EntryScriptPool> pool);
    // Or: the model could not be loaded; /ready and /score answer 503 with this message.
    void setLoadError(const std::string &error);
    bool ready() const { return m_ready.load(std::memory_order_acquire); }

    // respond is called exactly once: before handle() returns for everything answered on the calling thread (all but
    // batched and entry-script requests), else later from the batch worker's or the entry script's thread.
    void handle(const ServeRequest &request, std::function<void(ServeReply)> respond);

    enum class Handled {
        Answered, // respond was called, or will be from another thread
        Grouped,  // the rows are in the group, where `grouped` says; groupReply() answers once scoreGroup() has run
        NotNow,   // inlineOnly, and the answer would come from another thread: nothing was done
    };
    // As handle(), but a /score request of a few rows on the CPU's thread-safe kernels is parsed into `group` (if
    // there is room) instead of scored. With inlineOnly, a request that would be answered from another thread is
    // left for later: the caller has answers waiting that must go first.
    Handled handle(const ServeRequest &request, std::function<void(ServeReply)> &respond, ScoreGroup &group,
                   GroupedRows &grouped, bool inlineOnly);
    // One forward pass over every row of the group (on the calling thread; counted as one batch).
    void scoreGroup(ScoreGroup &group);
    ServeReply groupReply(const ScoreGroup &group, const GroupedRows &grouped) const;

    static std::string jsonError(const std::string &message);

private:
    struct Grouping { // handle()'s group, where it offers one
        ScoreGroup &group;
        GroupedRows &grouped;
        bool inlineOnly;
    };
    Handled route(const ServeRequest &request, std::function<void(ServeReply)> &respond, const Grouping *grouping);
    std::string swagger() const;
    Handled score(const ServeRequest &request, bool probabilities, std::function<void(ServeReply)> &respond,
                  const Grouping *grouping);

    Options m_options;
    ServeMetrics &m_metrics;
    ApiKeys &m_keys;
    std::unique_ptr<ScoreModel> m_model;
    std::unique_ptr<Batcher> m_batcher;
    std::unique_ptr<ParseHelper> m_parseHelper; // the second half of big bodies
    std::unique_ptr<EntryScriptPool> m_entry;
    std::string m_loadError;
    std::atomic<bool> m_ready{false};
    std::atomic<bool> m_failed{false};
};

} // namespace mldesk::serve
