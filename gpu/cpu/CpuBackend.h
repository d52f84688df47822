// The CPU training backend: OpenBLAS (or portable) sgemm plus fused elementwise kernels, on a fixed thread pool.
// Exposed privately so tests can reach it without the factory; everything else uses makeCpuBackend().
#pragma once

#include "mldesk/gpu/Backend.h"

#include "ThreadPool.h"

#include <memory>

namespace mldesk::gpu::cpu {

class CpuBackend final : public Backend {
public:
    explicit CpuBackend(int threads);

    std::string name() const override;
    void init(const ModelSpec &model, const OptimizerSpec &optimizer, const Parameters &initial,
              std::uint64_t seed) override;
    void setTrainData(const HostData &data) override;
    std::vector<float> trainEpoch(const std::vector<std::uint32_t> &order, int batchSize) override;
    double lastEpochAccuracy() const override { return m_lastAccuracy; }
    EvalResult evaluate(const HostData &data, int batchSize) override;
    void predict(const HostData &data, float *out) override;
    Parameters parameters() const override;

private:
    struct Layer {
        int in = 0, out = 0;
        Activation act = Activation::Linear;
        bool useBias = true;
        float dropRate = 0.0f;
        std::vector<float> w, b;           // (in, out), (out)
        std::vector<float> slot1w, slot2w; // optimizer state for w (RMSprop v / Adam m, v / SGD momentum)
        std::vector<float> slot1b, slot2b; // the same for b
        std::vector<float> h;              // (batch, out) activation output, before dropout
        std::vector<float> keep;           // (batch, out) dropout multiplier: 0 or 1 / (1 - rate)
        std::vector<float> a;              // (batch, out) output after dropout (only with dropout)
        std::vector<float> dz;             // (batch, out) d loss / d pre-activation
        const float *output() const { return dropRate > 0.0f ? a.data() : h.data(); }
    };

    void allocateBatch(int batchSize);
    void gatherRows(const std::uint32_t *indices, int rows, float *dst) const;
    void forwardBackwardRows(const std::uint32_t *indices, int r0, int r1, int batch, int chunk);
    void updateChunk(int chunk, int thread);
    void update(float *w, const float *g, float *s1, float *s2, std::size_t n) const;
    void evaluateBlocks(const HostData &data, float *probabilities, double *blockLoss, int *blockCorrect);

    std::unique_ptr<ThreadPool> m_pool;
    ModelSpec m_model;
    OptimizerSpec m_opt;
    std::uint64_t m_seed = 0;
    std::uint64_t m_step = 0; // global training step, for dropout masks and Adam's bias correction
    std::vector<Layer> m_layers;
    int m_features = 0, m_classes = 0;

    // Training set: pixels of the form k/255 are kept as bytes (4x less memory and traffic), anything else as floats.
    std::vector<std::uint8_t> m_trainBytes;
    std::vector<float> m_trainFloats;
    std::vector<std::int32_t> m_trainLabels;
    std::size_t m_trainCount = 0;
    float m_byteToFloat[256] = {};

    int m_batchCapacity = 0;
    int m_batch = 0;
    std::vector<float> m_x;             // (batch, features) gathered inputs of the step
    std::vector<std::int32_t> m_labels; // (batch)
    std::vector<float> m_loss;          // (batch) per-sample loss
    std::vector<int> m_correct;         // per row chunk of region 1
    struct GradChunk {
        int layer = 0;
        int row0 = 0, rows = 0; // weight rows [row0, row0 + rows); rows == 0: the layer's bias
    };
    std::vector<GradChunk> m_gradChunks;           // region 2's fixed work list (independent of the thread count)
    std::vector<std::vector<float>> m_gradScratch; // per thread: a chunk of weight-gradient rows
    double m_lastAccuracy = -1.0;

    std::vector<std::vector<float>> m_evalScratch; // per thread: two ping-pong activation blocks + losses
};

} // namespace mldesk::gpu::cpu
