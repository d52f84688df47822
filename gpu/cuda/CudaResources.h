// RAII owners of CUDA streams, events, CUDA graphs and cuBLAS/cuBLASLt handles (move-free: held by value or in
// std::unique_ptr). Destructors ignore errors: they run at teardown, possibly after a failure.
#pragma once

#include "CudaCheck.h"
#include "DeviceBuffer.h"

#include <cstddef>

namespace mldesk::gpu::cuda {

class Stream {
public:
    Stream() { MLDESK_CUDA_CHECK(cudaStreamCreateWithFlags(&m_stream, cudaStreamNonBlocking)); }
    ~Stream() { (void)cudaStreamDestroy(m_stream); }
    Stream(const Stream &) = delete;
    Stream &operator=(const Stream &) = delete;
    cudaStream_t get() const { return m_stream; }
    void synchronize() const { MLDESK_CUDA_CHECK(cudaStreamSynchronize(m_stream)); }

private:
    cudaStream_t m_stream = nullptr;
};

// An ordering event (timing disabled, cheaper).
class Event {
public:
    Event() { MLDESK_CUDA_CHECK(cudaEventCreateWithFlags(&m_event, cudaEventDisableTiming)); }
    ~Event() { (void)cudaEventDestroy(m_event); }
    Event(const Event &) = delete;
    Event &operator=(const Event &) = delete;
    cudaEvent_t get() const { return m_event; }

private:
    cudaEvent_t m_event = nullptr;
};

class GraphExec {
public:
    GraphExec() = default;
    ~GraphExec() { reset(); }
    GraphExec(const GraphExec &) = delete;
    GraphExec &operator=(const GraphExec &) = delete;
    // Instantiates `graph` (which the caller still owns and destroys).
    void instantiate(cudaGraph_t graph)
    {
        reset();
        MLDESK_CUDA_CHECK(cudaGraphInstantiate(&m_exec, graph, 0));
    }
    void reset()
    {
        if (m_exec)
            (void)cudaGraphExecDestroy(m_exec);
        m_exec = nullptr;
    }
    void launch(cudaStream_t stream) const { MLDESK_CUDA_CHECK(cudaGraphLaunch(m_exec, stream)); }
    explicit operator bool() const { return m_exec != nullptr; }

private:
    cudaGraphExec_t m_exec = nullptr;
};

// A cuBLAS handle bound to one stream with its own workspace: needed for graph capture and for bit-reproducible
// results when several streams run GEMMs at once. FP32 math (no TF32), atomics off.
class CublasHandle {
public:
    explicit CublasHandle(cudaStream_t stream, std::size_t workspaceBytes = std::size_t(16) << 20)
        : m_workspace(workspaceBytes)
    {
        MLDESK_CUBLAS_CHECK(cublasCreate(&m_handle));
        MLDESK_CUBLAS_CHECK(cublasSetStream(m_handle, stream));
        MLDESK_CUBLAS_CHECK(cublasSetWorkspace(m_handle, m_workspace.get(), m_workspace.size()));
        MLDESK_CUBLAS_CHECK(cublasSetMathMode(m_handle, CUBLAS_DEFAULT_MATH));
        MLDESK_CUBLAS_CHECK(cublasSetAtomicsMode(m_handle, CUBLAS_ATOMICS_NOT_ALLOWED));
        MLDESK_CUBLAS_CHECK(cublasSetPointerMode(m_handle, CUBLAS_POINTER_MODE_HOST));
    }
    ~CublasHandle() { (void)cublasDestroy(m_handle); }
    CublasHandle(const CublasHandle &) = delete;
    CublasHandle &operator=(const CublasHandle &) = delete;
    cublasHandle_t get() const { return m_handle; }

private:
    DeviceBuffer<unsigned char> m_workspace;
    cublasHandle_t m_handle = nullptr;
};

class LtHandle {
public:
    LtHandle() { MLDESK_CUBLAS_CHECK(cublasLtCreate(&m_handle)); }
    ~LtHandle() { (void)cublasLtDestroy(m_handle); }
    LtHandle(const LtHandle &) = delete;
    LtHandle &operator=(const LtHandle &) = delete;
    cublasLtHandle_t get() const { return m_handle; }

private:
    cublasLtHandle_t m_handle = nullptr;
};

} // namespace mldesk::gpu::cuda
