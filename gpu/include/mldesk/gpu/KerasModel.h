// Keras model description: the seed's default MLP, reading a Keras Sequential model.json of Dense/Dropout layers,
// writing model.json as Keras 2 `model.to_json()` does, and Keras's glorot-uniform / zeros initialisation.
#pragma once

#include "mldesk/gpu/Backend.h"

#include <cstdint>
#include <string>

namespace mldesk::gpu {

// The Keras version written into model.json and model.h5 (Keras 2.x layout, TensorFlow backend).
inline constexpr const char *kKerasVersion = "2.13.1";

// The loss both backends compute (issue 13), as the trainer's log states it: tf.keras 2.13 sees the softmax of the
// output layer and takes categorical cross-entropy from its logits, so there is no clip to [1e-7, 1 - 1e-7].
inline constexpr const char *kLossDescription =
    "categorical cross-entropy from the output layer's logits, as tf.keras 2.13 computes it for a softmax output "
    "(-log softmax, no probability clip; gradient p - y on every row)";

// Sequential([Dense(h1, relu, input_shape=(inputs,)), Dense(h2, relu), Dense(classes, softmax)]), named as Keras
// names them: dense, dense_1, dense_2.
ModelSpec defaultModel(int inputs, int firstLayer, int secondLayer, int classes);

// Parses a Keras Sequential model JSON (Keras 2 or 3 style) of InputLayer, Dense and Dropout layers. Throws
// std::runtime_error naming an unsupported layer, activation or option. `inputs` is 0 when the JSON gives no input
// shape (the caller fills it from the data).
ModelSpec parseKerasModelJson(const std::string &json);

// Checks a model against the data: inputs == features, last layer softmax with `classes` units, softmax only last.
void validateModel(const ModelSpec &model, int features, int classes);

// model.json text as Keras 2's model.to_json() writes it (keras.models.model_from_json reads it back).
std::string kerasModelJson(const ModelSpec &model);

// Glorot-uniform kernels (limit sqrt(6 / (in + out))) and zero biases, from a seeded generator.
Parameters glorotUniformInit(const ModelSpec &model, std::uint64_t seed);

// The name Keras prints for an activation ("relu", "softmax", ...).
const char *activationName(Activation a);

} // namespace mldesk::gpu
