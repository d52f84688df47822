// The CUDA backend's construction options (internal to gpu/cuda; no CUDA types). Engines:
//   graph - every step of an epoch captured once into one CUDA graph, re-launched each epoch (the default);
//   eager - the same kernels and GEMMs launched one by one (for debugging; must give bit-identical losses);
//   fused - one persistent cooperative kernel per epoch (FusedEngine.h); models it does not support (non-relu
//           hidden layers, dropout, more than 8 layers) run on the graph engine instead.
#pragma once

#include "mldesk/gpu/Backend.h"

#include <memory>
#include <string>

namespace mldesk::gpu::cuda {

enum class Engine { Graph, Eager, Fused };

struct CudaOptions {
    Engine engine = Engine::Graph;
    bool useLt = true; // cuBLASLt forward with the bias(+ReLU) epilogue; false: cublasSgemm + bias/act kernel
};

// Reads MLDESK_CUDA_ENGINE (auto|graph|eager|fused; auto = graph) and MLDESK_CUDA_LT (1|0); throws on an unknown value.
CudaOptions cudaOptionsFromEnvironment();

std::string engineName(Engine engine);

// Throws std::runtime_error when `device` is not a usable CUDA device.
std::unique_ptr<Backend> makeCudaBackendWithOptions(int device, const CudaOptions &options);

} // namespace mldesk::gpu::cuda
