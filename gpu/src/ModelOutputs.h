// Writing <outputs>/model/{model.json, model.h5} atomically: everything goes into a temporary sibling folder that
// is renamed into place only once complete. Private to mldesk_gpu.
#pragma once

#include "mldesk/gpu/Backend.h"

#include <ostream>
#include <string>

namespace mldesk::gpu::detail {

// Returns true when model.h5 was written (false in builds without HDF5, after saying so on `log`).
bool writeModelOutputs(const std::string &outputs, const ModelSpec &model, const Parameters &params, std::ostream &log);

} // namespace mldesk::gpu::detail
