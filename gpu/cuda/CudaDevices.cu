// Device enumeration of the CUDA plugin: empty, never a throw, without a driver or GPU (the reason goes to whyNone).
#include "CudaBackend.h"
#include "CudaCheck.h"

namespace mldesk::gpu::cuda {

std::vector<DeviceInfo> visibleDevices(std::string *whyNone)
{
    std::vector<DeviceInfo> devices;
    int count = 0;
    const cudaError_t status = cudaGetDeviceCount(&count);
    if (status != cudaSuccess) {
        if (whyNone)
            *whyNone = std::string("cudaGetDeviceCount: ") + cudaGetErrorString(status);
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
    if (devices.empty() && whyNone)
        *whyNone = "the CUDA runtime sees no device";
    return devices;
}

} // namespace mldesk::gpu::cuda
