// EntryScriptPool: Azure-style entry scripts behind the native front. Each of N Python worker processes imports the
// entry script (score.py), calls init() once, then answers run(raw_data) for one request at a time over a pipe
// (length-prefixed frames; the script's own prints go to the log, not the pipe). Requests wait in a bounded queue
// (full: the caller answers 503). A worker that dies is started again; its request gets a 500 naming the crash.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace mldesk::serve {

class EntryScriptPool {
public:
    struct Options {
        std::string python = "python3";
        std::string entry;      // the score.py file
        std::string modelDir;   // AZUREML_MODEL_DIR
        std::string pythonPath; // prepended to PYTHONPATH (the azureml.core shim)
        int workers = 2;
        std::size_t maxQueued = 256;
        // A container environment: the worker command starts with these arguments (`podman run -i ... IMAGE`) and
        // python is the interpreter inside the image; "{worker}" in them becomes an id unique to this server process
        // and worker start (container names). The container gets AZUREML_MODEL_DIR and PYTHONPATH from its own -e
        // arguments; stdin EOF (this process gone) ends the driver and so the container.
        std::vector<std::string> prefix;
    };
    using Done = std::function<void(int status, std::string body)>;
    // log: one line for the server's log.
    EntryScriptPool(Options options, std::function<void(const std::string &)> log);
    ~EntryScriptPool();
    EntryScriptPool(const EntryScriptPool &) = delete;
    EntryScriptPool &operator=(const EntryScriptPool &) = delete;

    // Blocks until every worker has run init() (true) or one failed (false, with the reason in *error).
    bool start(std::string *error);
    // False when the queue is full (done is not called).
    bool submit(std::string body, Done done);

private:
    struct Worker {
        int pid = -1;
        int toChild = -1;
        int fromChild = -1;
    };
    struct Job {
        std::string body;
        Done done;
    };
    bool spawn(Worker &w, std::string *error);
    void stopWorker(Worker &w);
    void serve(std::size_t index);

    Options m_options;
    std::function<void(const std::string &)> m_log;
    std::vector<Worker> m_workers;
    std::vector<std::thread> m_threads;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::deque<Job> m_queue;
    bool m_stop = false;
    std::atomic<int> m_starts{0}; // workers started so far ({worker} ids)
};

} // namespace mldesk::serve
