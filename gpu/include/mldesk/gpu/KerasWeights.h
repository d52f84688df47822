// model.h5 as Keras 2's model.save_weights() writes it, with the HDF5 C library (optional in a build).
#pragma once

#include "mldesk/gpu/Backend.h"

#include <string>

namespace mldesk::gpu {

// True when this build links HDF5 and can write model.h5.
bool hdf5Available();

// Writes `path` in the Keras 2 save_weights (HDF5) layout:
//   root attributes layer_names (fixed-length strings, every layer incl. Dropout), backend "tensorflow",
//   keras_version; one group per layer with attribute weight_names ("<layer>/kernel:0", "<layer>/bias:0"; empty for
//   Dropout) and float32 datasets /<layer>/<layer>/kernel:0 shaped (in, out) and /<layer>/<layer>/bias:0 (out).
// Throws std::runtime_error on failure or when HDF5 is not built in.
void saveKerasWeights(const std::string &path, const ModelSpec &model, const Parameters &params);

} // namespace mldesk::gpu
