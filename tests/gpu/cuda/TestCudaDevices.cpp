// The CUDA entry points without and with a device: cudaDevices() never throws (empty without a driver or GPU) and
// makeCudaBackend() refuses a missing device with a clear message. Runs everywhere (never skipped).
#include "../TestHarness.h"
#include "mldesk/gpu/Backend.h"

#include <cstdio>

using namespace mldesk::gpu;

MLDESK_TEST(cudaIsCompiledIn)
{
    MLDESK_CHECK(cudaCompiledIn());
}

MLDESK_TEST(missingDeviceIsRefusedClearly)
{
    const std::vector<DeviceInfo> devices = cudaDevices(); // must not throw
    std::printf("visible CUDA devices: %zu\n", devices.size());
    if (devices.empty()) {
        MLDESK_CHECK_THROWS(makeCudaBackend(0), "no CUDA device is available");
        MLDESK_CHECK_THROWS(makeCudaBackend(0), "--device cpu");
    } else {
        MLDESK_CHECK_THROWS(makeCudaBackend(int(devices.size())), "out of range");
        MLDESK_CHECK_THROWS(makeCudaBackend(-1), "out of range");
    }
}

MLDESK_TEST(deviceInfoIsSane)
{
    for (const DeviceInfo &d : cudaDevices()) {
        std::printf("cuda:%d %s sm_%d%d %zu MiB %d SMs\n", d.index, d.name.c_str(), d.computeMajor, d.computeMinor,
                    d.memoryBytes >> 20, d.multiprocessors);
        MLDESK_CHECK(!d.name.empty());
        MLDESK_CHECK(d.memoryBytes > (std::size_t(1) << 28));
        MLDESK_CHECK(d.computeMajor >= 5);
        MLDESK_CHECK(d.multiprocessors > 0);
        const auto backend = makeCudaBackend(d.index);
        MLDESK_CHECK(backend->name().find("cuda:") == 0);
    }
}

MLDESK_TEST_MAIN()
