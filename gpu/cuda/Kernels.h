// The small CUDA kernels of the CUDA backend, behind host launch functions (all asynchronous on `stream`).
// Matrices are row-major as Keras stores them: an activation (n, width) has element (r, c) at r * width + c.
// Every launch uses an explicit, bounds-safe configuration (grid-stride loops) and checks its launch error.
#pragma once

#include "mldesk/gpu/Backend.h"

#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>

namespace mldesk::gpu::cuda {

// xb (n, f) = x[order[start + r], :] for r < n; yb (n) = labels[order[start + r]]. When `counter` is not null,
// one thread increments *counter: it numbers the training steps (Adam's bias correction, dropout masks).
void launchGather(const float *x, const std::int32_t *labels, const std::uint32_t *order, std::size_t start, int n,
                  int f, float *xb, std::int32_t *yb, unsigned long long *counter, cudaStream_t stream);

// z (n, width) += bias (width) when bias is not null, then z = act(z) in place. act must not be Softmax.
void launchBiasActivation(float *z, const float *bias, int n, int width, Activation act, cudaStream_t stream);

// z (n, width) = softmax(z) row by row, in place.
void launchSoftmaxRows(float *z, int n, int width, cudaStream_t stream);

// Training dropout, inverted scaling: out = keep ? a / (1 - rate) : 0, keep drawn from (seed, *counter, layer, i).
void launchDropoutForward(const float *a, float *out, std::size_t count, float rate, std::uint64_t seed,
                          const unsigned long long *counter, int layer, cudaStream_t stream);

// Gradient through an activation (and the dropout that followed it, when rate > 0):
// dz (n, width) = act'(y) * (dropout mask * scale) * da, where y = act(z) is the activation's output before dropout.
// For Softmax (a hidden softmax layer) the row Jacobian is applied: dz_i = y_i (g_i - sum_j g_j y_j).
void launchActivationBackward(const float *da, const float *y, float *dz, int n, int width, Activation act,
                              float dropoutRate, std::uint64_t seed, const unsigned long long *counter, int layer,
                              cudaStream_t stream);

// Training loss head, one block (fixed-order reductions: bit-reproducible). z (n, classes) logits, labels (n).
// dz (n, classes) = (softmax(z) - onehot(label)) / n on every row; *loss = mean_r (logsumexp(z_r) - z[r, label]),
// from the logits as tf.keras 2.13 (no clip); *correct (when not null) = rows whose first argmax is the label.
void launchSoftmaxXentGrad(const float *z, const std::int32_t *labels, int n, int classes, float *dz, float *loss,
                           std::int32_t *correct, cudaStream_t stream);

// Inference head over many rows: probs (n, classes) = softmax(z) (may alias z), rowLoss (n) cross-entropy from z,
// rowCorrect (n) 1 when the first argmax equals the label. labels may be null (then rowLoss/rowCorrect untouched).
void launchSoftmaxEval(const float *z, const std::int32_t *labels, int n, int classes, float *probs, float *rowLoss,
                       std::int32_t *rowCorrect, cudaStream_t stream);

// Optimizer state and the hyperparameters of one update.
struct UpdateParams {
    OptimizerKind kind = OptimizerKind::RMSprop;
    float lr = 0.001f, rho = 0.9f, beta1 = 0.9f, beta2 = 0.999f, epsilon = 1e-7f, momentum = 0.0f;
    bool nesterov = false;
};

// One optimizer step of one Dense layer, fused: the kernel (nW values) with its gradient dW, and the bias (nB values,
// may be 0) whose gradient is computed here as the column sums of dz (batch, nB) in a fixed order.
// s1/s2 (and bs1/bs2 for the bias) are the optimizer slots: RMSprop v; Adam m, v; SGD velocity (momentum > 0).
// Adam reads the step number t = *counter (>= 1).
void launchOptimizerUpdate(const UpdateParams &p, float *w, const float *dW, float *s1, float *s2, std::size_t nW,
                           float *b, const float *dz, int batch, float *bs1, float *bs2, int nB,
                           const unsigned long long *counter, cudaStream_t stream);

} // namespace mldesk::gpu::cuda
