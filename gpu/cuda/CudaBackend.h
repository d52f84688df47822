// The CUDA backend's construction options (internal to gpu/cuda; no CUDA types). Engines:
//   graph - every step of an epoch captured once into one CUDA graph, re-launched each epoch (the default);
//   eager - the same kernels and GEMMs launched one by one (for debugging; must give bit-identical losses);
//   fused - one persistent cooperative kernel per epoch (FusedEngine.h); models it does not support (non-relu
//           hidden layers, dropout, more than 8 layers) run on the graph engine instead.
#pragma once

#include "mldesk/gpu/Backend.h"

#include <memory>
#include <string>
#include <vector>

namespace mldesk::gpu::cuda {

enum class Engine { Graph, Eager, Fused };

struct CudaOptions {
    Engine engine = Engine::Graph;
    bool useLt = true; // cuBLASLt forward with the bias(+ReLU) epilogue; false: cublasSgemm + bias/act kernel
};

// Reads MLDESK_CUDA_ENGINE (auto|graph|eager|fused; auto = graph) and MLDESK_CUDA_LT (1|0); throws on an unknown value.
CudaOptions cudaOptionsFromEnvironment();

std::string engineName(Engine engine);

// GPUs visible to the CUDA runtime (never throws; empty without a driver or device, and then *whyNone, when given,
// holds the CUDA error text). The plugin's `devices` entry point (PluginEntry.cpp).
std::vector<DeviceInfo> visibleDevices(std::string *whyNone = nullptr);

// What the graph engine did so far (for tests): epochs run eagerly as the warm-up before a capture, captures, and
// epochs launched from a captured graph. Throws std::invalid_argument for a backend that is not a CudaBackend.
struct GraphStats {
    int eagerWarmups = 0;
    int captures = 0;
    int graphLaunches = 0;
};
GraphStats graphStats(const Backend &backend);

// Throws std::runtime_error when `device` is not a usable CUDA device.
std::unique_ptr<Backend> makeCudaBackendWithOptions(int device, const CudaOptions &options);

} // namespace mldesk::gpu::cuda
