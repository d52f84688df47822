// model.h5 in a build without HDF5 (GPU-only machines): nothing can be written, and callers say so plainly.
#include "mldesk/gpu/KerasWeights.h"

#include <stdexcept>

namespace mldesk::gpu {

bool hdf5Available()
{
    return false;
}

void saveKerasWeights(const std::string &path, const ModelSpec &, const Parameters &)
{
    throw std::runtime_error(path + ": this mldesk-train was built without HDF5 and cannot write model.h5");
}

} // namespace mldesk::gpu
