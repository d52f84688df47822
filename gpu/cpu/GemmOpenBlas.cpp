// GEMM through OpenBLAS's cblas_sgemm, one thread per call (the backend partitions work over its own threads).
#include "Gemm.h"

#include <cblas.h>

namespace mldesk::gpu::cpu {

void sgemm(bool transA, bool transB, int m, int n, int k, float alpha, const float *a, int lda, const float *b, int ldb,
           float beta, float *c, int ldc)
{
    if (m <= 0 || n <= 0)
        return;
    cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans, m, n, k, alpha,
                a, lda, b, ldb, beta, c, ldc);
}

void gemmInitSingleThreaded()
{
    openblas_set_num_threads(1);
}

std::string gemmName()
{
    std::string config = openblas_get_config();
    const std::string core = openblas_get_corename();
    if (const auto space = config.find(' '); space != std::string::npos)
        config = config.substr(0, config.find(' ', space + 1)); // "OpenBLAS 0.3.21"
    return config + " (" + core + ")";
}

} // namespace mldesk::gpu::cpu
