// A portable cache-blocked GEMM for builds without OpenBLAS (e.g. GPU machines, where the CPU backend is only the
// reference the CUDA tests compare against). The inner loop runs along contiguous rows so the compiler vectorises it.
#include "Gemm.h"

#include <algorithm>
#include <vector>

namespace mldesk::gpu::cpu {

namespace {
constexpr int kBlockK = 256;
constexpr int kBlockN = 512;
} // namespace

void sgemm(bool transA, bool transB, int m, int n, int k, float alpha, const float *a, int lda, const float *b, int ldb,
           float beta, float *c, int ldc)
{
    if (m <= 0 || n <= 0)
        return;
    for (int i = 0; i < m; ++i) {
        float *row = c + std::size_t(i) * ldc;
        if (beta == 0.0f)
            std::fill(row, row + n, 0.0f);
        else if (beta != 1.0f)
            for (int j = 0; j < n; ++j)
                row[j] *= beta;
    }
    if (k <= 0 || alpha == 0.0f)
        return;
    thread_local std::vector<float> packed; // a (kBlockK, kBlockN) block of op(B), row-major
    packed.resize(std::size_t(kBlockK) * kBlockN);
    for (int j0 = 0; j0 < n; j0 += kBlockN) {
        const int nb = std::min(kBlockN, n - j0);
        for (int p0 = 0; p0 < k; p0 += kBlockK) {
            const int kb = std::min(kBlockK, k - p0);
            for (int p = 0; p < kb; ++p) {
                float *dst = packed.data() + std::size_t(p) * nb;
                if (!transB) {
                    const float *src = b + std::size_t(p0 + p) * ldb + j0;
                    std::copy(src, src + nb, dst);
                } else {
                    for (int j = 0; j < nb; ++j)
                        dst[j] = b[std::size_t(j0 + j) * ldb + (p0 + p)];
                }
            }
            for (int i = 0; i < m; ++i) {
                float *__restrict crow = c + std::size_t(i) * ldc + j0;
                for (int p = 0; p < kb; ++p) {
                    const float av =
                        alpha * (transA ? a[std::size_t(p0 + p) * lda + i] : a[std::size_t(i) * lda + p0 + p]);
                    if (av == 0.0f)
                        continue; // sparse inputs (MNIST pixels) skip whole rows
                    const float *__restrict brow = packed.data() + std::size_t(p) * nb;
                    for (int j = 0; j < nb; ++j)
                        crow[j] += av * brow[j];
                }
            }
        }
    }
}

void gemmInitSingleThreaded() {}

std::string gemmName()
{
    return "portable GEMM (no OpenBLAS)";
}

} // namespace mldesk::gpu::cpu
