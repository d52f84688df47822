// The CUDA entry points of a build without CUDA: no devices, and a clear error when one is asked for.
#include "mldesk/gpu/Backend.h"

#include <stdexcept>

namespace mldesk::gpu {

bool cudaCompiledIn()
{
    return false;
}

std::vector<DeviceInfo> cudaDevices()
{
    return {};
}

std::string cudaUnavailableReason()
{
    return "this mldesk-train was built without CUDA";
}

std::unique_ptr<Backend> makeCudaBackend(int)
{
    throw std::runtime_error("this mldesk-train was built without CUDA; rebuild with -DMLDESK_WITH_CUDA=ON "
                             "(needs the CUDA toolkit) or use --device cpu");
}

} // namespace mldesk::gpu
