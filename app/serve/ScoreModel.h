// ScoreModel: a Keras Sequential model loaded for inference from a model folder - model.json + model.h5 (Keras 2
// save_weights layout, what mldesk-train writes) or config.json + model.weights.h5 (an unpacked Keras 3 .keras) -
// run on the public Backend API (CPU by default, CUDA when asked for and there). The Backend is not thread-safe: the
// Batcher serializes predict() calls except those concurrentFor() allows.
#pragma once

#include "DenseKernels.h"

#include "mldesk/gpu/Backend.h"

#include <memory>
#include <string>

namespace mldesk::serve {

class ScoreModel {
public:
    // Throws std::runtime_error with what is missing or wrong. device: "cpu" or "cuda" (falls back to the CPU with
    // a note in description() when this build or machine has no CUDA device).
    static std::unique_ptr<ScoreModel> load(const std::string &folder, const std::string &device, int cpuThreads);

    int inputs() const { return m_spec.inputs; }
    int outputs() const { return m_spec.layers.back().units; }
    const gpu::ModelSpec &spec() const { return m_spec; }
    std::string description() const { return m_description; }

    // x (rows, inputs) -> out (rows, outputs): the last layer's activations (softmax rows for a classifier). On the
    // CPU, up to kSmallBatch rows take DenseKernels (no packing, zero inputs skipped), more the Backend's sgemm.
    void predict(const float *x, std::size_t rows, float *out);
    static constexpr std::size_t kSmallBatch = 8; // measured: at 8 rows as fast as sgemm, at 1 row twice as fast
    // Whether predict() of this many rows may run on several threads at once (the CPU's DenseKernels path).
    bool concurrentFor(std::size_t rows) const { return m_small && rows <= kSmallBatch; }
    // Any number of rows on the DenseKernels, thread-safe: the small requests of one I/O loop scored together, each
    // row's outputs bit for bit those it gets alone. Only where concurrentFor(1).
    void predictConcurrent(const float *x, std::size_t rows, float *out) const { m_small->predict(x, rows, out); }

private:
    gpu::ModelSpec m_spec;
    std::unique_ptr<gpu::Backend> m_backend;
    std::unique_ptr<DenseKernels> m_small; // CPU only
    std::string m_description;
};

} // namespace mldesk::serve
