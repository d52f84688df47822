// DenseKernels: sparse-input rows through Dense layers, AVX2/FMA register blocking with a portable fallback; see the
// header.
#include "DenseKernels.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace mldesk::serve {

namespace {

// y (out) = b + sum over k in nz of x[k] * W[k, :]; W (in, out) row-major.
void denseRowPortable(const float *x, const int *nz, int count, const float *w, const float *b, int out, float *y)
{
    std::copy(b, b + out, y);
    for (int n = 0; n < count; ++n) {
        const float xk = x[nz[n]];
        const float *row = w + std::size_t(nz[n]) * std::size_t(out);
        for (int j = 0; j < out; ++j)
            y[j] += xk * row[j];
    }
}

#if defined(__x86_64__)
// R accumulators of 8 floats stay in registers while every non-zero input adds its kernel row's slice.
template <int R>
__attribute__((target("avx2,fma"))) void block(const float *x, const int *nz, int count, const float *w, const float *b,
                                               std::size_t out, float *y, std::size_t j0)
{
    __m256 acc[R];
    for (int r = 0; r < R; ++r)
        acc[r] = _mm256_loadu_ps(b + j0 + std::size_t(r) * 8);
    for (int n = 0; n < count; ++n) {
        const __m256 xk = _mm256_broadcast_ss(x + nz[n]);
        const float *row = w + std::size_t(nz[n]) * out + j0;
        for (int r = 0; r < R; ++r)
            acc[r] = _mm256_fmadd_ps(xk, _mm256_loadu_ps(row + r * 8), acc[r]);
    }
    for (int r = 0; r < R; ++r)
        _mm256_storeu_ps(y + j0 + std::size_t(r) * 8, acc[r]);
}

// A wide layer (the seed's 784 -> 300): its kernel (940 KB) lives in L3, and 64-column passes over the non-zero rows
// read it with a stride the prefetcher follows badly. Instead, four kernel rows at a time are streamed whole, front to
// back, into y (1.2 KB, in L1): the rows of increasing non-zero inputs are read nearly sequentially.
__attribute__((target("avx2,fma"))) void denseRowStreamAvx2(const float *x, const int *nz, int count, const float *w,
                                                            const float *b, std::size_t out, float *y)
{
    std::copy(b, b + out, y);
    const std::size_t vectors = out / 8 * 8;
    int n = 0;
    for (; n + 4 <= count; n += 4) {
        const float x0 = x[nz[n]], x1 = x[nz[n + 1]], x2 = x[nz[n + 2]], x3 = x[nz[n + 3]];
        const float *r0 = w + std::size_t(nz[n]) * out, *r1 = w + std::size_t(nz[n + 1]) * out;
        const float *r2 = w + std::size_t(nz[n + 2]) * out, *r3 = w + std::size_t(nz[n + 3]) * out;
        const __m256 a0 = _mm256_set1_ps(x0), a1 = _mm256_set1_ps(x1), a2 = _mm256_set1_ps(x2), a3 = _mm256_set1_ps(x3);
        std::size_t j = 0;
        for (; j < vectors; j += 8) {
            __m256 acc = _mm256_loadu_ps(y + j);
            acc = _mm256_fmadd_ps(a0, _mm256_loadu_ps(r0 + j), acc);
            acc = _mm256_fmadd_ps(a1, _mm256_loadu_ps(r1 + j), acc);
            acc = _mm256_fmadd_ps(a2, _mm256_loadu_ps(r2 + j), acc);
            acc = _mm256_fmadd_ps(a3, _mm256_loadu_ps(r3 + j), acc);
            _mm256_storeu_ps(y + j, acc);
        }
        for (; j < out; ++j)
            y[j] = std::fma(x3, r3[j], std::fma(x2, r2[j], std::fma(x1, r1[j], std::fma(x0, r0[j], y[j]))));
    }
    for (; n < count; ++n) {
        const float xk = x[nz[n]];
        const float *row = w + std::size_t(nz[n]) * out;
        const __m256 a = _mm256_set1_ps(xk);
        std::size_t j = 0;
        for (; j < vectors; j += 8)
            _mm256_storeu_ps(y + j, _mm256_fmadd_ps(a, _mm256_loadu_ps(row + j), _mm256_loadu_ps(y + j)));
        for (; j < out; ++j)
            y[j] = std::fma(xk, row[j], y[j]);
    }
}

__attribute__((target("avx2,fma"))) void denseRowAvx2(const float *x, const int *nz, int count, const float *w,
                                                      const float *b, int outInt, float *y)
{
    const std::size_t out = std::size_t(outInt);
    if (out > 64)
        return denseRowStreamAvx2(x, nz, count, w, b, out, y);
    std::size_t j = 0;
    for (; j + 64 <= out; j += 64)
        block<8>(x, nz, count, w, b, out, y, j);
    using Block =
        void (*)(const float *, const int *, int, const float *, const float *, std::size_t, float *, std::size_t);
    static constexpr Block kBlocks[] = {nullptr, block<1>, block<2>, block<3>, block<4>, block<5>, block<6>, block<7>};
    if (const std::size_t rest = (out - j) / 8)
        kBlocks[rest](x, nz, count, w, b, out, y, j);
    j += (out - j) / 8 * 8;
    for (; j < out; ++j) {
        float s = b[j];
        for (int n = 0; n < count; ++n)
            s += x[nz[n]] * w[std::size_t(nz[n]) * out + j];
        y[j] = s;
    }
}
#endif

bool hasAvx2()
{
#if defined(__x86_64__)
    static const bool has = [] {
        __builtin_cpu_init(); // may run before libgcc's own initializer
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    }();
    return has;
#else
    return false;
#endif
}

void activate(float *y, int n, gpu::Activation a)
{
    switch (a) {
    case gpu::Activation::Linear:
        break;
    case gpu::Activation::Relu:
        for (int j = 0; j < n; ++j)
            y[j] = std::max(y[j], 0.0f);
        break;
    case gpu::Activation::Sigmoid:
        for (int j = 0; j < n; ++j)
            y[j] = 1.0f / (1.0f + std::exp(-y[j]));
        break;
    case gpu::Activation::Tanh:
        for (int j = 0; j < n; ++j)
            y[j] = std::tanh(y[j]);
        break;
    case gpu::Activation::Softmax: {
        const float top = *std::max_element(y, y + n);
        float sum = 0.0f;
        for (int j = 0; j < n; ++j) {
            y[j] = std::exp(y[j] - top);
            sum += y[j];
        }
        const float inv = 1.0f / sum;
        for (int j = 0; j < n; ++j)
            y[j] *= inv;
        break;
    }
    }
}

} // namespace

bool DenseKernels::vectorized()
{
    return hasAvx2();
}

DenseKernels::DenseKernels(const gpu::ModelSpec &spec, const gpu::Parameters &params)
{
    if (params.size() != spec.layers.size())
        throw std::invalid_argument("DenseKernels: one parameter set per layer is needed");
    int in = spec.inputs, widest = spec.inputs;
    for (std::size_t i = 0; i < params.size(); ++i) {
        Layer l;
        l.in = in;
        l.out = spec.layers[i].units;
        l.activation = spec.layers[i].activation;
        if (params[i].in != l.in || params[i].out != l.out ||
            params[i].kernel.size() != std::size_t(l.in) * std::size_t(l.out))
            throw std::invalid_argument("DenseKernels: layer " + spec.layers[i].name + " has mis-shaped weights");
        l.kernel = params[i].kernel;
        l.bias = params[i].bias.empty() ? std::vector<float>(std::size_t(l.out), 0.0f) : params[i].bias;
        widest = std::max(widest, l.out);
        in = l.out;
        m_layers.push_back(std::move(l));
    }
    m_widest = widest;
}

void DenseKernels::predict(const float *x, std::size_t rows, float *out) const
{
    thread_local std::vector<float> buffers;
    thread_local std::vector<int> nonZero;
    if (buffers.size() < 2 * std::size_t(m_widest)) {
        buffers.resize(2 * std::size_t(m_widest));
        nonZero.resize(std::size_t(m_widest));
    }
    [[maybe_unused]] const bool avx2 = hasAvx2();
    const int inputs = m_layers.front().in, outputs = m_layers.back().out;
    for (std::size_t r = 0; r < rows; ++r) {
        const float *input = x + r * std::size_t(inputs);
        for (std::size_t li = 0; li < m_layers.size(); ++li) {
            const Layer &l = m_layers[li];
            int count = 0;
            for (int i = 0; i < l.in; ++i)
                if (input[i] != 0.0f)
                    nonZero[std::size_t(count++)] = i;
            float *y = li + 1 == m_layers.size() ? out + r * std::size_t(outputs)
                                                 : buffers.data() + (li % 2) * std::size_t(m_widest);
#if defined(__x86_64__)
            if (avx2)
                denseRowAvx2(input, nonZero.data(), count, l.kernel.data(), l.bias.data(), l.out, y);
            else
#endif
                denseRowPortable(input, nonZero.data(), count, l.kernel.data(), l.bias.data(), l.out, y);
            activate(y, l.out, l.activation);
            input = y;
        }
    }
}

} // namespace mldesk::serve
