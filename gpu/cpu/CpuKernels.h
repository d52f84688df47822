// Elementwise kernels of the CPU backend (also the plain references the CUDA kernels are tested against): fused
// bias + activation, activation backward, softmax + categorical cross-entropy, and Keras optimizer updates.
// Matrices are row-major with a leading dimension `ld` so callers can work on column slices.
#pragma once

#include "mldesk/gpu/Backend.h"

#include <cstddef>

namespace mldesk::gpu::cpu {

// h (rows, cols) = act(h + bias) in place; bias may be null. Not for softmax (see softmaxCrossEntropy).
void biasActivation(float *h, int rows, int cols, int ld, const float *bias, Activation act);

// d (rows, cols) *= act'(.) expressed through the activation's output h (relu: h > 0; sigmoid: h(1-h); tanh: 1-h^2).
void activationBackward(float *d, const float *h, int rows, int cols, int ld, Activation act);

// Row-wise softmax of z (rows, cols) in place (z + bias first when bias is given).
void softmaxRows(float *z, int rows, int cols, const float *bias);

// The output layer's softmax and categorical cross-entropy as tf.keras 2.13 computes them for a softmax output layer
// (Keras sees the softmax and takes the loss from its logits: no probability clip): z (rows, cols) + bias (may be
// null) in, the softmax probabilities out in place (bit-identical to softmaxRows), loss[r] = -log softmax(z)[r,
// label] = logsumexp(z[r]) - z[r, label], and, when dz is given, dz[r] = (p[r] - onehot) * scale for every row.
// Returns the number of rows whose argmax equals the label.
int softmaxCrossEntropy(float *z, const float *bias, const int *labels, int rows, int cols, float *loss, float *dz,
                        float scale);

// Keras 3 update rules, over n parameters. RMSprop: v = rho v + (1 - rho) g^2; w -= lr g / sqrt(v + eps).
// Adam: m += (g - m)(1 - b1); v += (g^2 - v)(1 - b2); w -= alpha m / (sqrt(v) + eps). SGD: Keras momentum form.
void rmspropUpdate(float *w, const float *g, float *v, std::size_t n, float lr, float rho, float eps);
void adamUpdate(float *w, const float *g, float *m, float *v, std::size_t n, float alpha, float beta1, float beta2,
                float eps);
void sgdUpdate(float *w, const float *g, float *m, std::size_t n, float lr, float momentum, bool nesterov);

} // namespace mldesk::gpu::cpu
