// cuBLAS / cuBLASLt GEMMs of the Dense layer (see Gemm.h for the row-major <-> column-major mapping).
#include "Gemm.h"

namespace mldesk::gpu::cuda {

void gemmForward(cublasHandle_t h, const float *x, const float *w, float *z, int n, int in, int out)
{
    const float one = 1.0f, zero = 0.0f;
    // C (m = out, n) = A (out, k = in) * B (in, n); A = W col-major ld out; B = X col-major ld in; C ld out.
    MLDESK_CUBLAS_CHECK(cublasSgemm(h, CUBLAS_OP_N, CUBLAS_OP_N, out, n, in, &one, w, out, x, in, &zero, z, out));
}

void gemmWeightGrad(cublasHandle_t h, const float *x, const float *dz, float *dw, int n, int in, int out)
{
    const float one = 1.0f, zero = 0.0f;
    // C (m = out, in) = A (out, k = n) * B^T; A = dZ col-major (out, n) ld out; B = X col-major (in, n) ld in.
    MLDESK_CUBLAS_CHECK(cublasSgemm(h, CUBLAS_OP_N, CUBLAS_OP_T, out, in, n, &one, dz, out, x, in, &zero, dw, out));
}

void gemmInputGrad(cublasHandle_t h, const float *dz, const float *w, float *dx, int n, int in, int out)
{
    const float one = 1.0f, zero = 0.0f;
    // C (m = in, n) = A^T * B; A = W col-major (out, in) ld out, so A^T is (in, k = out); B = dZ (out, n) ld out.
    MLDESK_CUBLAS_CHECK(cublasSgemm(h, CUBLAS_OP_T, CUBLAS_OP_N, in, n, out, &one, w, out, dz, out, &zero, dx, in));
}

namespace {
// Owns a preference object for the duration of the heuristic query.
struct LtPreference {
    cublasLtMatmulPreference_t p = nullptr;
    LtPreference() { MLDESK_CUBLAS_CHECK(cublasLtMatmulPreferenceCreate(&p)); }
    ~LtPreference() { (void)cublasLtMatmulPreferenceDestroy(p); }
    LtPreference(const LtPreference &) = delete;
    LtPreference &operator=(const LtPreference &) = delete;
};
} // namespace

std::unique_ptr<LtDenseForward> LtDenseForward::create(cublasLtHandle_t lt, int n, int in, int out, const float *bias,
                                                       bool relu, std::size_t workspaceBytes)
{
    std::unique_ptr<LtDenseForward> plan(new LtDenseForward());
    MLDESK_CUBLAS_CHECK(cublasLtMatmulDescCreate(&plan->m_desc, CUBLAS_COMPUTE_32F, CUDA_R_32F));
    const cublasOperation_t opN = CUBLAS_OP_N;
    MLDESK_CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(plan->m_desc, CUBLASLT_MATMUL_DESC_TRANSA, &opN, sizeof(opN)));
    MLDESK_CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(plan->m_desc, CUBLASLT_MATMUL_DESC_TRANSB, &opN, sizeof(opN)));
    cublasLtEpilogue_t epilogue = CUBLASLT_EPILOGUE_DEFAULT;
    if (bias)
        epilogue = relu ? CUBLASLT_EPILOGUE_RELU_BIAS : CUBLASLT_EPILOGUE_BIAS;
    else if (relu)
        epilogue = CUBLASLT_EPILOGUE_RELU;
    MLDESK_CUBLAS_CHECK(
        cublasLtMatmulDescSetAttribute(plan->m_desc, CUBLASLT_MATMUL_DESC_EPILOGUE, &epilogue, sizeof(epilogue)));
    if (bias) {
        // The bias is a vector over the rows of D (column-major (out, n)): one value per output unit, as Keras has.
        MLDESK_CUBLAS_CHECK(
            cublasLtMatmulDescSetAttribute(plan->m_desc, CUBLASLT_MATMUL_DESC_BIAS_POINTER, &bias, sizeof(bias)));
    }
    // A = W column-major (out, in) ld out; B = X column-major (in, n) ld in; C = D = Z column-major (out, n) ld out.
    MLDESK_CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&plan->m_a, CUDA_R_32F, out, in, out));
    MLDESK_CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&plan->m_b, CUDA_R_32F, in, n, in));
    MLDESK_CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&plan->m_c, CUDA_R_32F, out, n, out));

    LtPreference pref;
    MLDESK_CUBLAS_CHECK(cublasLtMatmulPreferenceSetAttribute(pref.p, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES,
                                                             &workspaceBytes, sizeof(workspaceBytes)));
    cublasLtMatmulHeuristicResult_t result{};
    int returned = 0;
    const cublasStatus_t st = cublasLtMatmulAlgoGetHeuristic(lt, plan->m_desc, plan->m_a, plan->m_b, plan->m_c,
                                                             plan->m_c, pref.p, 1, &result, &returned);
    // Any refusal (not supported, or a status this cuBLASLt version gives for an epilogue it lacks) means
    // "use the cublasSgemm path", never a failed training run.
    if (st != CUBLAS_STATUS_SUCCESS || returned == 0)
        return nullptr;
    if (result.state != CUBLAS_STATUS_SUCCESS || result.workspaceSize > workspaceBytes)
        return nullptr;
    plan->m_algo = result.algo;
    return plan;
}

LtDenseForward::~LtDenseForward()
{
    if (m_c)
        (void)cublasLtMatrixLayoutDestroy(m_c);
    if (m_b)
        (void)cublasLtMatrixLayoutDestroy(m_b);
    if (m_a)
        (void)cublasLtMatrixLayoutDestroy(m_a);
    if (m_desc)
        (void)cublasLtMatmulDescDestroy(m_desc);
}

void LtDenseForward::run(cublasLtHandle_t lt, const float *x, const float *w, float *z, void *workspace,
                         std::size_t workspaceBytes, cudaStream_t stream) const
{
    const float one = 1.0f, zero = 0.0f;
    MLDESK_CUBLAS_CHECK(cublasLtMatmul(lt, m_desc, &one, w, m_a, x, m_b, &zero, z, m_c, z, m_c, &m_algo, workspace,
                                       workspaceBytes, stream));
}

} // namespace mldesk::gpu::cuda
