// The three GEMMs of a Dense layer on cuBLAS, and a cuBLASLt forward with the bias(+ReLU) epilogue fused.
// Keras stores a kernel W (in, out) row-major; cuBLAS is column-major, so the same memory is a column-major
// (out, in) matrix with ld = out. Likewise an activation X (n, in) row-major is column-major (in, n), ld = in.
#pragma once

#include "CudaResources.h"

#include <memory>

namespace mldesk::gpu::cuda {

// Z (n, out) = X (n, in) x W (in, out)      [column-major: Z^T (out, n) = W^T (out, in) * X^T (in, n)]
void gemmForward(cublasHandle_t h, const float *x, const float *w, float *z, int n, int in, int out);
// dW (in, out) = X^T (in, n) x dZ (n, out)  [column-major: dW^T (out, in) = dZ^T (out, n) * (X^T (in, n))^T]
void gemmWeightGrad(cublasHandle_t h, const float *x, const float *dz, float *dw, int n, int in, int out);
// dX (n, in) = dZ (n, out) x W^T (out, in)  [column-major: dX^T (in, n) = (W^T (out, in))^T * dZ^T (out, n)]
void gemmInputGrad(cublasHandle_t h, const float *dz, const float *w, float *dx, int n, int in, int out);

// A cuBLASLt plan for Z (n, out) = act(X (n, in) x W (in, out) + bias) with act = ReLU or linear, fixed algorithm
// chosen once by the heuristic (a fixed algorithm + fixed workspace keeps results bit-reproducible).
class LtDenseForward {
public:
    // Returns null when cuBLASLt offers no algorithm for this shape/epilogue (the caller falls back to gemmForward).
    static std::unique_ptr<LtDenseForward> create(cublasLtHandle_t lt, int n, int in, int out, const float *bias,
                                                  bool relu, std::size_t workspaceBytes);
    ~LtDenseForward();
    LtDenseForward(const LtDenseForward &) = delete;
    LtDenseForward &operator=(const LtDenseForward &) = delete;

    // x (n, in), w (in, out), z (n, out); workspace of at least the size given to create().
    void run(cublasLtHandle_t lt, const float *x, const float *w, float *z, void *workspace, std::size_t workspaceBytes,
             cudaStream_t stream) const;

private:
    LtDenseForward() = default;
    cublasLtMatmulDesc_t m_desc = nullptr;
    cublasLtMatrixLayout_t m_a = nullptr, m_b = nullptr, m_c = nullptr;
    cublasLtMatmulAlgo_t m_algo{};
};

} // namespace mldesk::gpu::cuda
