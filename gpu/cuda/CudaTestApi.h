// Test-only host API of the CUDA backend: each kernel and GEMM with std::vector in and out (no CUDA types), so
// tests/gpu/cuda can compare it with a plain CPU reference. Everything runs synchronously on the current device.
#pragma once

#include "mldesk/gpu/Backend.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace mldesk::gpu::cudatest {

// Z (n, out) = act(X (n, in) x W (in, out) + b) the way the backend's forward does it: cuBLASLt with the bias/ReLU
// epilogue (useLt, when cuBLASLt offers an algorithm) or cublasSgemm + bias/activation kernel. b may be empty.
std::vector<float> denseForward(const std::vector<float> &x, const std::vector<float> &w, const std::vector<float> &b,
                                int n, int in, int out, Activation act, bool useLt);
// True when cuBLASLt offers an algorithm for this forward shape (else the backend falls back to cublasSgemm).
bool ltAvailable(int n, int in, int out, bool bias, bool relu);

struct DenseGrads {
    std::vector<float> dW; // (in, out) = X^T dZ
    std::vector<float> dX; // (n, in) = dZ W^T
};
DenseGrads denseBackward(const std::vector<float> &x, const std::vector<float> &w, const std::vector<float> &dZ, int n,
                         int in, int out);

struct GatherResult {
    std::vector<float> x;             // (n, f)
    std::vector<std::int32_t> labels; // (n)
    unsigned long long counter = 0;   // the step counter after the gather (it starts at `counterBefore`)
};
GatherResult gather(const std::vector<float> &x, const std::vector<std::int32_t> &labels, int f,
                    const std::vector<std::uint32_t> &order, std::size_t start, int n,
                    unsigned long long counterBefore);

struct XentResult {
    std::vector<float> dZ; // (n, classes)
    float loss = 0.0f;
    int correct = 0; // rows whose first argmax is the label
};
XentResult softmaxXentGrad(const std::vector<float> &z, const std::vector<std::int32_t> &labels, int n, int classes);

struct EvalRows {
    std::vector<float> probs;          // (n, classes)
    std::vector<float> rowLoss;        // (n)
    std::vector<std::int32_t> correct; // (n)
};
EvalRows softmaxEval(const std::vector<float> &z, const std::vector<std::int32_t> &labels, int n, int classes);

std::vector<float> softmaxRows(const std::vector<float> &z, int n, int width);
std::vector<float> biasActivation(const std::vector<float> &z, const std::vector<float> &bias, int n, int width,
                                  Activation act);
std::vector<float> dropoutForward(const std::vector<float> &a, float rate, std::uint64_t seed, unsigned long long step,
                                  int layer);
std::vector<float> activationBackward(const std::vector<float> &dA, const std::vector<float> &y, int n, int width,
                                      Activation act, float dropoutRate, std::uint64_t seed, unsigned long long step,
                                      int layer);

// Optimizer slots and parameters of one layer; slots the optimizer does not use may stay empty.
struct UpdateState {
    std::vector<float> w, s1, s2; // kernel and its slots (RMSprop v; Adam m, v; SGD velocity)
    std::vector<float> b, bs1, bs2;
};
// One fused update at step number `step` (>= 1): kernel gradient dW, bias gradient = column sums of dZ (batch, nB).
void optimizerUpdate(const OptimizerSpec &spec, UpdateState &state, const std::vector<float> &dW,
                     const std::vector<float> &dZ, int batch, unsigned long long step);

// The backend with an explicit engine ("graph", "eager" or "fused") and GEMM path.
std::unique_ptr<Backend> makeBackend(int device, const std::string &engine, bool useLt);

} // namespace mldesk::gpu::cudatest
