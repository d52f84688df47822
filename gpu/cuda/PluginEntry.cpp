// The one exported symbol of libmldesk_gpu_cuda.so: the table of CUDA entry points mldesk_gpu's loader calls.
#include "../src/CudaPlugin.h"
#include "CudaBackend.h"

extern "C" __attribute__((visibility("default"))) const mldesk::gpu::CudaPluginApi *mldesk_cuda_plugin_v1()
{
    static const mldesk::gpu::CudaPluginApi api{
        mldesk::gpu::kCudaPluginAbi,
        &mldesk::gpu::cuda::visibleDevices,
        [](int index) {
            return mldesk::gpu::cuda::makeCudaBackendWithOptions(index,
                                                                 mldesk::gpu::cuda::cudaOptionsFromEnvironment());
        },
    };
    return &api;
}
