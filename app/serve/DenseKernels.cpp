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

constexpr std::size_t kPanel = 24; // columns per packed panel: 3 AVX2 vectors
constexpr std::size_t kTileRows = 4;

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
            s = std::fma(x[nz[n]], w[std::size_t(nz[n]) * out + j], s);
        y[j] = s;
    }
}

// A tile of R rows (R <= 4) through one layer, the kernel packed in panels of kPanel columns (kernel rows of a panel
// contiguous: read front to back): y (R, padded) = b + x (R, in) x W (in, padded). Each output is b, then one fma per
// input of `nz` in increasing order - as the row alone gives: an input that is zero in this row but not in another of
// the tile adds fma(0, w, y) = y exactly (the weights are finite). 4 rows x 3 vectors = 12 accumulators in registers:
// each panel row is loaded once for the R rows, so the weights stream once per tile, not once per row.
template <int R>
__attribute__((target("avx2,fma"))) void tileAvx2(const float *x, std::size_t ldx, const int *nz, int count,
                                                  const float *panels, std::size_t in, const float *b,
                                                  std::size_t padded, float *y, std::size_t ldy)
{
    for (std::size_t j = 0; j < padded; j += kPanel) {
        const float *panel = panels + j * in; // (in, kPanel)
        __m256 acc[R][3];
        for (int c = 0; c < 3; ++c) {
            const __m256 bias = _mm256_loadu_ps(b + j + std::size_t(c) * 8);
            for (int r = 0; r < R; ++r)
                acc[r][c] = bias;
        }
        for (int n = 0; n < count; ++n) {
            const std::size_t k = std::size_t(nz[n]);
            const float *w = panel + k * kPanel;
            const __m256 w0 = _mm256_loadu_ps(w), w1 = _mm256_loadu_ps(w + 8), w2 = _mm256_loadu_ps(w + 16);
            for (int r = 0; r < R; ++r) {
                const __m256 a = _mm256_broadcast_ss(x + std::size_t(r) * ldx + k);
                acc[r][0] = _mm256_fmadd_ps(a, w0, acc[r][0]);
                acc[r][1] = _mm256_fmadd_ps(a, w1, acc[r][1]);
                acc[r][2] = _mm256_fmadd_ps(a, w2, acc[r][2]);
            }
        }
        for (int r = 0; r < R; ++r)
            for (int c = 0; c < 3; ++c)
                _mm256_storeu_ps(y + std::size_t(r) * ldy + j + std::size_t(c) * 8, acc[r][c]);
    }
}

// The inputs that are non-zero in any of `rows` rows (x (rows, ld)), in increasing order; returns how many.
__attribute__((target("avx2"))) int nonZeroInputsAvx2(const float *x, std::size_t ld, std::size_t rows, int in, int *nz)
{
    int count = 0, i = 0;
    const __m256 zero = _mm256_setzero_ps();
    for (; i + 8 <= in; i += 8) {
        unsigned mask = 0;
        for (std::size_t r = 0; r < rows; ++r)
            mask |= unsigned(
                _mm256_movemask_ps(_mm256_cmp_ps(_mm256_loadu_ps(x + r * ld + std::size_t(i)), zero, _CMP_NEQ_UQ)));
        for (; mask; mask &= mask - 1)
            nz[count++] = i + __builtin_ctz(mask);
    }
    for (; i < in; ++i) {
        bool any = false;
        for (std::size_t r = 0; r < rows; ++r)
            any |= x[r * ld + std::size_t(i)] != 0.0f;
        if (any)
            nz[count++] = i;
    }
    return count;
}

using Tile = void (*)(const float *, std::size_t, const int *, int, const float *, std::size_t, const float *,
                      std::size_t, float *, std::size_t);
constexpr Tile kTiles[] = {nullptr, tileAvx2<1>, tileAvx2<2>, tileAvx2<3>, tileAvx2<4>};
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
    int in = spec.inputs;
    std::size_t widest = std::size_t(spec.inputs);
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
        // (in, out) -> panels of kPanel columns, each (in, kPanel), the last one padded with zero columns.
        const std::size_t out = std::size_t(l.out), rows = std::size_t(l.in);
        l.padded = (out + kPanel - 1) / kPanel * kPanel;
        l.panels.assign(rows * l.padded, 0.0f);
        for (std::size_t k = 0; k < rows; ++k)
            for (std::size_t j = 0; j < out; ++j)
                l.panels[j / kPanel * rows * kPanel + k * kPanel + j % kPanel] = l.kernel[k * out + j];
        l.paddedBias = l.bias;
        l.paddedBias.resize(l.padded, 0.0f);
        widest = std::max(widest, l.padded);
        in = l.out;
        m_layers.push_back(std::move(l));
    }
    m_widest = widest;
}

void DenseKernels::predict(const float *x, std::size_t rows, float *out) const
{
    // Two (tile, widest) buffers: a layer reads one, writes the other.
    thread_local std::vector<float> buffers;
    thread_local std::vector<int> nonZero;
    if (buffers.size() < 2 * kTileRows * m_widest) {
        buffers.resize(2 * kTileRows * m_widest);
        nonZero.resize(m_widest);
    }
    const bool avx2 = hasAvx2();
    const std::size_t inputs = std::size_t(m_layers.front().in), outputs = std::size_t(m_layers.back().out);
    for (std::size_t r0 = 0; r0 < rows; r0 += kTileRows) {
        const std::size_t tile = std::min(kTileRows, rows - r0);
        const float *input = x + r0 * inputs;
        std::size_t ld = inputs;
        for (std::size_t li = 0; li < m_layers.size(); ++li) {
            const Layer &l = m_layers[li];
            float *y = buffers.data() + (li % 2) * kTileRows * m_widest;
            const std::size_t ldy = l.padded;
            if (avx2) {
#if defined(__x86_64__)
                const int count = nonZeroInputsAvx2(input, ld, tile, l.in, nonZero.data());
                if (tile == 1) // alone, streaming the kernel rows of its non-zero inputs is faster
                    denseRowAvx2(input, nonZero.data(), count, l.kernel.data(), l.bias.data(), l.out, y);
                else
                    kTiles[tile](input, ld, nonZero.data(), count, l.panels.data(), std::size_t(l.in),
                                 l.paddedBias.data(), l.padded, y, ldy);
#endif
            } else {
                // Row by row, each its own non-zero inputs.
                for (std::size_t r = 0; r < tile; ++r) {
                    const float *row = input + r * ld;
                    int count = 0;
                    for (int i = 0; i < l.in; ++i)
                        if (row[i] != 0.0f)
                            nonZero[std::size_t(count++)] = i;
                    denseRowPortable(row, nonZero.data(), count, l.kernel.data(), l.bias.data(), l.out, y + r * ldy);
                }
            }
            for (std::size_t r = 0; r < tile; ++r)
                activate(y + r * ldy, l.out, l.activation);
            input = y;
            ld = ldy;
        }
        for (std::size_t r = 0; r < tile; ++r)
            std::copy(input + r * ld, input + r * ld + outputs, out + (r0 + r) * outputs);
    }
}

} // namespace mldesk::serve
