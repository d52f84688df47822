// Elementwise CPU kernels. The optimizer updates and activations are compiled for AVX-512, AVX2 and baseline x86-64
// (GCC function multiversioning picks one at load time), since the build itself targets baseline x86-64.
#include "CpuKernels.h"

#include <algorithm>
#include <cmath>

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define MLDESK_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define MLDESK_CLONES
#endif

namespace mldesk::gpu::cpu {

MLDESK_CLONES void biasActivation(float *h, int rows, int cols, int ld, const float *bias, Activation act)
{
    for (int r = 0; r < rows; ++r) {
        float *__restrict row = h + std::size_t(r) * ld;
        if (bias)
            for (int c = 0; c < cols; ++c)
                row[c] += bias[c];
        switch (act) {
        case Activation::Relu:
            for (int c = 0; c < cols; ++c)
                row[c] = row[c] > 0.0f ? row[c] : 0.0f;
            break;
        case Activation::Sigmoid:
            for (int c = 0; c < cols; ++c)
                row[c] = 1.0f / (1.0f + std::exp(-row[c]));
            break;
        case Activation::Tanh:
            for (int c = 0; c < cols; ++c)
                row[c] = std::tanh(row[c]);
            break;
        case Activation::Linear:
        case Activation::Softmax:
            break;
        }
    }
}

MLDESK_CLONES void activationBackward(float *d, const float *h, int rows, int cols, int ld, Activation act)
{
    for (int r = 0; r < rows; ++r) {
        float *__restrict dr = d + std::size_t(r) * ld;
        const float *__restrict hr = h + std::size_t(r) * ld;
        switch (act) {
        case Activation::Relu:
            for (int c = 0; c < cols; ++c)
                dr[c] = hr[c] > 0.0f ? dr[c] : 0.0f;
            break;
        case Activation::Sigmoid:
            for (int c = 0; c < cols; ++c)
                dr[c] *= hr[c] * (1.0f - hr[c]);
            break;
        case Activation::Tanh:
            for (int c = 0; c < cols; ++c)
                dr[c] *= 1.0f - hr[c] * hr[c];
            break;
        case Activation::Softmax: {
            // A hidden softmax: the row Jacobian diag(h) - h h^T applied to d gives h * (d - <d, h>).
            float dot = 0.0f;
            for (int c = 0; c < cols; ++c)
                dot += dr[c] * hr[c];
            for (int c = 0; c < cols; ++c)
                dr[c] = hr[c] * (dr[c] - dot);
            break;
        }
        case Activation::Linear:
            break;
        }
    }
}

void softmaxRows(float *z, int rows, int cols, const float *bias)
{
    for (int r = 0; r < rows; ++r) {
        float *row = z + std::size_t(r) * cols;
        if (bias)
            for (int c = 0; c < cols; ++c)
                row[c] += bias[c];
        const float top = *std::max_element(row, row + cols);
        float sum = 0.0f;
        for (int c = 0; c < cols; ++c) {
            row[c] = std::exp(row[c] - top);
            sum += row[c];
        }
        const float inv = 1.0f / sum;
        for (int c = 0; c < cols; ++c)
            row[c] *= inv;
    }
}

int softmaxCrossEntropy(float *z, const float *bias, const int *labels, int rows, int cols, float *loss, float *dz,
                        float scale)
{
    int correct = 0;
    for (int r = 0; r < rows; ++r) {
        float *row = z + std::size_t(r) * cols;
        const int label = labels[r];
        if (bias)
            for (int c = 0; c < cols; ++c)
                row[c] += bias[c];
        const float top = *std::max_element(row, row + cols);
        const float shiftedLabel = row[label] - top;
        float sum = 0.0f;
        for (int c = 0; c < cols; ++c) {
            row[c] = std::exp(row[c] - top);
            sum += row[c];
        }
        // -log softmax(z)[label] = log(sum exp(z - top)) - (z[label] - top): finite however small p[label] is
        loss[r] = std::log(sum) - shiftedLabel;
        const float inv = 1.0f / sum;
        for (int c = 0; c < cols; ++c)
            row[c] *= inv;
        correct += int(std::max_element(row, row + cols) - row) == label;
        if (!dz)
            continue;
        float *drow = dz + std::size_t(r) * cols;
        for (int c = 0; c < cols; ++c)
            drow[c] = (row[c] - (c == label ? 1.0f : 0.0f)) * scale;
    }
    return correct;
}

// Keras 3's RMSprop (keras/src/optimizers/rmsprop.py) and tf.keras 2.x (ResourceApplyRMSProp) both divide by
// sqrt(v + epsilon), not sqrt(v) + epsilon: for rarely active inputs (v tiny) the two differ by up to 10x per step.
MLDESK_CLONES void rmspropUpdate(float *__restrict w, const float *__restrict g, float *__restrict v, std::size_t n,
                                 float lr, float rho, float eps)
{
    const float oneMinusRho = 1.0f - rho;
    for (std::size_t i = 0; i < n; ++i) {
        const float gi = g[i];
        const float vi = rho * v[i] + oneMinusRho * (gi * gi);
        v[i] = vi;
        w[i] -= (lr * gi) / std::sqrt(vi + eps);
    }
}

MLDESK_CLONES void adamUpdate(float *__restrict w, const float *__restrict g, float *__restrict m, float *__restrict v,
                              std::size_t n, float alpha, float beta1, float beta2, float eps)
{
    const float oneMinusB1 = 1.0f - beta1, oneMinusB2 = 1.0f - beta2;
    for (std::size_t i = 0; i < n; ++i) {
        const float gi = g[i];
        const float mi = m[i] + (gi - m[i]) * oneMinusB1;
        const float vi = v[i] + (gi * gi - v[i]) * oneMinusB2;
        m[i] = mi;
        v[i] = vi;
        w[i] -= (mi * alpha) / (std::sqrt(vi) + eps);
    }
}

MLDESK_CLONES void sgdUpdate(float *__restrict w, const float *__restrict g, float *__restrict m, std::size_t n,
                             float lr, float momentum, bool nesterov)
{
    if (momentum == 0.0f) {
        for (std::size_t i = 0; i < n; ++i)
            w[i] -= g[i] * lr;
        return;
    }
    for (std::size_t i = 0; i < n; ++i) {
        const float mi = m[i] * momentum - g[i] * lr;
        m[i] = mi;
        w[i] += nesterov ? mi * momentum - g[i] * lr : mi;
    }
}

} // namespace mldesk::gpu::cpu
