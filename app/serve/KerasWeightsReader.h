// Reads Keras Dense weights from HDF5: Keras 2's save_weights layout (model.h5, as mldesk-train writes it) and
// Keras 3's .weights.h5 layout (layers/<name>/vars/0 = kernel, 1 = bias). Plain C++ + HDF5, no Qt.
#pragma once

#include "mldesk/gpu/Backend.h"

#include <string>

namespace mldesk::serve {

// The weights of every Dense layer of `model`, shapes checked against it (kernel (in, out), bias (out)).
// Throws std::runtime_error naming the file, the layer and what is missing or mis-shaped.
gpu::Parameters loadKerasWeights(const std::string &path, const gpu::ModelSpec &model);

} // namespace mldesk::serve
