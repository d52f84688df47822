// Fork-join over chunks: one packed atomic word (generation, chunk count, next chunk) hands chunks out, so a worker
// that wakes late can never claim a chunk of a later loop; spin-then-futex waits.
#include "ThreadPool.h"

#include <chrono>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define MLDESK_PAUSE() _mm_pause()
#else
#define MLDESK_PAUSE() ((void)0)
#endif

namespace mldesk::gpu::cpu {

namespace {
// Denormal floats are ~100x slower on x86; RMSprop's second moments decay into them. TensorFlow's CPU threads flush
// them to zero too (FTZ + DAZ), so the pool's threads do the same while they work.
class FlushDenormals {
public:
#if defined(__x86_64__) || defined(__i386__)
    FlushDenormals() : m_saved(_mm_getcsr())
    {
        _mm_setcsr(m_saved | 0x8040);
    }
    ~FlushDenormals()
    {
        _mm_setcsr(m_saved);
    }

private:
    unsigned m_saved;
#endif
};

constexpr int kLagStrikes = 3;  // loops in a row that waited more than they worked...
constexpr int kSoloLoops = 400; // ...make the next kSoloLoops run on the calling thread alone
constexpr double kLagSeconds = 300e-6;
constexpr int kSpins = 1000; // ~50 us of PAUSE (about 140 cycles each on recent Intel), then sleep on the futex
} // namespace

ThreadPool::ThreadPool(int threads) : m_threads(threads < 1 ? 1 : threads)
{
    for (int i = 1; i < m_threads; ++i)
        m_workers.emplace_back([this, i] { worker(i); });
}

ThreadPool::~ThreadPool()
{
    m_stop.store(true);
    m_wake.fetch_add(1);
    m_wake.notify_all();
    for (std::thread &t : m_workers)
        t.join();
}

void ThreadPool::work(std::uint32_t generation, int thread)
{
    for (;;) {
        std::uint64_t word = m_next.load(std::memory_order_acquire);
        std::uint32_t chunk = 0, chunks = 0;
        do {
            if (std::uint32_t(word >> 32) != generation)
                return;
            chunks = std::uint32_t(word >> 16) & 0xffffu;
            chunk = std::uint32_t(word) & 0xffffu;
            if (chunk >= chunks)
                return;
        } while (!m_next.compare_exchange_weak(word, word + 1, std::memory_order_acq_rel, std::memory_order_acquire));
        try {
            (*m_task)(int(chunk), thread);
        } catch (...) {
            if (!m_failed.exchange(true))
                m_error = std::current_exception();
        }
        if (m_done.fetch_add(1, std::memory_order_acq_rel) + 1 == int(chunks))
            m_done.notify_all();
    }
}

void ThreadPool::run(int chunks, const std::function<void(int, int)> &task)
{
    FlushDenormals flush;
    if (chunks <= 0)
        return;
    if (m_threads == 1 || chunks == 1 || m_soloLoops > 0) {
        if (m_soloLoops > 0)
            --m_soloLoops;
        for (int c = 0; c < chunks; ++c)
            task(c, 0);
        return;
    }
    using Clock = std::chrono::steady_clock;
    const auto start = Clock::now();
    const std::uint32_t generation = ++m_runs;
    m_task = &task;
    m_failed.store(false);
    m_done.store(0, std::memory_order_relaxed);
    m_next.store((std::uint64_t(generation) << 32) | (std::uint64_t(chunks & 0xffff) << 16), std::memory_order_release);
    m_wake.store(generation, std::memory_order_release);
    m_wake.notify_all();
    work(generation, 0);
    const auto ownDone = Clock::now();
    int spins = 0;
    for (int done = m_done.load(std::memory_order_acquire); done != chunks;
         done = m_done.load(std::memory_order_acquire)) {
        if (++spins < kSpins)
            MLDESK_PAUSE();
        else
            m_done.wait(done, std::memory_order_acquire);
    }
    m_task = nullptr;
    const auto end = Clock::now();
    const double waited = std::chrono::duration<double>(end - ownDone).count();
    const double total = std::chrono::duration<double>(end - start).count();
    m_lagStrikes = (waited > kLagSeconds && waited > 0.5 * total) ? m_lagStrikes + 1 : 0;
    if (m_lagStrikes >= kLagStrikes) {
        m_lagStrikes = 0;
        m_soloLoops = kSoloLoops;
    }
    if (m_failed.load())
        std::rethrow_exception(m_error);
}

void ThreadPool::worker(int index)
{
    FlushDenormals flush;
    std::uint32_t seen = 0;
    for (;;) {
        int spins = 0;
        std::uint32_t g = m_wake.load(std::memory_order_acquire);
        while (g == seen) {
            if (++spins < kSpins)
                MLDESK_PAUSE();
            else
                m_wake.wait(g, std::memory_order_acquire);
            g = m_wake.load(std::memory_order_acquire);
        }
        seen = g;
        if (m_stop.load())
            return;
        work(g, index);
    }
}

} // namespace mldesk::gpu::cpu
