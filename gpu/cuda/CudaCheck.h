// Checked CUDA / cuBLAS / cuBLASLt calls: every failure throws std::runtime_error naming the call, file:line and
// the library's error string. Included only by .cu files of the CUDA backend (no CUDA types in public headers).
#pragma once

#include <cublasLt.h>
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <sstream>
#include <stdexcept>
#include <string>

namespace mldesk::gpu::cuda {

[[noreturn]] inline void throwCudaError(const char *what, const char *file, int line, const std::string &detail)
{
    std::ostringstream os;
    os << file << ':' << line << ": " << what << " failed: " << detail;
    throw std::runtime_error(os.str());
}

inline void checkCuda(cudaError_t err, const char *what, const char *file, int line)
{
    if (err != cudaSuccess)
        throwCudaError(what, file, line, std::string(cudaGetErrorName(err)) + " (" + cudaGetErrorString(err) + ")");
}

inline void checkCublas(cublasStatus_t st, const char *what, const char *file, int line)
{
    if (st != CUBLAS_STATUS_SUCCESS)
        throwCudaError(what, file, line, std::string(cublasGetStatusName(st)) + " (" + cublasGetStatusString(st) + ")");
}

} // namespace mldesk::gpu::cuda

#define MLDESK_CUDA_CHECK(call) ::mldesk::gpu::cuda::checkCuda((call), #call, __FILE__, __LINE__)
#define MLDESK_CUBLAS_CHECK(call) ::mldesk::gpu::cuda::checkCublas((call), #call, __FILE__, __LINE__)
// A kernel launch: checks the launch configuration error right away (execution errors surface at the next sync).
#define MLDESK_CUDA_CHECK_LAUNCH()                                                                                     \
    ::mldesk::gpu::cuda::checkCuda(cudaGetLastError(), "kernel launch", __FILE__, __LINE__)
