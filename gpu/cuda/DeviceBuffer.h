// RAII device memory (cudaMalloc/cudaFree) and pinned host memory, move-only, sized in elements.
// Destructors never throw: a failing cudaFree at teardown is ignored (the context may already be gone).
#pragma once

#include "CudaCheck.h"

#include <cstddef>
#include <utility>
#include <vector>

namespace mldesk::gpu::cuda {

template <typename T> class DeviceBuffer {
public:
    DeviceBuffer() = default;
    explicit DeviceBuffer(std::size_t count) { resize(count); }
    ~DeviceBuffer() { release(); }
    DeviceBuffer(const DeviceBuffer &) = delete;
    DeviceBuffer &operator=(const DeviceBuffer &) = delete;
    DeviceBuffer(DeviceBuffer &&o) noexcept
        : m_ptr(std::exchange(o.m_ptr, nullptr)), m_count(std::exchange(o.m_count, 0))
    {
    }
    DeviceBuffer &operator=(DeviceBuffer &&o) noexcept
    {
        if (this != &o) {
            release();
            m_ptr = std::exchange(o.m_ptr, nullptr);
            m_count = std::exchange(o.m_count, 0);
        }
        return *this;
    }

    // Reallocates to exactly `count` elements (contents are lost); count 0 frees.
    void resize(std::size_t count)
    {
        if (count == m_count)
            return;
        release();
        if (count > 0) {
            void *p = nullptr;
            MLDESK_CUDA_CHECK(cudaMalloc(&p, count * sizeof(T)));
            m_ptr = static_cast<T *>(p);
            m_count = count;
        }
    }
    // Grows (never shrinks) to at least `count` elements.
    void reserve(std::size_t count)
    {
        if (count > m_count)
            resize(count);
    }

    void upload(const T *host, std::size_t count)
    {
        resize(count);
        if (count > 0) {
            MLDESK_CUDA_CHECK(cudaMemcpy(m_ptr, host, count * sizeof(T), cudaMemcpyHostToDevice));
            // A pageable cudaMemcpy may return before its DMA lands, and the backend's non-blocking streams do not
            // wait for the legacy stream: finish it here.
            MLDESK_CUDA_CHECK(cudaStreamSynchronize(nullptr));
        }
    }
    void upload(const std::vector<T> &host) { upload(host.data(), host.size()); }
    // Callers that used non-blocking streams synchronise them first: this copy runs on the legacy stream.
    std::vector<T> download() const
    {
        std::vector<T> host(m_count);
        if (m_count > 0)
            MLDESK_CUDA_CHECK(cudaMemcpy(host.data(), m_ptr, m_count * sizeof(T), cudaMemcpyDeviceToHost));
        return host;
    }
    void zero()
    {
        if (m_count > 0) {
            MLDESK_CUDA_CHECK(cudaMemset(m_ptr, 0, m_count * sizeof(T)));
            MLDESK_CUDA_CHECK(cudaStreamSynchronize(nullptr)); // see upload()
        }
    }

    T *get() const { return m_ptr; }
    std::size_t size() const { return m_count; }
    bool empty() const { return m_count == 0; }

private:
    void release() noexcept
    {
        if (m_ptr)
            (void)cudaFree(m_ptr);
        m_ptr = nullptr;
        m_count = 0;
    }
    T *m_ptr = nullptr;
    std::size_t m_count = 0;
};

// Pinned host memory for asynchronous copies inside an epoch.
template <typename T> class PinnedBuffer {
public:
    PinnedBuffer() = default;
    ~PinnedBuffer() { release(); }
    PinnedBuffer(const PinnedBuffer &) = delete;
    PinnedBuffer &operator=(const PinnedBuffer &) = delete;

    void reserve(std::size_t count)
    {
        if (count <= m_count)
            return;
        release();
        void *p = nullptr;
        MLDESK_CUDA_CHECK(cudaMallocHost(&p, count * sizeof(T)));
        m_ptr = static_cast<T *>(p);
        m_count = count;
    }
    T *get() const { return m_ptr; }
    std::size_t size() const { return m_count; }

private:
    void release() noexcept
    {
        if (m_ptr)
            (void)cudaFreeHost(m_ptr);
        m_ptr = nullptr;
        m_count = 0;
    }
    T *m_ptr = nullptr;
    std::size_t m_count = 0;
};

} // namespace mldesk::gpu::cuda
