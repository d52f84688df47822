// The public CUDA entry points of mldesk_gpu: device enumeration (empty, never a throw, without a driver or GPU)
// and the backend factory, which honours MLDESK_CUDA_ENGINE and MLDESK_CUDA_LT.
#include "CudaBackend.h"
#include "CudaCheck.h"

namespace mldesk::gpu {

bool cudaCompiledIn()
{
    return true;
}

std::vector<DeviceInfo> cudaDevices()
{
    std::vector<DeviceInfo> devices;
    int count = 0;
    if (cudaGetDeviceCount(&count) != cudaSuccess) {
        (void)cudaGetLastError(); // clear the (non-sticky) error: no driver or no device
        return devices;
    }
    for (int i = 0; i < count; ++i) {
        cudaDeviceProp prop{};
        if (cudaGetDeviceProperties(&prop, i) != cudaSuccess) {
            (void)cudaGetLastError();
            continue;
        }
        DeviceInfo d;
        d.index = i;
        d.name = prop.name;
        d.memoryBytes = prop.totalGlobalMem;
        d.computeMajor = prop.major;
        d.computeMinor = prop.minor;
        d.multiprocessors = prop.multiProcessorCount;
        devices.push_back(d);
    }
    return devices;
}

std::unique_ptr<Backend> makeCudaBackend(int index)
{
    return cuda::makeCudaBackendWithOptions(index, cuda::cudaOptionsFromEnvironment());
}

} // namespace mldesk::gpu
