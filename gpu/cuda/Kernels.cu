// The small CUDA kernels of the CUDA backend (see Kernels.h). Reductions are fixed-order (warp shuffles in a fixed
// pattern, then a serial sum over warps), never atomics, so a given launch configuration is bit-reproducible.
#include "CudaCheck.h"
#include "Kernels.h"
#include "OptimizerMath.cuh"
#include "mldesk/gpu/Random.h"

#include <algorithm>
#include <cmath>

namespace mldesk::gpu::cuda {
namespace {

constexpr int kThreads = 256;
constexpr int kWarps = kThreads / 32;

unsigned gridFor(std::size_t n)
{
    const std::size_t blocks = (n + kThreads - 1) / kThreads;
    return unsigned(std::clamp<std::size_t>(blocks, 1, 8192)); // grid-stride loops cover the rest
}
unsigned gridForRows(int rows)
{
    return unsigned(std::clamp<long>((long(rows) + kWarps - 1) / kWarps, 1L, 8192L));
}

__device__ inline float warpSum(float v)
{
    for (int o = 16; o > 0; o >>= 1)
        v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}
__device__ inline float warpMax(float v)
{
    for (int o = 16; o > 0; o >>= 1)
        v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}

// First argmax over a row spread across a warp's lanes (lowest index among equal maxima, as numpy's argmax).
__device__ inline void warpArgmax(float &m, int &arg)
{
    for (int o = 16; o > 0; o >>= 1) {
        const float om = __shfl_xor_sync(0xffffffffu, m, o);
        const int oa = __shfl_xor_sync(0xffffffffu, arg, o);
        if (om > m || (om == m && oa < arg)) {
            m = om;
            arg = oa;
        }
    }
}

__device__ inline float activate(float z, int act)
{
    switch (act) {
    case int(Activation::Relu):
        return z > 0.0f ? z : 0.0f;
    case int(Activation::Sigmoid):
        return 1.0f / (1.0f + expf(-z));
    case int(Activation::Tanh):
        return tanhf(z);
    default:
        return z;
    }
}
// Derivative expressed through the activation's output y.
__device__ inline float activationGrad(float y, int act)
{
    switch (act) {
    case int(Activation::Relu):
        return y > 0.0f ? 1.0f : 0.0f;
    case int(Activation::Sigmoid):
        return y * (1.0f - y);
    case int(Activation::Tanh):
        return 1.0f - y * y;
    default:
        return 1.0f;
    }
}

// Counter-based dropout mask shared with the CPU backend (mldesk/gpu/Random.h, constexpr so usable on the device):
// a pure function of (seed, step, layer, element), so backward recomputes it and both backends draw the same masks.
__device__ inline bool dropoutKeep(unsigned long long seed, unsigned long long step, int layer, unsigned long long i,
                                   float rate)
{
    return mldesk::gpu::dropoutKeep(seed, step, std::uint32_t(layer), i, rate);
}

__global__ void gatherKernel(const float *__restrict__ x, const std::int32_t *__restrict__ labels,
                             const std::uint32_t *__restrict__ order, std::size_t start, int n, int f,
                             float *__restrict__ xb, std::int32_t *__restrict__ yb, unsigned long long *counter)
{
    if (counter && blockIdx.x == 0 && threadIdx.x == 0)
        *counter += 1;
    const std::size_t total = std::size_t(n) * std::size_t(f);
    for (std::size_t i = std::size_t(blockIdx.x) * blockDim.x + threadIdx.x; i < total;
         i += std::size_t(gridDim.x) * blockDim.x) {
        const std::size_t r = i / std::size_t(f), c = i % std::size_t(f);
        const std::uint32_t src = order[start + r];
        xb[i] = x[std::size_t(src) * f + c];
        if (c == 0)
            yb[r] = labels[src];
    }
}
// The same with 16-byte accesses; needs f % 4 == 0 (rows then start on 16-byte boundaries of cudaMalloc'd memory).
__global__ void gatherKernel4(const float4 *__restrict__ x, const std::int32_t *__restrict__ labels,
                              const std::uint32_t *__restrict__ order, std::size_t start, int n, int f4,
                              float4 *__restrict__ xb, std::int32_t *__restrict__ yb, unsigned long long *counter)
{
    if (counter && blockIdx.x == 0 && threadIdx.x == 0)
        *counter += 1;
    const std::size_t total = std::size_t(n) * std::size_t(f4);
    for (std::size_t i = std::size_t(blockIdx.x) * blockDim.x + threadIdx.x; i < total;
         i += std::size_t(gridDim.x) * blockDim.x) {
        const std::size_t r = i / std::size_t(f4), c = i % std::size_t(f4);
        const std::uint32_t src = order[start + r];
        xb[i] = x[std::size_t(src) * f4 + c];
        if (c == 0)
            yb[r] = labels[src];
    }
}

__global__ void biasActivationKernel(float *__restrict__ z, const float *__restrict__ bias, int n, int width, int act)
{
    const std::size_t total = std::size_t(n) * std::size_t(width);
    for (std::size_t i = std::size_t(blockIdx.x) * blockDim.x + threadIdx.x; i < total;
         i += std::size_t(gridDim.x) * blockDim.x) {
        float v = z[i];
        if (bias)
            v += bias[i % std::size_t(width)];
        z[i] = activate(v, act);
    }
}

// One warp per row.
__global__ void softmaxRowsKernel(float *__restrict__ z, int n, int width)
{
    const int lane = threadIdx.x & 31;
    for (int r = blockIdx.x * kWarps + (threadIdx.x >> 5); r < n; r += gridDim.x * kWarps) {
        float *row = z + std::size_t(r) * width;
        float m = -INFINITY;
        for (int c = lane; c < width; c += 32)
            m = fmaxf(m, row[c]);
        m = warpMax(m);
        float s = 0.0f;
        for (int c = lane; c < width; c += 32)
            s += expf(row[c] - m);
        s = warpSum(s);
        const float inv = 1.0f / s;
        for (int c = lane; c < width; c += 32)
            row[c] = expf(row[c] - m) * inv;
    }
}

__global__ void dropoutForwardKernel(const float *__restrict__ a, float *__restrict__ out, std::size_t count,
                                     float rate, unsigned long long seed, const unsigned long long *counter, int layer)
{
    const unsigned long long step = *counter;
    const float scale = 1.0f / (1.0f - rate);
    for (std::size_t i = std::size_t(blockIdx.x) * blockDim.x + threadIdx.x; i < count;
         i += std::size_t(gridDim.x) * blockDim.x)
        out[i] = dropoutKeep(seed, step, layer, i, rate) ? a[i] * scale : 0.0f;
}

__global__ void activationBackwardKernel(const float *__restrict__ da, const float *__restrict__ y,
                                         float *__restrict__ dz, std::size_t count, int act, float rate,
                                         unsigned long long seed, const unsigned long long *counter, int layer)
{
    const unsigned long long step = rate > 0.0f ? *counter : 0ull;
    const float scale = rate > 0.0f ? 1.0f / (1.0f - rate) : 1.0f;
    for (std::size_t i = std::size_t(blockIdx.x) * blockDim.x + threadIdx.x; i < count;
         i += std::size_t(gridDim.x) * blockDim.x) {
        float g = da[i];
        if (rate > 0.0f)
            g = dropoutKeep(seed, step, layer, i, rate) ? g * scale : 0.0f;
        dz[i] = g * activationGrad(y[i], act);
    }
}

// Hidden softmax layer backward, one warp per row: dz_i = y_i (g_i - sum_j g_j y_j), g = dropout(da).
__global__ void softmaxBackwardKernel(const float *__restrict__ da, const float *__restrict__ y, float *__restrict__ dz,
                                      int n, int width, float rate, unsigned long long seed,
                                      const unsigned long long *counter, int layer)
{
    const unsigned long long step = rate > 0.0f ? *counter : 0ull;
    const float scale = rate > 0.0f ? 1.0f / (1.0f - rate) : 1.0f;
    const int lane = threadIdx.x & 31;
    for (int r = blockIdx.x * kWarps + (threadIdx.x >> 5); r < n; r += gridDim.x * kWarps) {
        const std::size_t base = std::size_t(r) * width;
        float dot = 0.0f;
        for (int c = lane; c < width; c += 32) {
            float g = da[base + c];
            if (rate > 0.0f)
                g = dropoutKeep(seed, step, layer, base + c, rate) ? g * scale : 0.0f;
            dot += g * y[base + c];
        }
        dot = warpSum(dot);
        for (int c = lane; c < width; c += 32) {
            float g = da[base + c];
            if (rate > 0.0f)
                g = dropoutKeep(seed, step, layer, base + c, rate) ? g * scale : 0.0f;
            dz[base + c] = y[base + c] * (g - dot);
        }
    }
}

// Single block of kThreads threads; warp w handles rows w, w + kWarps, ...; per-warp sums then a serial sum.
__global__ void softmaxXentGradKernel(const float *__restrict__ z, const std::int32_t *__restrict__ labels, int n,
                                      int classes, float *__restrict__ dz, float *__restrict__ loss,
                                      std::int32_t *__restrict__ correct)
{
    __shared__ float warpLoss[kWarps];
    __shared__ int warpCorrect[kWarps];
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    const float invN = 1.0f / float(n);
    float acc = 0.0f;
    int hits = 0;
    for (int r = warp; r < n; r += kWarps) {
        const float *row = z + std::size_t(r) * classes;
        float *drow = dz + std::size_t(r) * classes;
        const int label = labels[r];
        float m = -INFINITY;
        int arg = classes;
        for (int c = lane; c < classes; c += 32)
            if (row[c] > m || (row[c] == m && c < arg)) {
                m = row[c];
                arg = c;
            }
        warpArgmax(m, arg);
        hits += arg == label ? 1 : 0;
        float s = 0.0f;
        for (int c = lane; c < classes; c += 32)
            s += expf(row[c] - m);
        s = warpSum(s);
        const float inv = 1.0f / s;
        // tf.keras's loss for a softmax output, from the logits (no clip): -log p = log(s) - (z[label] - m), and
        // the gradient p - onehot on every row, as the CPU backend (cpu::softmaxCrossEntropy) has it.
        for (int c = lane; c < classes; c += 32) {
            const float p = expf(row[c] - m) * inv;
            drow[c] = (p - (c == label ? 1.0f : 0.0f)) * invN;
        }
        if (lane == 0)
            acc += logf(s) - (row[label] - m);
    }
    if (lane == 0) {
        warpLoss[warp] = acc;
        warpCorrect[warp] = hits;
    }
    __syncthreads();
    if (threadIdx.x == 0) {
        float t = 0.0f;
        int c = 0;
        for (int w = 0; w < kWarps; ++w) {
            t += warpLoss[w];
            c += warpCorrect[w];
        }
        *loss = t * invN;
        if (correct)
            *correct = c;
    }
}

__global__ void softmaxEvalKernel(const float *z, const std::int32_t *__restrict__ labels, int n, int classes,
                                  float *probs, float *__restrict__ rowLoss, std::int32_t *__restrict__ rowCorrect)
{
    const int lane = threadIdx.x & 31;
    for (int r = blockIdx.x * kWarps + (threadIdx.x >> 5); r < n; r += gridDim.x * kWarps) {
        const float *row = z + std::size_t(r) * classes;
        float *prow = probs + std::size_t(r) * classes;
        // first argmax of the logits (softmax is monotonic): lowest index among equal maxima, as numpy does
        float m = -INFINITY;
        int arg = classes;
        for (int c = lane; c < classes; c += 32)
            if (row[c] > m || (row[c] == m && c < arg)) {
                m = row[c];
                arg = c;
            }
        warpArgmax(m, arg);
        float s = 0.0f;
        for (int c = lane; c < classes; c += 32)
            s += expf(row[c] - m);
        s = warpSum(s);
        const float inv = 1.0f / s;
        const int label = labels ? labels[r] : -1;
        // -log softmax from the logits (tf.keras, no clip); read before probs (which may alias z) is written
        const float labelLoss = labels ? logf(s) - (row[label] - m) : 0.0f;
        __syncwarp();
        for (int c = lane; c < classes; c += 32)
            prow[c] =
                expf(row[c] - m) * inv; // probs may alias z: each element is read above before this lane writes it
        if (labels && lane == 0) {
            rowLoss[r] = labelLoss;
            rowCorrect[r] = arg == label ? 1 : 0;
        }
    }
}

__global__ void optimizerUpdateKernel(UpdateParams p, float *__restrict__ w, const float *__restrict__ dW,
                                      float *__restrict__ s1, float *__restrict__ s2, std::size_t nW,
                                      float *__restrict__ b, const float *__restrict__ dz, int batch,
                                      float *__restrict__ bs1, float *__restrict__ bs2, int nB,
                                      const unsigned long long *counter)
{
    const float alpha = p.kind == OptimizerKind::Adam ? adamAlpha(p, *counter) : 0.0f;
    const std::size_t total = nW + std::size_t(nB);
    for (std::size_t i = std::size_t(blockIdx.x) * blockDim.x + threadIdx.x; i < total;
         i += std::size_t(gridDim.x) * blockDim.x) {
        if (i < nW) {
            applyUpdate(p, w + i, s1 ? s1 + i : nullptr, s2 ? s2 + i : nullptr, dW[i], alpha);
        } else {
            const std::size_t j = i - nW;
            float g = 0.0f;
            for (int r = 0; r < batch; ++r) // column sum of dz (batch, nB), fixed order
                g += dz[std::size_t(r) * nB + j];
            applyUpdate(p, b + j, bs1 ? bs1 + j : nullptr, bs2 ? bs2 + j : nullptr, g, alpha);
        }
    }
}

} // namespace

void launchGather(const float *x, const std::int32_t *labels, const std::uint32_t *order, std::size_t start, int n,
                  int f, float *xb, std::int32_t *yb, unsigned long long *counter, cudaStream_t stream)
{
    if (f % 4 == 0) {
        const int f4 = f / 4;
        gatherKernel4<<<gridFor(std::size_t(n) * f4), kThreads, 0, stream>>>(
            reinterpret_cast<const float4 *>(x), labels, order, start, n, f4, reinterpret_cast<float4 *>(xb), yb,
            counter);
    } else {
        gatherKernel<<<gridFor(std::size_t(n) * f), kThreads, 0, stream>>>(x, labels, order, start, n, f, xb, yb,
                                                                           counter);
    }
    MLDESK_CUDA_CHECK_LAUNCH();
}

void launchBiasActivation(float *z, const float *bias, int n, int width, Activation act, cudaStream_t stream)
{
    if (act == Activation::Softmax)
        throw std::logic_error("launchBiasActivation: softmax is a row operation (use launchSoftmaxRows)");
    biasActivationKernel<<<gridFor(std::size_t(n) * width), kThreads, 0, stream>>>(z, bias, n, width, int(act));
    MLDESK_CUDA_CHECK_LAUNCH();
}

void launchSoftmaxRows(float *z, int n, int width, cudaStream_t stream)
{
    softmaxRowsKernel<<<gridForRows(n), kThreads, 0, stream>>>(z, n, width);
    MLDESK_CUDA_CHECK_LAUNCH();
}

void launchDropoutForward(const float *a, float *out, std::size_t count, float rate, std::uint64_t seed,
                          const unsigned long long *counter, int layer, cudaStream_t stream)
{
    dropoutForwardKernel<<<gridFor(count), kThreads, 0, stream>>>(a, out, count, rate, seed, counter, layer);
    MLDESK_CUDA_CHECK_LAUNCH();
}

void launchActivationBackward(const float *da, const float *y, float *dz, int n, int width, Activation act,
                              float dropoutRate, std::uint64_t seed, const unsigned long long *counter, int layer,
                              cudaStream_t stream)
{
    if (act == Activation::Softmax) {
        softmaxBackwardKernel<<<gridForRows(n), kThreads, 0, stream>>>(da, y, dz, n, width, dropoutRate, seed, counter,
                                                                       layer);
    } else {
        const std::size_t count = std::size_t(n) * width;
        activationBackwardKernel<<<gridFor(count), kThreads, 0, stream>>>(da, y, dz, count, int(act), dropoutRate, seed,
                                                                          counter, layer);
    }
    MLDESK_CUDA_CHECK_LAUNCH();
}

void launchSoftmaxXentGrad(const float *z, const std::int32_t *labels, int n, int classes, float *dz, float *loss,
                           std::int32_t *correct, cudaStream_t stream)
{
    softmaxXentGradKernel<<<1, kThreads, 0, stream>>>(z, labels, n, classes, dz, loss, correct);
    MLDESK_CUDA_CHECK_LAUNCH();
}

void launchSoftmaxEval(const float *z, const std::int32_t *labels, int n, int classes, float *probs, float *rowLoss,
                       std::int32_t *rowCorrect, cudaStream_t stream)
{
    softmaxEvalKernel<<<gridForRows(n), kThreads, 0, stream>>>(z, labels, n, classes, probs, rowLoss, rowCorrect);
    MLDESK_CUDA_CHECK_LAUNCH();
}

void launchOptimizerUpdate(const UpdateParams &p, float *w, const float *dW, float *s1, float *s2, std::size_t nW,
                           float *b, const float *dz, int batch, float *bs1, float *bs2, int nB,
                           const unsigned long long *counter, cudaStream_t stream)
{
    optimizerUpdateKernel<<<gridFor(nW + std::size_t(nB)), kThreads, 0, stream>>>(p, w, dW, s1, s2, nW, b, dz, batch,
                                                                                  bs1, bs2, nB, counter);
    MLDESK_CUDA_CHECK_LAUNCH();
}

} // namespace mldesk::gpu::cuda
