// Batcher: one worker thread, a bounded queue; see the header.
#include "Batcher.h"

#include "ScoreModel.h"

#include <algorithm>
#include <cstring>
#include <exception>

namespace mldesk::serve {

namespace {
constexpr std::size_t kInlineRows = 16;
}

Batcher::Batcher(ScoreModel &model, Options options, BatchObserver observer)
    : m_model(model), m_options(options), m_observer(std::move(observer)), m_thread([this] { run(); })
{
}

Batcher::~Batcher()
{
    {
        std::lock_guard lock(m_mutex);
        m_stop = true;
    }
    m_wake.notify_all();
    m_thread.join();
}

bool Batcher::submit(std::vector<float> x, std::size_t rows, Done done)
{
    // Small requests on the CPU run at once on the calling (I/O) thread, every I/O thread in parallel: no hand-off,
    // no lock, nothing to wait for.
    if (rows <= kInlineRows && m_model.concurrentFor(rows)) {
        std::vector<float> out(rows * std::size_t(m_model.outputs()));
        m_model.predict(x.data(), rows, out.data());
        if (m_observer)
            m_observer(rows);
        done(std::move(out), std::string());
        return true;
    }
    {
        std::unique_lock lock(m_mutex);
        // Only small requests: for them the two hand-offs cost more than the pass; a big one keeps the I/O thread
        // free for parsing while the worker computes.
        if (m_queue.empty() && rows <= kInlineRows) {
            std::unique_lock model(m_modelMutex, std::try_to_lock);
            if (model.owns_lock()) {
                lock.unlock();
                std::vector<float> out(rows * std::size_t(m_model.outputs()));
                std::string error;
                try {
                    m_model.predict(x.data(), rows, out.data());
                } catch (const std::exception &e) {
                    error = std::string("the forward pass failed: ") + e.what();
                    out.clear();
                }
                model.unlock();
                if (m_observer)
                    m_observer(rows);
                done(std::move(out), error);
                return true;
            }
        }
        // A request bigger than the whole bound still runs when nothing else waits, so it can never be refused forever.
        if (m_queuedRows > 0 && m_queuedRows + rows > m_options.maxQueuedRows)
            return false;
        m_queue.push_back({std::move(x), rows, std::move(done)});
        m_queuedRows += rows;
    }
    m_wake.notify_one();
    return true;
}

std::size_t Batcher::queuedRows() const
{
    std::lock_guard lock(m_mutex);
    return m_queuedRows;
}

void Batcher::run()
{
    const std::size_t in = std::size_t(m_model.inputs());
    const std::size_t out = std::size_t(m_model.outputs());
    std::vector<float> input;
    std::vector<float> output;
    std::vector<Job> batch;
    for (;;) {
        batch.clear();
        std::size_t rows = 0;
        {
            std::unique_lock lock(m_mutex);
            m_wake.wait(lock, [this] { return m_stop || !m_queue.empty(); });
            if (m_stop && m_queue.empty())
                return;
            auto take = [&] {
                while (!m_queue.empty() && (batch.empty() || rows + m_queue.front().rows <= m_options.maxBatchRows)) {
                    rows += m_queue.front().rows;
                    m_queuedRows -= m_queue.front().rows;
                    batch.push_back(std::move(m_queue.front()));
                    m_queue.pop_front();
                }
            };
            take();
            if (m_options.maxWait.count() > 0 && rows < m_options.maxBatchRows) {
                const auto deadline = std::chrono::steady_clock::now() + m_options.maxWait;
                while (rows < m_options.maxBatchRows && !m_stop &&
                       m_wake.wait_until(lock, deadline, [this] { return m_stop || !m_queue.empty(); })) {
                    const std::size_t before = rows;
                    take();
                    if (rows == before)
                        break; // the next job does not fit: run what we have
                }
            }
        }
        std::string error;
        output.resize(rows * out);
        try {
            const float *x = batch.front().x.data();
            if (batch.size() > 1) {
                input.resize(rows * in);
                std::size_t at = 0;
                for (const Job &j : batch) {
                    std::memcpy(input.data() + at * in, j.x.data(), j.rows * in * sizeof(float));
                    at += j.rows;
                }
                x = input.data();
            }
            std::lock_guard model(m_modelMutex);
            m_model.predict(x, rows, output.data());
        } catch (const std::exception &e) {
            error = std::string("the forward pass failed: ") + e.what();
        }
        if (m_observer)
            m_observer(rows);
        std::size_t at = 0;
        for (Job &j : batch) {
            std::vector<float> mine;
            if (error.empty())
                mine.assign(output.begin() + std::ptrdiff_t(at * out),
                            output.begin() + std::ptrdiff_t((at + j.rows) * out));
            at += j.rows;
            j.done(std::move(mine), error);
        }
    }
}

} // namespace mldesk::serve
