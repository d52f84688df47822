// Batcher: dynamic batching. Request threads submit rows; one worker thread runs the model on everything queued
// when it gets free (plus up to maxWait for more, when a wait is configured), up to maxBatchRows per forward pass,
// so concurrent requests share one pass when the model is the bottleneck and a lone request never waits long.
// The queue is bounded: submit() refuses (the caller answers 503) rather than letting latency grow without end.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace mldesk::serve {

class ScoreModel;

class Batcher {
public:
    struct Options {
        std::size_t maxBatchRows = 256;
        std::size_t maxQueuedRows = 20000;
        std::chrono::microseconds maxWait{0};
    };
    // outputs (rows, model outputs), or error non-empty.
    using Done = std::function<void(std::vector<float> outputs, const std::string &error)>;
    // Called after every forward pass with its row count (for the metrics).
    using BatchObserver = std::function<void(std::size_t rows)>;

    Batcher(ScoreModel &model, Options options, BatchObserver observer);
    ~Batcher();
    Batcher(const Batcher &) = delete;
    Batcher &operator=(const Batcher &) = delete;

    // x holds rows * inputs floats. False when the queue is full (nothing was queued, done is not called).
    // A small request on the CPU's DenseKernels runs at once on the calling thread, concurrently with others (done is
    // called before submit returns). Otherwise, when nothing is queued, the model is free and the request is small,
    // the pass also runs on the calling thread (a lone request skips two thread hand-offs); under load requests
    // queue and batch.
    bool submit(std::vector<float> x, std::size_t rows, Done done);
    std::size_t queuedRows() const;

private:
    struct Job {
        std::vector<float> x;
        std::size_t rows = 0;
        Done done;
    };
    void run();

    ScoreModel &m_model;
    Options m_options;
    BatchObserver m_observer;
    std::mutex m_modelMutex; // the Backend is not thread-safe: one forward pass at a time
    mutable std::mutex m_mutex;
    std::condition_variable m_wake;
    std::deque<Job> m_queue;
    std::size_t m_queuedRows = 0;
    bool m_stop = false;
    std::thread m_thread;
};

} // namespace mldesk::serve
