// The seed's training job (keras_mnist.py) end to end: load the MNIST-style IDX files, build or read the model,
// train on the chosen backend with Keras semantics, log like Keras verbose=2 plus JSON-lines metrics, and write
// outputs/model/{model.json, model.h5} atomically.
#pragma once

#include "mldesk/gpu/Backend.h"

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>

namespace mldesk::gpu {

struct TrainOptions {
    std::string dataFolder;
    int batchSize = 50;
    int firstLayerNeurons = 100;
    int secondLayerNeurons = 100;
    double learningRate = 0.001;
    int epochs = 20;
    OptimizerKind optimizer = OptimizerKind::RMSprop;
    std::string modelFile;             // a Keras model.json to train instead of the default MLP
    std::string device = "auto";       // auto | cuda | cpu
    std::optional<std::uint64_t> seed; // random when absent (and printed)
    std::string outputs = "outputs";
    int threads = 0;         // CPU threads; 0 = one per core
    std::string metricsFile; // MLDESK_METRICS_FILE; empty = none
    int trainLossEvery = 50; // steps between train_loss metrics
};

struct TrainSummary {
    double testLoss = 0.0;
    double testAccuracy = 0.0;
    std::vector<double> epochSeconds; // wall time of each epoch (training + validation)
    bool wroteWeights = false;        // false when the build has no HDF5
    std::string modelFolder;          // <outputs>/model
};

// Runs the whole job, writing the human log to `log`. Throws std::runtime_error with a message for the user on
// any bad input or failure; on failure no <outputs>/model is created.
TrainSummary runTraining(const TrainOptions &options, std::ostream &log);

} // namespace mldesk::gpu
