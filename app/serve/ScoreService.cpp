// ScoreService: routing, auth, validation and the Swagger description; see the header.
#include "ScoreService.h"

#include "ScoreJson.h"

#include <nlohmann/json.hpp>

#include <exception>

namespace mldesk::serve {

namespace {

// The most body bytes of a request that may join a group: more is not a few rows, even at 17 digits a number.
constexpr std::size_t kGroupBodyBytes = 256 * 1024;

ServeReply reply(int status, std::string body, std::string_view contentType = "application/json")
{
    ServeReply r;
    r.status = status;
    r.body = std::move(body);
    r.contentType = contentType;
    return r;
}

bool queryFlag(std::string_view query, std::string_view name)
{
    std::size_t start = 0;
    while (start < query.size()) {
        std::size_t end = query.find('&', start);
        if (end == std::string_view::npos)
            end = query.size();
        const std::string_view part = query.substr(start, end - start);
        if (part.size() > name.size() && part.substr(0, name.size()) == name && part[name.size()] == '=') {
            const std::string_view value = part.substr(name.size() + 1);
            if (value == "true" || value == "1" || value == "True")
                return true;
        }
        start = end + 1;
    }
    return false;
}

} // namespace

ScoreService::ScoreService(Options options, ServeMetrics &metrics, ApiKeys &keys)
    : m_options(options), m_metrics(metrics), m_keys(keys)
{
}

ScoreService::~ScoreService() = default;

std::string ScoreService::jsonError(const std::string &message)
{
    return nlohmann::json{{"error", message}}.dump();
}

void ScoreService::setModel(std::unique_ptr<ScoreModel> model)
{
    m_model = std::move(model);
    m_parseHelper = std::make_unique<ParseHelper>();
    m_batcher = std::make_unique<Batcher>(*m_model, m_options.batching,
                                          [this](std::size_t rows) { m_metrics.recordBatch(rows); });
    m_ready.store(true, std::memory_order_release);
}

void ScoreService::setEntryScript(std::unique_ptr<EntryScriptPool> pool)
{
    m_entry = std::move(pool);
    m_ready.store(true, std::memory_order_release);
}

void ScoreService::setLoadError(const std::string &error)
{
    m_loadError = error;
    m_failed.store(true, std::memory_order_release);
}

void ScoreService::handle(const ServeRequest &request, std::function<void(ServeReply)> respond)
{
    route(request, respond, nullptr);
}

ScoreService::Handled ScoreService::handle(const ServeRequest &request, std::function<void(ServeReply)> &respond,
                                           ScoreGroup &group, GroupedRows &grouped, bool inlineOnly)
{
    const Grouping grouping{group, grouped, inlineOnly};
    return route(request, respond, &grouping);
}

void ScoreService::scoreGroup(ScoreGroup &group)
{
    if (group.rows == 0)
        return;
    group.out.resize(group.rows * std::size_t(m_model->outputs()));
    try {
        m_model->predictConcurrent(group.x.data(), group.rows, group.out.data());
    } catch (const std::exception &e) {
        group.error = std::string("the forward pass failed: ") + e.what();
    }
    m_metrics.recordBatch(group.rows);
}

ServeReply ScoreService::groupReply(const ScoreGroup &group, const GroupedRows &grouped) const
{
    if (!group.error.empty())
        return reply(500, jsonError(group.error));
    const int classes = m_model->outputs();
    return reply(200, formatScoreResponse(group.out.data() + grouped.first * std::size_t(classes), grouped.rows,
                                          classes, grouped.probabilities));
}

ScoreService::Handled ScoreService::route(const ServeRequest &request, std::function<void(ServeReply)> &respond,
                                          const Grouping *grouping)
{
    const std::size_t q = request.target.find('?');
    const std::string_view path = request.target.substr(0, q);
    const std::string_view query = q == std::string_view::npos ? std::string_view() : request.target.substr(q + 1);
    auto only = [&](const char *method) {
        if (request.method == method)
            return true;
        ServeReply r = reply(405, jsonError("use " + std::string(method) + " for " + std::string(path)));
        r.allow = method;
        respond(std::move(r));
        return false;
    };
    const bool failed = m_failed.load(std::memory_order_acquire);
    if (path == "/health") {
        if (only("GET"))
            respond(reply(200, "{\"status\": \"alive\"}"));
        return Handled::Answered;
    }
    if (path == "/ready") {
        if (!only("GET"))
            return Handled::Answered;
        if (ready())
            respond(reply(200, "{\"status\": \"ready\"}"));
        else
            respond(reply(503, jsonError(failed ? "the model could not be loaded: " + m_loadError
                                                : "the model is still loading")));
        return Handled::Answered;
    }
    if (path == "/metrics") {
        if (only("GET"))
            respond(reply(200, m_metrics.prometheusText(ready() && m_batcher ? m_batcher->queuedRows() : 0, ready()),
                          "text/plain; version=0.0.4"));
        return Handled::Answered;
    }
    if (path == "/swagger.json") {
        if (only("GET"))
            respond(reply(200, swagger()));
        return Handled::Answered;
    }
    if (path == "/score" || path == "/") {
        if (request.method != "POST" && request.method != "GET") {
            only("POST");
            return Handled::Answered;
        }
        if (m_options.requireKey && !m_keys.accepts(request.authorization)) {
            respond(reply(401, jsonError(request.authorization.empty()
                                             ? "no key: send the header 'Authorization: Bearer <key>' with one of "
                                               "the endpoint's keys (mldesk-cli endpoint keys NAME)"
                                             : "the key is not one of this endpoint's keys")));
            return Handled::Answered;
        }
        if (request.method == "GET") { // Azure answers a GET on the scoring URI with a liveness line
            respond(reply(200, "{\"status\": \"" + std::string(ready() ? "Healthy" : "Transitioning") + "\"}"));
            return Handled::Answered;
        }
        return score(request, queryFlag(query, "probabilities"), respond, grouping);
    }
    respond(reply(404, jsonError("no such path '" + std::string(path) +
                                 "'; the endpoint serves POST /score, GET /health, /ready, /metrics, /swagger.json")));
    return Handled::Answered;
}

ScoreService::Handled ScoreService::score(const ServeRequest &request, bool probabilities,
                                          std::function<void(ServeReply)> &respond, const Grouping *grouping)
{
    const bool inlineOnly = grouping && grouping->inlineOnly;
    if (!ready()) {
        respond(reply(503, jsonError(m_failed.load() ? "the model could not be loaded: " + m_loadError
                                                     : "the model is still loading; try again shortly")));
        return Handled::Answered;
    }
    if (m_entry) { // the script's run() gets the body as it came, as Azure's inference server passes raw_data
        if (inlineOnly)
            return Handled::NotNow;
        auto shared = std::make_shared<std::function<void(ServeReply)>>(std::move(respond));
        if (!m_entry->submit(std::string(request.body),
                             [shared](int status, std::string body) { (*shared)(reply(status, std::move(body))); }))
            (*shared)(reply(503, jsonError("the endpoint is overloaded (too many requests waiting for the entry "
                                           "script); retry with back-off")));
        return Handled::Answered;
    }
    // A body this big is not a few rows (at least kSmallBatch rows of 784 short numbers): not parsed twice.
    if (inlineOnly && request.body.size() > kGroupBodyBytes)
        return Handled::NotNow;
    // Parsed into this thread's buffer: a batch-1 request allocates no input rows.
    thread_local ScoreInput input;
    parseScoreRequest(request.body, m_model->inputs(), m_options.maxRowsPerRequest, input, *m_parseHelper);
    if (!input.error.empty()) {
        respond(reply(400, jsonError(input.error)));
        return Handled::Answered;
    }
    const int classes = m_model->outputs();
    const std::size_t rows = input.rows;
    if (m_model->concurrentFor(rows)) {
        if (grouping && grouping->group.rows + rows <= ScoreGroup::kMaxRows) {
            ScoreGroup &group = grouping->group;
            group.x.insert(group.x.end(), input.x.begin(),
                           input.x.begin() + std::ptrdiff_t(rows * std::size_t(m_model->inputs())));
            grouping->grouped = {group.rows, rows, probabilities};
            group.rows += rows;
            return Handled::Grouped;
        }
        // A few rows on the CPU's thread-safe kernels: scored here, on the I/O thread, with no hand-off and no
        // callback to allocate (measured: the hop to the batch worker costs more than the pass at batch 1).
        thread_local std::vector<float> out;
        out.resize(rows * std::size_t(classes));
        m_model->predict(input.x.data(), rows, out.data());
        m_metrics.recordBatch(rows);
        respond(reply(200, formatScoreResponse(out.data(), rows, classes, probabilities)));
        return Handled::Answered;
    }
    if (inlineOnly)
        return Handled::NotNow;
    auto shared = std::make_shared<std::function<void(ServeReply)>>(std::move(respond));
    const bool queued =
        m_batcher->submit(std::move(input.x), rows,
                          [shared, rows, classes, probabilities](std::vector<float> out, const std::string &error) {
                              if (!error.empty())
                                  (*shared)(reply(500, jsonError(error)));
                              else
                                  (*shared)(reply(200, formatScoreResponse(out.data(), rows, classes, probabilities)));
                          });
    if (!queued)
        (*shared)(reply(503, jsonError("the endpoint is overloaded (too many rows waiting for the model); retry "
                                       "with back-off")));
    return Handled::Answered;
}

std::string ScoreService::swagger() const
{
    const int inputs = ready() && m_model ? m_model->inputs() : 0;
    using nlohmann::json;
    json row = {{"type", "array"}, {"items", {{"type", "number"}}}};
    if (inputs > 0) {
        row["minItems"] = inputs;
        row["maxItems"] = inputs;
    }
    json body;
    body["type"] = "object";
    body["required"] = json::array({"data"});
    body["properties"]["data"] = {{"type", "array"}, {"items", row}};

    json post;
    post["operationId"] = "RunMLService";
    post["security"] = json::array({json{{"Bearer", json::array()}}});
    post["parameters"] = json::array({
        json{{"name", "probabilities"},
             {"in", "query"},
             {"type", "boolean"},
             {"required", false},
             {"description", "also return the softmax rows"}},
        json{{"name", "body"}, {"in", "body"}, {"required", true}, {"schema", body}},
    });
    json &responses = post["responses"];
    responses["200"] = {{"description", "the argmax class of each row (an object with probabilities when asked)"}};
    responses["200"]["schema"] = {{"type", "array"}, {"items", {{"type", "integer"}}}};
    responses["400"] = {{"description", "the body is malformed; the error names what is wrong"}};
    responses["401"] = {{"description", "no key or a wrong key"}};
    responses["413"] = {{"description", "the body is over the limit"}};
    responses["503"] = {{"description", "overloaded, or the model is not loaded yet"}};

    auto getOnly = [](const char *description) {
        json op;
        op["responses"]["200"]["description"] = description;
        return json{{"get", op}};
    };
    json doc;
    doc["swagger"] = "2.0";
    doc["info"] = {{"title", "mldesk-serve"},
                   {"description", "Scoring endpoint for a Keras Sequential model"},
                   {"version", MLDESK_VERSION}};
    doc["schemes"] = json::array({"http"});
    doc["consumes"] = json::array({"application/json"});
    doc["produces"] = json::array({"application/json"});
    doc["securityDefinitions"]["Bearer"] = {{"type", "apiKey"},
                                            {"name", "Authorization"},
                                            {"in", "header"},
                                            {"description", "'Bearer <key>', one of the endpoint's two keys"}};
    doc["paths"]["/score"]["post"] = post;
    doc["paths"]["/health"] = getOnly("the server is alive");
    doc["paths"]["/ready"] = getOnly("the model is loaded");
    doc["paths"]["/metrics"] = getOnly("Prometheus text format");
    return doc.dump(2);
}

} // namespace mldesk::serve
