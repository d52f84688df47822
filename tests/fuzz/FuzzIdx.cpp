// libFuzzer target for the IDX parser: any byte string must either parse into an array whose size matches its
// dimensions or throw std::runtime_error; never crash or read out of bounds (built with ASan + UBSan).
#include "mldesk/gpu/Idx.h"

#include <cstdlib>
#include <stdexcept>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    try {
        const mldesk::gpu::IdxArray a = mldesk::gpu::parseIdx(data, size, "fuzz.idx");
        std::size_t n = 1;
        for (std::uint32_t d : a.dims)
            n *= d;
        if (a.dims.empty() || n != a.data.size() || a.data.size() + 4 + 4 * a.dims.size() != size)
            std::abort();
    } catch (const std::runtime_error &) {
    }
    return 0;
}
