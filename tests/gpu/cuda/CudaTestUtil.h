// Shared helpers of the CUDA tests: skipping without a device, seeded random data, and plain double-precision CPU
// references of the Dense layer, the softmax/cross-entropy head and the optimizers (written here, independent of
// both backends).
#pragma once

#include "../TestHarness.h"
#include "mldesk/gpu/Backend.h"
#include "mldesk/gpu/Random.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

namespace mldesk::test::cuda {

using mldesk::gpu::Activation;

// Skips without a GPU, but fails where an NVIDIA driver is loaded and the CUDA runtime still sees no device (e.g. a
// driver older than the toolkit), and whenever MLDESK_REQUIRE_GPU=1 (bench/gpu-check.sh sets it on a GPU machine,
// where /proc/driver/nvidia and /dev/nvidiactl may be hidden in a container): there a skip would hide that nothing
// was tested.
inline void requireCudaDevice()
{
    if (!mldesk::gpu::cudaDevices().empty())
        return;
    if (gpuRequired())
        fail(__FILE__, __LINE__,
             "MLDESK_REQUIRE_GPU=1 but the CUDA runtime sees no device (" + mldesk::gpu::cudaUnavailableReason() + ")");
    std::error_code ec;
    if (std::filesystem::exists("/proc/driver/nvidia/version", ec) || std::filesystem::exists("/dev/nvidiactl", ec))
        fail(__FILE__, __LINE__,
             "an NVIDIA driver is loaded but the CUDA runtime sees no device (driver too old for this CUDA "
             "toolkit, or no device permission?)");
    skip("no CUDA device visible to the CUDA runtime (cudaGetDeviceCount found none)");
}

inline std::vector<float> randomVector(std::size_t n, float lo, float hi, std::uint64_t seed)
{
    mldesk::gpu::Rng rng(seed);
    std::vector<float> v(n);
    for (float &x : v)
        x = lo + (hi - lo) * rng.uniform();
    return v;
}

inline std::vector<std::int32_t> randomLabels(std::size_t n, int classes, std::uint64_t seed)
{
    mldesk::gpu::Rng rng(seed);
    std::vector<std::int32_t> v(n);
    for (auto &x : v)
        x = std::int32_t(rng.below(std::uint32_t(classes)));
    return v;
}

inline std::vector<std::uint32_t> randomPermutation(std::size_t n, std::uint64_t seed)
{
    std::vector<std::uint32_t> p(n);
    for (std::size_t i = 0; i < n; ++i)
        p[i] = std::uint32_t(i);
    mldesk::gpu::Rng rng(seed);
    for (std::size_t i = n; i > 1; --i)
        std::swap(p[i - 1], p[rng.below(std::uint32_t(i))]);
    return p;
}

inline double activateRef(double z, Activation a)
{
    switch (a) {
    case Activation::Relu:
        return z > 0 ? z : 0;
    case Activation::Sigmoid:
        return 1.0 / (1.0 + std::exp(-z));
    case Activation::Tanh:
        return std::tanh(z);
    default:
        return z;
    }
}
inline double activationGradRef(double y, Activation a)
{
    switch (a) {
    case Activation::Relu:
        return y > 0 ? 1 : 0;
    case Activation::Sigmoid:
        return y * (1 - y);
    case Activation::Tanh:
        return 1 - y * y;
    default:
        return 1;
    }
}

// y (n, width) = softmax rows of z, in double.
inline std::vector<double> softmaxRef(const std::vector<double> &z, int n, int width)
{
    std::vector<double> p(z.size());
    for (int r = 0; r < n; ++r) {
        const double *row = z.data() + std::size_t(r) * width;
        const double m = *std::max_element(row, row + width);
        double s = 0;
        for (int c = 0; c < width; ++c)
            s += std::exp(row[c] - m);
        for (int c = 0; c < width; ++c)
            p[std::size_t(r) * width + c] = std::exp(row[c] - m) / s;
    }
    return p;
}

// (n, out) = act(x (n, in) W (in, out) + b); act Softmax applies the row softmax; b may be empty.
inline std::vector<double> denseForwardRef(const std::vector<double> &x, const std::vector<double> &w,
                                           const std::vector<double> &b, int n, int in, int out, Activation act)
{
    std::vector<double> z(std::size_t(n) * out);
    for (int r = 0; r < n; ++r)
        for (int c = 0; c < out; ++c) {
            double s = b.empty() ? 0.0 : b[std::size_t(c)];
            for (int k = 0; k < in; ++k)
                s += x[std::size_t(r) * in + k] * w[std::size_t(k) * out + c];
            z[std::size_t(r) * out + c] = act == Activation::Softmax ? s : activateRef(s, act);
        }
    return act == Activation::Softmax ? softmaxRef(z, n, out) : z;
}

template <typename T> std::vector<double> toDouble(const std::vector<T> &v)
{
    return {v.begin(), v.end()};
}
inline std::vector<float> toFloat(const std::vector<double> &v)
{
    return {v.begin(), v.end()};
}

constexpr double kEps = 1e-7;

inline bool bitEqual(const std::vector<float> &a, const std::vector<float> &b)
{
    return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
}
inline bool bitEqual(const mldesk::gpu::Parameters &a, const mldesk::gpu::Parameters &b)
{
    if (a.size() != b.size())
        return false;
    for (std::size_t l = 0; l < a.size(); ++l)
        if (!bitEqual(a[l].kernel, b[l].kernel) || !bitEqual(a[l].bias, b[l].bias))
            return false;
    return true;
}

} // namespace mldesk::test::cuda
