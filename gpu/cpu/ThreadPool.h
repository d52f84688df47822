// A fixed set of worker threads for fork-join loops over numbered chunks: run(chunks, task) calls task(chunk, thread)
// once for every chunk, handing chunks out dynamically, and returns when all are done. Chunk boundaries are the
// caller's, so results never depend on which thread ran what (bit-reproducible); dynamic hand-out keeps a step from
// waiting on a descheduled thread when the machine is busy. Workers spin briefly, then sleep on a futex. When the
// caller keeps waiting on workers that do not get a core (an oversubscribed machine), the pool runs the next few
// hundred loops on the calling thread alone, then tries again: same chunks, so the same bits, just no stalls.
#pragma once

#include <atomic>
#include <cstdint>
#include <exception>
#include <functional>
#include <thread>
#include <vector>

namespace mldesk::gpu::cpu {

class ThreadPool {
public:
    explicit ThreadPool(int threads);
    ~ThreadPool();
    ThreadPool(const ThreadPool &) = delete;
    ThreadPool &operator=(const ThreadPool &) = delete;

    int size() const { return m_threads; }
    // Runs task(chunk, thread) for every chunk in [0, chunks) (at most 65535), thread in [0, size()); the calling
    // thread takes part as thread 0. Rethrows the first exception a task threw.
    void run(int chunks, const std::function<void(int chunk, int thread)> &task);

private:
    void worker(int index);
    void work(std::uint32_t generation, int thread);

    int m_threads;
    std::vector<std::thread> m_workers;
    const std::function<void(int, int)> *m_task = nullptr;
    std::uint32_t m_runs = 0;             // generations started (caller thread only)
    int m_lagStrikes = 0;                 // consecutive loops that mostly waited on workers
    int m_soloLoops = 0;                  // loops left to run on the caller alone
    std::atomic<std::uint32_t> m_wake{0}; // generation workers wait on
    std::atomic<std::uint64_t> m_next{0}; // generation << 32 | chunks << 16 | next chunk
    std::atomic<int> m_done{0};           // chunks finished in the current generation
    std::atomic<bool> m_stop{false};
    std::atomic<bool> m_failed{false};
    std::exception_ptr m_error;
};

} // namespace mldesk::gpu::cpu
