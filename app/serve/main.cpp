// mldesk-serve: a native scoring server for a Keras Sequential model (model.json + model.h5, or an unpacked Keras 3
// model), the seed's deployment without Python: POST /score, /health, /ready, /metrics, /swagger.json, two keys.
// Started by `mldesk-cli endpoint create/start` under mldesk-supervisor; usable by hand too (see --help).
#include "ApiKeys.h"
#include "HttpServer.h"
#include "ScoreModel.h"
#include "ScoreService.h"
#include "ServeMetrics.h"

#include <atomic>
#include <chrono>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>
#include <unistd.h>

using namespace mldesk::serve;

namespace {

std::mutex g_logMutex;

void logLine(const std::string &text)
{
    char stamp[32];
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
    std::lock_guard lock(g_logMutex);
    std::fprintf(stdout, "%s mldesk-serve: %s\n", stamp, text.c_str());
    std::fflush(stdout);
}

const char *kUsage =
    "usage: mldesk-serve --model-dir DIR [--keys-file FILE | --no-auth] [options]\n"
    "Serves a Keras Sequential model over HTTP: POST /score {\"data\": [[...], ...]} -> [class, ...]\n"
    "(?probabilities=true adds the softmax rows), GET /health, /ready, /metrics (Prometheus), /swagger.json.\n"
    "  --model-dir DIR        folder with model.json + model.h5 (Keras 2 save_weights, as mldesk-train writes) or\n"
    "                         config.json + model.weights.h5 (an unpacked Keras 3 .keras file)\n"
    "  --keys-file FILE       the endpoint's keys, one per line, mode 600 (re-read on SIGHUP); clients send\n"
    "                         'Authorization: Bearer <key>'\n"
    "  --no-auth              serve without keys (only for a private loopback test)\n"
    "  --host HOST            address to bind (default 127.0.0.1; anything else is reachable from the network)\n"
    "  --port N               port (default 0: any free port; see --port-file)\n"
    "  --port-file FILE       write the bound port there once listening\n"
    "  --device cpu|cuda      where the forward pass runs (default cpu)\n"
    "  --io-threads N         HTTP threads (default 2)      --cpu-threads N  forward-pass threads (default 1)\n"
    "  --max-body-bytes N     larger bodies get 413 (default 16777216)\n"
    "  --max-rows N           rows per request (default 10000)\n"
    "  --timeout S            a request must arrive within S seconds; idle connections close after it (30)\n"
    "  --max-batch N          rows per forward pass (default 256)\n"
    "  --batch-wait-us N      wait up to N us for more requests to batch (default 0: batch what is queued)\n"
    "  --max-queued-rows N    more rows waiting than this -> 503 (default 20000)\n"
    "  --max-connections N    more open connections -> 503 (default 1024)\n"
    "  --entry FILE           serve an Azure-style score.py instead: init() once per worker, run(raw_data) per\n"
    "                         request, AZUREML_MODEL_DIR = --model-dir (any files, not only Keras)\n"
    "  --python PATH          the Python that runs it (default python3)   --workers N  its processes (default 2)\n"
    "  --python-path DIRS     prepended to its PYTHONPATH (e.g. the azureml.core shim)\n"
    "  --worker-prefix ARG    (repeated) start each worker with these arguments, e.g. podman run -i ... IMAGE: the\n"
    "                         script runs in a container, --python is the one inside; {worker} -> a unique id\n";

bool isLoopback(const std::string &host)
{
    return host == "127.0.0.1" || host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

} // namespace

int main(int argc, char **argv)
{
    std::string modelDir, keysFile, portFile, device = "cpu";
    EntryScriptPool::Options entry;
    bool noAuth = false;
    ScoreService::Options serviceOptions;
    HttpServer::Options httpOptions;
    int cpuThreads = 1;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "mldesk-serve: %s needs a value\n%s", a.c_str(), kUsage);
                std::exit(2);
            }
            return argv[++i];
        };
        auto number = [&]() -> long long {
            const std::string v = value();
            char *end = nullptr;
            const long long n = std::strtoll(v.c_str(), &end, 10);
            if (v.empty() || *end != '\0' || n < 0) {
                std::fprintf(stderr, "mldesk-serve: %s wants a non-negative integer, not '%s'\n", a.c_str(), v.c_str());
                std::exit(2);
            }
            return n;
        };
        if (a == "--help" || a == "-h") {
            std::fputs(kUsage, stdout);
            return 0;
        }
        if (a == "--version") {
            std::printf("mldesk-serve %s\n", MLDESK_VERSION);
            return 0;
        }
        if (a == "--model-dir")
            modelDir = value();
        else if (a == "--keys-file")
            keysFile = value();
        else if (a == "--no-auth")
            noAuth = true;
        else if (a == "--host")
            httpOptions.host = value();
        else if (a == "--port") {
            const long long p = number();
            if (p > 65535) {
                std::fprintf(stderr, "mldesk-serve: --port must be at most 65535\n");
                return 2;
            }
            httpOptions.port = std::uint16_t(p);
        } else if (a == "--port-file")
            portFile = value();
        else if (a == "--device")
            device = value();
        else if (a == "--io-threads")
            httpOptions.ioThreads = int(std::max(1LL, number()));
        else if (a == "--cpu-threads")
            cpuThreads = int(std::max(1LL, number()));
        else if (a == "--max-body-bytes")
            httpOptions.maxBodyBytes = std::size_t(number());
        else if (a == "--max-rows")
            serviceOptions.maxRowsPerRequest = std::size_t(std::max(1LL, number()));
        else if (a == "--timeout")
            httpOptions.clientTimeout = std::chrono::seconds(std::max(1LL, number()));
        else if (a == "--max-batch")
            serviceOptions.batching.maxBatchRows = std::size_t(std::max(1LL, number()));
        else if (a == "--batch-wait-us")
            serviceOptions.batching.maxWait = std::chrono::microseconds(number());
        else if (a == "--max-queued-rows")
            serviceOptions.batching.maxQueuedRows = std::size_t(std::max(1LL, number()));
        else if (a == "--entry")
            entry.entry = value();
        else if (a == "--python")
            entry.python = value();
        else if (a == "--python-path")
            entry.pythonPath = value();
        else if (a == "--worker-prefix")
            entry.prefix.push_back(value());
        else if (a == "--workers")
            entry.workers = int(std::max(1LL, number()));
        else if (a == "--max-connections")
            httpOptions.maxConnections = long(std::max(1LL, number()));
        else if (a == "--bench-sink") // not in the usage: bench/serve-bench's transport ceiling (POST /sink)
            httpOptions.benchSink = true;
        else {
            std::fprintf(stderr, "mldesk-serve: unknown argument '%s'\n%s", a.c_str(), kUsage);
            return 2;
        }
    }
    if (modelDir.empty()) {
        std::fprintf(stderr, "mldesk-serve: --model-dir is required\n%s", kUsage);
        return 2;
    }
    if (keysFile.empty() && !noAuth) {
        std::fprintf(stderr, "mldesk-serve: give --keys-file FILE (or --no-auth for a private test)\n");
        return 2;
    }

    ApiKeys keys;
    if (!noAuth) {
        try {
            keys.load(keysFile);
        } catch (const std::exception &e) {
            std::fprintf(stderr, "mldesk-serve: %s\n", e.what());
            return 2;
        }
    }
    serviceOptions.requireKey = !noAuth;
    ServeMetrics metrics;
    ScoreService service(serviceOptions, metrics, keys);

    // At most a few refusals a second reach the log: a flood of bad requests must not fill the disk.
    std::atomic<long long> windowStart{0};
    std::atomic<int> inWindow{0};
    httpOptions.logRefusal = [&](int status, const std::string &path, const std::string &body) {
        const long long second =
            std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now().time_since_epoch())
                .count();
        if (windowStart.exchange(second) != second)
            inWindow = 0;
        if (++inWindow <= 5)
            logLine(std::to_string(status) + " " + path + " " + body.substr(0, 300));
    };
    HttpServer server(httpOptions, service, metrics);
    try {
        server.listen();
    } catch (const std::exception &e) {
        logLine(std::string("error: ") + e.what());
        return 1;
    }
    if (!isLoopback(httpOptions.host))
        logLine("WARNING: listening on " + httpOptions.host +
                ", reachable from other machines; keep the keys secret (the traffic is plain HTTP)");
    logLine("listening on http://" + httpOptions.host + ":" + std::to_string(server.port()) +
            (noAuth ? " (no keys: --no-auth)" : " (" + std::to_string(keys.count()) + " keys)"));
    if (!portFile.empty()) {
        const std::string temp = portFile + ".tmp";
        {
            std::ofstream out(temp);
            out << server.port() << '\n';
        }
        std::rename(temp.c_str(), portFile.c_str());
    }

    std::thread loader([&] {
        if (!entry.entry.empty()) {
            char resolved[PATH_MAX];
            entry.modelDir = ::realpath(modelDir.c_str(), resolved) ? resolved : modelDir;
            auto pool = std::make_unique<EntryScriptPool>(entry, logLine);
            std::string error;
            if (pool->start(&error)) {
                logLine("entry script " + entry.entry + " ready in " + std::to_string(entry.workers) + " worker(s) (" +
                        entry.python + ", AZUREML_MODEL_DIR=" + entry.modelDir + ")");
                service.setEntryScript(std::move(pool));
            } else {
                logLine("error: the model could not be loaded: " + error);
                service.setLoadError(error);
            }
            return;
        }
        try {
            const auto started = std::chrono::steady_clock::now();
            auto model = ScoreModel::load(modelDir, device, cpuThreads);
            const double ms =
                std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
            std::string layers;
            for (const auto &l : model->spec().layers)
                layers += (layers.empty() ? "" : "-") + std::to_string(l.units);
            logLine("model loaded from " + modelDir + ": " + std::to_string(model->inputs()) + " inputs, Dense " +
                    layers + ", on " + model->description() + " (" + std::to_string(int(ms)) + " ms); ready");
            service.setModel(std::move(model));
        } catch (const std::exception &e) {
            logLine(std::string("error: the model could not be loaded: ") + e.what());
            service.setLoadError(e.what());
        }
    });
    server.run([&] {
        if (noAuth)
            return;
        try {
            keys.load(keysFile);
            logLine("keys reloaded (" + std::to_string(keys.count()) + " keys)");
        } catch (const std::exception &e) {
            logLine(std::string("keys not reloaded, the old ones stay: ") + e.what());
        }
    });
    loader.join();
    logLine("stopped");
    return 0;
}
