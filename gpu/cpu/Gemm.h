// Single-precision GEMM for the CPU backend, row-major: C (m, n) = alpha * op(A) (m, k) * op(B) (k, n) + beta * C.
// Two implementations with this one interface: GemmOpenBlas.cpp (cblas_sgemm) and GemmPortable.cpp (a cache-blocked
// loop for builds without OpenBLAS). Callers partition work across their own threads, so each call is
// single-threaded and results are deterministic for a fixed partitioning.
#pragma once

#include <string>

namespace mldesk::gpu::cpu {

void sgemm(bool transA, bool transB, int m, int n, int k, float alpha, const float *a, int lda, const float *b, int ldb,
           float beta, float *c, int ldc);

// Makes the BLAS run each call on the calling thread only (the backend's own threads split the work).
void gemmInitSingleThreaded();

// e.g. "OpenBLAS 0.3.21 (SAPPHIRERAPIDS)" or "portable GEMM".
std::string gemmName();

} // namespace mldesk::gpu::cpu
