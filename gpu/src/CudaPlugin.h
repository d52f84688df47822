// The interface between mldesk_gpu and its CUDA plugin (libmldesk_gpu_cuda.so), loaded with dlopen only when a GPU
// is asked for, so `--device cpu` never maps the CUDA libraries. Private to gpu/: both sides come from one build
// (same compiler, same libstdc++), so C++ types may cross; `abi` guards against a plugin from another build.
#pragma once

#include "mldesk/gpu/Backend.h"

#include <memory>
#include <string>
#include <vector>

namespace mldesk::gpu {

inline constexpr const char *kCudaPluginFile = "libmldesk_gpu_cuda.so";
inline constexpr const char *kCudaPluginEntry = "mldesk_cuda_plugin_v1";
inline constexpr const char *kCudaPluginAbi = "mldesk-cuda-plugin 1 " MLDESK_VERSION;

struct CudaPluginApi {
    const char *abi = kCudaPluginAbi;
    // GPUs visible to the CUDA runtime; when none, *whyNone (if given) says why (the CUDA error text).
    std::vector<DeviceInfo> (*devices)(std::string *whyNone) = nullptr;
    // The CUDA backend on a device (honours MLDESK_CUDA_ENGINE and MLDESK_CUDA_LT); throws with a clear message.
    std::unique_ptr<Backend> (*makeBackend)(int index) = nullptr;
};

} // namespace mldesk::gpu

// Exported by the plugin, looked up by the loader (gpu/src/CudaPluginLoader.cpp).
extern "C" const mldesk::gpu::CudaPluginApi *mldesk_cuda_plugin_v1();
