// The CUDA/cuBLAS training backend ("graph" engine): data, weights and optimizer state resident on the device;
// one epoch = one CUDA graph of all its steps (its first epoch run eagerly as a warm-up, then captured once per
// batch size and re-launched with a new permutation).
// Per step: gather -> forward (cuBLASLt bias+ReLU epilogue) -> fused softmax/xent/grad -> backward, where each
// layer's dW GEMM and fused optimizer update run on that layer's side stream, parallel to the dX chain.
#include "CudaBackend.h"
#include "FusedEngine.h"
#include "Gemm.h"
#include "Kernels.h"
#include "mldesk/gpu/KerasModel.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <sstream>
#include <stdexcept>

namespace mldesk::gpu::cuda {
namespace {

constexpr std::size_t kLtWorkspaceBytes = std::size_t(32) << 20;
constexpr int kEvalChunk = 8192; // rows per inference GEMM

struct Layer {
    int in = 0, out = 0;
    Activation act = Activation::Linear;
    bool hasBias = true;
    float dropout = 0.0f;
    DeviceBuffer<float> w, b, dW;           // w, dW (in, out); b (out)
    DeviceBuffer<float> sw1, sw2, sb1, sb2; // optimizer slots for w and b
    // Per-batch buffers, (batch, out) each.
    DeviceBuffer<float> y;    // act(x W + b) (the last layer: the logits)
    DeviceBuffer<float> drop; // dropout(y) when dropout > 0
    DeviceBuffer<float> dA;   // dLoss/d(layer output), written by the next layer's dX GEMM
    DeviceBuffer<float> dZ;   // dLoss/d(pre-activation)
    std::map<int, std::unique_ptr<LtDenseForward>> ltPlans; // by batch rows; null entry = Lt unavailable
    std::unique_ptr<Stream> side;
    std::unique_ptr<CublasHandle> sideBlas;
    std::unique_ptr<Event> evDZ, evDX, evDone;
};

class CudaBackend final : public Backend {
public:
    CudaBackend(int device, const CudaOptions &options) : m_device(device), m_options(options)
    {
        MLDESK_CUDA_CHECK(cudaSetDevice(m_device));
        cudaDeviceProp prop{};
        MLDESK_CUDA_CHECK(cudaGetDeviceProperties(&prop, m_device));
        std::ostringstream os;
        os << "cuda:" << m_device << " (" << prop.name << ", sm_" << prop.major << prop.minor << ", engine "
           << engineName(m_options.engine) << (m_options.useLt ? ", cuBLASLt epilogues" : ", cuBLAS") << ")";
        m_name = os.str();
        m_main = std::make_unique<Stream>();
        m_blas = std::make_unique<CublasHandle>(m_main->get());
        m_lt = std::make_unique<LtHandle>();
        m_ltWorkspace.resize(kLtWorkspaceBytes);
        m_counter.resize(1);
        m_counter.zero();
    }

    ~CudaBackend() override
    {
        // Let queued work finish before buffers are freed; errors are ignored at teardown.
        (void)cudaSetDevice(m_device);
        if (m_main)
            (void)cudaStreamSynchronize(m_main->get());
        m_graph.reset();
    }

    std::string name() const override
    {
        if (m_options.engine == Engine::Fused && !m_fusedReason.empty())
            return m_name + " [fused engine not used: " + m_fusedReason + "; graph engine instead]";
        return m_name;
    }

    void init(const ModelSpec &model, const OptimizerSpec &optimizer, const Parameters &initial,
              std::uint64_t seed) override
    {
        validateModel(model, initial);
        validateOptimizer(optimizer);
        MLDESK_CUDA_CHECK(cudaSetDevice(m_device));
        m_main->synchronize();
        m_initialized = false; // until every buffer below exists
        resetGraph();
        m_batchRows = 0;
        m_model = model;
        m_seed = seed;
        m_update.kind = optimizer.kind;
        m_update.lr = optimizer.learningRate;
        m_update.rho = optimizer.rho;
        m_update.beta1 = optimizer.beta1;
        m_update.beta2 = optimizer.beta2;
        m_update.epsilon = optimizer.epsilon;
        m_update.momentum = optimizer.momentum;
        m_update.nesterov = optimizer.nesterov;

        m_layers.clear();
        m_layers.resize(model.layers.size());
        for (std::size_t l = 0; l < model.layers.size(); ++l) {
            const DenseLayer &spec = model.layers[l];
            Layer &L = m_layers[l];
            L.in = initial[l].in;
            L.out = initial[l].out;
            L.act = spec.activation;
            L.hasBias = spec.useBias;
            L.dropout = spec.dropoutRate;
            const std::size_t nW = std::size_t(L.in) * L.out;
            L.w.upload(initial[l].kernel);
            L.dW.resize(nW);
            if (L.hasBias)
                L.b.upload(initial[l].bias);
            const bool twoSlots = optimizer.kind == OptimizerKind::Adam;
            const bool oneSlot = optimizer.kind != OptimizerKind::SGD || optimizer.momentum > 0.0f;
            if (oneSlot) {
                L.sw1.resize(nW);
                L.sw1.zero();
                if (L.hasBias) {
                    L.sb1.resize(L.out);
                    L.sb1.zero();
                }
            }
            if (twoSlots) {
                L.sw2.resize(nW);
                L.sw2.zero();
                if (L.hasBias) {
                    L.sb2.resize(L.out);
                    L.sb2.zero();
                }
            }
            L.side = std::make_unique<Stream>();
            L.sideBlas = std::make_unique<CublasHandle>(L.side->get());
            L.evDZ = std::make_unique<Event>();
            L.evDX = std::make_unique<Event>();
            L.evDone = std::make_unique<Event>();
        }
        m_counter.zero();
        m_fusedReason.clear();
        if (m_options.engine == Engine::Fused) {
            m_fusedReason = fusedUnsupportedReason(model);
            if (m_fusedReason.empty() && fusedGrid() <= 0)
                m_fusedReason = "the device cannot launch cooperative kernels";
            if (!m_fusedReason.empty())
                std::fprintf(stderr,
                             "mldesk-train: the fused CUDA engine does not run this model (%s); using the "
                             "graph engine\n",
                             m_fusedReason.c_str());
        }
        m_initialized = true;
    }

    void setTrainData(const HostData &data) override
    {
        validateData(data, "training data");
        MLDESK_CUDA_CHECK(cudaSetDevice(m_device));
        m_main->synchronize();
        resetGraph();
        m_trainCount = 0; // until both uploads succeed
        m_trainX.upload(data.x, data.count * std::size_t(data.features));
        m_trainY.upload(data.labels, data.count);
        m_trainCount = data.count;
        m_trainFeatures = data.features;
        m_trainClasses = data.classes;
    }

    std::vector<float> trainEpoch(const std::vector<std::uint32_t> &order, int batchSize) override
    {
        if (!m_initialized)
            throw std::logic_error("CUDA backend: trainEpoch() before init()");
        if (m_trainCount == 0)
            throw std::logic_error("CUDA backend: trainEpoch() before setTrainData()");
        if (m_trainFeatures != m_model.inputs || m_trainClasses != m_layers.back().out)
            throw std::invalid_argument("training data (" + std::to_string(m_trainFeatures) + " features, " +
                                        std::to_string(m_trainClasses) + " classes) does not fit the model (" +
                                        std::to_string(m_model.inputs) + " inputs, " +
                                        std::to_string(m_layers.back().out) + " outputs)");
        if (batchSize <= 0)
            throw std::invalid_argument("batch size must be at least 1 (got " + std::to_string(batchSize) + ")");
        if (order.size() != m_trainCount)
            throw std::invalid_argument("CUDA backend: the epoch order has " + std::to_string(order.size()) +
                                        " entries but the training set has " + std::to_string(m_trainCount));
        for (std::uint32_t i : order)
            if (i >= m_trainCount)
                throw std::invalid_argument("CUDA backend: epoch order entry " + std::to_string(i) +
                                            " is out of range [0, " + std::to_string(m_trainCount) + ")");
        MLDESK_CUDA_CHECK(cudaSetDevice(m_device));

        const int batch = int(std::min<std::size_t>(std::size_t(batchSize), m_trainCount));
        const std::size_t steps = (m_trainCount + std::size_t(batch) - 1) / std::size_t(batch);
        const int lastRows = int(m_trainCount - (steps - 1) * std::size_t(batch));
        ensureBatchBuffers(batch);
        prepareLtPlans(batch);
        prepareLtPlans(lastRows);
        if (m_losses.size() < steps) {
            resetGraph(); // the graph writes into m_losses and m_stepCorrect
            m_losses.resize(steps);
            m_stepCorrect.resize(steps);
        }
        if (m_order.size() != m_trainCount) {
            resetGraph();
            m_order.resize(m_trainCount);
        }
        m_orderHost.reserve(m_trainCount);
        m_lossHost.reserve(steps);
        m_correctHost.reserve(steps);
        const cudaStream_t s = m_main->get();
        // The pinned staging buffers are reused: the previous epoch synchronised before returning.
        std::memcpy(m_orderHost.get(), order.data(), order.size() * sizeof(std::uint32_t));
        MLDESK_CUDA_CHECK(cudaMemcpyAsync(m_order.get(), m_orderHost.get(), order.size() * sizeof(std::uint32_t),
                                          cudaMemcpyHostToDevice, s));

        if (m_options.engine == Engine::Fused && m_fusedReason.empty()) {
            launchFused(batch, steps, lastRows);
        } else if (m_options.engine == Engine::Eager) {
            enqueueEpoch(batch, steps, lastRows);
        } else {
            const bool needCapture = !m_graph || m_graphBatch != batch || m_graphCount != m_trainCount;
            if (needCapture && !(m_warmed && m_warmBatch == batch && m_warmCount == m_trainCount)) {
                // Warm-up (issue 13): the first epoch of a new graph runs eagerly, so every kernel, cuBLAS GEMM and
                // cuBLASLt plan of the epoch has been launched once (modules loaded lazily, workspaces sized)
                // before the next epoch captures it. Eager and graph launches are the same work in the same order
                // on the same streams: the results are bit-identical (TestCudaSeedModel checks it).
                enqueueEpoch(batch, steps, lastRows);
                m_warmed = true;
                m_warmBatch = batch;
                m_warmCount = m_trainCount;
                ++m_stats.eagerWarmups;
            } else {
                if (needCapture) {
                    captureEpoch(batch, steps, lastRows);
                    ++m_stats.captures;
                }
                m_graph.launch(s);
                ++m_stats.graphLaunches;
            }
        }
        MLDESK_CUDA_CHECK(
            cudaMemcpyAsync(m_lossHost.get(), m_losses.get(), steps * sizeof(float), cudaMemcpyDeviceToHost, s));
        MLDESK_CUDA_CHECK(cudaMemcpyAsync(m_correctHost.get(), m_stepCorrect.get(), steps * sizeof(std::int32_t),
                                          cudaMemcpyDeviceToHost, s));
        m_main->synchronize();
        std::size_t correct = 0;
        for (std::size_t i = 0; i < steps; ++i)
            correct += std::size_t(m_correctHost.get()[i]);
        m_lastAccuracy = double(correct) / double(m_trainCount);
        return std::vector<float>(m_lossHost.get(), m_lossHost.get() + steps);
    }

    // Keras's training `accuracy` of the last epoch: each step's predictions before that step's update.
    double lastEpochAccuracy() const override { return m_lastAccuracy; }

    GraphStats graphStats() const { return m_stats; }

    EvalResult evaluate(const HostData &data, int batchSize) override
    {
        (void)batchSize; // only the summation order depends on it; large chunks keep the GEMMs efficient
        std::vector<float> rowLoss(data.count);
        std::vector<std::int32_t> rowCorrect(data.count);
        runInference(data, nullptr, rowLoss.data(), rowCorrect.data(), "evaluation data");
        EvalResult r;
        if (data.count == 0)
            return r;
        double loss = 0.0, correct = 0.0;
        for (std::size_t i = 0; i < data.count; ++i) {
            loss += rowLoss[i];
            correct += rowCorrect[i];
        }
        r.loss = loss / double(data.count);
        r.accuracy = correct / double(data.count);
        return r;
    }

    void predict(const HostData &data, float *out) override
    {
        runInference(data, out, nullptr, nullptr, "prediction data");
    }

    Parameters parameters() const override
    {
        if (!m_initialized)
            throw std::logic_error("CUDA backend: parameters() before init()");
        MLDESK_CUDA_CHECK(cudaSetDevice(m_device));
        m_main->synchronize();
        Parameters p(m_layers.size());
        for (std::size_t l = 0; l < m_layers.size(); ++l) {
            p[l].in = m_layers[l].in;
            p[l].out = m_layers[l].out;
            p[l].kernel = m_layers[l].w.download();
            if (m_layers[l].hasBias)
                p[l].bias = m_layers[l].b.download();
        }
        return p;
    }

private:
    static void validateModel(const ModelSpec &model, const Parameters &initial)
    {
        if (model.inputs <= 0)
            throw std::invalid_argument("model input size must be positive (got " + std::to_string(model.inputs) + ")");
        if (model.layers.empty())
            throw std::invalid_argument("the model has no Dense layers");
        if (model.layers.back().activation != Activation::Softmax)
            throw std::invalid_argument("the last layer ('" + model.layers.back().name +
                                        "') must use softmax for categorical cross-entropy, not " +
                                        activationName(model.layers.back().activation));
        if (model.layers.back().dropoutRate > 0.0f)
            throw std::invalid_argument("a Dropout layer after the softmax output layer is not supported");
        if (initial.size() != model.layers.size())
            throw std::invalid_argument("initial parameters for " + std::to_string(initial.size()) +
                                        " layers, but the model has " + std::to_string(model.layers.size()));
        int in = model.inputs;
        for (std::size_t l = 0; l < model.layers.size(); ++l) {
            const DenseLayer &spec = model.layers[l];
            const LayerParams &p = initial[l];
            const std::string what = "layer '" + spec.name + "'";
            if (spec.units <= 0)
                throw std::invalid_argument(what + ": units must be positive");
            if (!(spec.dropoutRate >= 0.0f && spec.dropoutRate < 1.0f))
                throw std::invalid_argument(what + ": dropout rate must be in [0, 1)");
            if (p.in != in || p.out != spec.units || p.kernel.size() != std::size_t(in) * std::size_t(spec.units))
                throw std::invalid_argument(what + ": kernel must be (" + std::to_string(in) + ", " +
                                            std::to_string(spec.units) + "), got (" + std::to_string(p.in) + ", " +
                                            std::to_string(p.out) + ") with " + std::to_string(p.kernel.size()) +
                                            " values");
            if (spec.useBias && p.bias.size() != std::size_t(spec.units))
                throw std::invalid_argument(what + ": bias must have " + std::to_string(spec.units) + " values, got " +
                                            std::to_string(p.bias.size()));
            if (!spec.useBias && !p.bias.empty())
                throw std::invalid_argument(what + ": has use_bias false but bias values were given");
            in = spec.units;
        }
    }

    static void validateOptimizer(const OptimizerSpec &o)
    {
        if (!(o.learningRate >= 0.0f) || !std::isfinite(o.learningRate))
            throw std::invalid_argument("learning rate must be a finite non-negative number");
        if (!(o.epsilon > 0.0f))
            throw std::invalid_argument("optimizer epsilon must be positive");
        if (!(o.momentum >= 0.0f))
            throw std::invalid_argument("SGD momentum must be non-negative");
    }

    void validateData(const HostData &data, const char *what) const
    {
        if (data.count > 0 && (!data.x || !data.labels))
            throw std::invalid_argument(std::string(what) + ": null data pointer");
        if (data.count > std::size_t(0x7fffffff))
            throw std::invalid_argument(std::string(what) + ": more than 2^31-1 samples");
        if (m_initialized) {
            if (data.features != m_model.inputs)
                throw std::invalid_argument(std::string(what) + " has " + std::to_string(data.features) +
                                            " features per sample but the model expects " +
                                            std::to_string(m_model.inputs));
            if (data.classes != m_layers.back().out)
                throw std::invalid_argument(std::string(what) + " has " + std::to_string(data.classes) +
                                            " classes but the output layer has " + std::to_string(m_layers.back().out) +
                                            " units");
        }
        for (std::size_t i = 0; i < data.count; ++i)
            if (data.labels[i] < 0 || data.labels[i] >= data.classes)
                throw std::invalid_argument(std::string(what) + ": label " + std::to_string(data.labels[i]) +
                                            " of sample " + std::to_string(i) + " is outside [0, " +
                                            std::to_string(data.classes) + ")");
    }

    void ensureBatchBuffers(int batch)
    {
        if (batch == m_batchRows)
            return;
        m_main->synchronize();
        resetGraph();
        m_xb.resize(std::size_t(batch) * m_model.inputs);
        m_yb.resize(std::size_t(batch));
        for (Layer &L : m_layers) {
            const std::size_t n = std::size_t(batch) * L.out;
            L.y.resize(n);
            L.dZ.resize(n);
            L.dA.resize(n);
            L.drop.resize(L.dropout > 0.0f ? n : 0);
            L.ltPlans.clear();
        }
        m_batchRows = batch;
    }

    void prepareLtPlans(int rows)
    {
        if (!m_options.useLt)
            return;
        for (std::size_t l = 0; l < m_layers.size(); ++l) {
            Layer &L = m_layers[l];
            if (L.ltPlans.count(rows))
                continue;
            const bool last = l + 1 == m_layers.size();
            const bool relu = !last && L.act == Activation::Relu;
            L.ltPlans[rows] = LtDenseForward::create(m_lt->get(), rows, L.in, L.out, L.hasBias ? L.b.get() : nullptr,
                                                     relu, kLtWorkspaceBytes);
        }
    }

    const float *layerInput(std::size_t l) const
    {
        if (l == 0)
            return m_xb.get();
        const Layer &P = m_layers[l - 1];
        return P.dropout > 0.0f ? P.drop.get() : P.y.get();
    }

    // Forward of layer l over `rows` rows of the batch buffers (training: dropout on).
    void forwardLayer(std::size_t l, int rows, cudaStream_t s)
    {
        Layer &L = m_layers[l];
        const bool last = l + 1 == m_layers.size();
        const float *x = layerInput(l);
        auto it = L.ltPlans.find(rows);
        if (m_options.useLt && it != L.ltPlans.end() && it->second) {
            it->second->run(m_lt->get(), x, L.w.get(), L.y.get(), m_ltWorkspace.get(), m_ltWorkspace.size(), s);
            // The epilogue applied bias (+ReLU); other hidden activations follow as a kernel.
            if (!last && L.act == Activation::Softmax)
                launchSoftmaxRows(L.y.get(), rows, L.out, s);
            else if (!last && L.act != Activation::Relu && L.act != Activation::Linear)
                launchBiasActivation(L.y.get(), nullptr, rows, L.out, L.act, s);
        } else {
            gemmForward(m_blas->get(), x, L.w.get(), L.y.get(), rows, L.in, L.out);
            const Activation act = (last || L.act == Activation::Softmax) ? Activation::Linear : L.act;
            if (L.hasBias || act != Activation::Linear)
                launchBiasActivation(L.y.get(), L.hasBias ? L.b.get() : nullptr, rows, L.out, act, s);
            if (!last && L.act == Activation::Softmax)
                launchSoftmaxRows(L.y.get(), rows, L.out, s);
        }
        if (L.dropout > 0.0f)
            launchDropoutForward(L.y.get(), L.drop.get(), std::size_t(rows) * L.out, L.dropout, m_seed, m_counter.get(),
                                 int(l), s);
    }

    // One training step over rows [start, start + rows) of the epoch order; its mean loss goes to m_losses[step].
    void enqueueStep(std::size_t start, int rows, std::size_t step)
    {
        const cudaStream_t s = m_main->get();
        launchGather(m_trainX.get(), m_trainY.get(), m_order.get(), start, rows, m_model.inputs, m_xb.get(), m_yb.get(),
                     m_counter.get(), s);
        for (std::size_t l = 0; l < m_layers.size(); ++l)
            forwardLayer(l, rows, s);
        Layer &out = m_layers.back();
        launchSoftmaxXentGrad(out.y.get(), m_yb.get(), rows, out.out, out.dZ.get(), m_losses.get() + step,
                              m_stepCorrect.get() + step, s);
        MLDESK_CUDA_CHECK(cudaEventRecord(out.evDZ->get(), s));
        for (std::size_t l = m_layers.size(); l-- > 0;) {
            Layer &L = m_layers[l];
            const cudaStream_t side = L.side->get();
            // side: dW = x^T dZ, in parallel with the dX chain on the main stream
            MLDESK_CUDA_CHECK(cudaStreamWaitEvent(side, L.evDZ->get(), 0));
            gemmWeightGrad(L.sideBlas->get(), layerInput(l), L.dZ.get(), L.dW.get(), rows, L.in, L.out);
            if (l > 0) {
                Layer &P = m_layers[l - 1];
                // main: dA_prev = dZ W^T (reads W before this layer's update, which waits for it below)
                gemmInputGrad(m_blas->get(), L.dZ.get(), L.w.get(), P.dA.get(), rows, L.in, L.out);
                MLDESK_CUDA_CHECK(cudaEventRecord(L.evDX->get(), s));
                MLDESK_CUDA_CHECK(cudaStreamWaitEvent(side, L.evDX->get(), 0));
            }
            launchOptimizerUpdate(m_update, L.w.get(), L.dW.get(), L.sw1.get(), L.sw2.get(), std::size_t(L.in) * L.out,
                                  L.hasBias ? L.b.get() : nullptr, L.dZ.get(), rows, L.sb1.get(), L.sb2.get(),
                                  L.hasBias ? L.out : 0, m_counter.get(), side);
            MLDESK_CUDA_CHECK(cudaEventRecord(L.evDone->get(), side));
            if (l > 0) {
                Layer &P = m_layers[l - 1];
                launchActivationBackward(P.dA.get(), P.y.get(), P.dZ.get(), rows, P.out, P.act, P.dropout, m_seed,
                                         m_counter.get(), int(l - 1), s);
                MLDESK_CUDA_CHECK(cudaEventRecord(P.evDZ->get(), s));
            }
        }
        for (Layer &L : m_layers) // join: the next step reads the updated weights and overwrites the buffers
            MLDESK_CUDA_CHECK(cudaStreamWaitEvent(s, L.evDone->get(), 0));
    }

    void enqueueEpoch(int batch, std::size_t steps, int lastRows)
    {
        for (std::size_t step = 0; step < steps; ++step)
            enqueueStep(step * std::size_t(batch), step + 1 == steps ? lastRows : batch, step);
    }

    int fusedGrid()
    {
        if (m_fusedGrid < 0)
            m_fusedGrid = fusedGridSize(m_device);
        return m_fusedGrid;
    }

    void launchFused(int batch, std::size_t steps, int lastRows)
    {
        m_rowLoss.reserve(std::size_t(batch));
        m_rowCorrect.reserve(std::size_t(batch));
        FusedArgs a;
        a.x = m_trainX.get();
        a.y = m_trainY.get();
        a.order = m_order.get();
        a.features = m_model.inputs;
        a.batch = batch;
        a.steps = int(steps);
        a.lastRows = lastRows;
        a.numLayers = int(m_layers.size());
        for (std::size_t l = 0; l < m_layers.size(); ++l) {
            Layer &L = m_layers[l];
            FusedLayer &f = a.layers[l];
            f.w = L.w.get();
            f.b = L.hasBias ? L.b.get() : nullptr;
            f.sw1 = L.sw1.get();
            f.sw2 = L.sw2.get();
            f.sb1 = L.sb1.get();
            f.sb2 = L.sb2.get();
            f.z = L.y.get();
            f.dz = L.dZ.get();
            f.in = L.in;
            f.out = L.out;
        }
        a.rowLoss = m_rowLoss.get();
        a.rowCorrect = m_rowCorrect.get();
        a.losses = m_losses.get();
        a.stepCorrect = m_stepCorrect.get();
        a.counter = m_counter.get();
        a.opt = m_update;
        launchFusedEpoch(a, fusedGrid(), m_main->get());
    }

    // Drops the epoch graph; the next epoch that needs one first runs eagerly again (the warm-up).
    void resetGraph()
    {
        m_graph.reset();
        m_warmed = false;
    }

    void captureEpoch(int batch, std::size_t steps, int lastRows)
    {
        m_graph.reset();
        const cudaStream_t s = m_main->get();
        MLDESK_CUDA_CHECK(cudaStreamBeginCapture(s, cudaStreamCaptureModeThreadLocal));
        cudaGraph_t graph = nullptr;
        try {
            enqueueEpoch(batch, steps, lastRows);
        } catch (...) {
            (void)cudaStreamEndCapture(s, &graph); // leave the stream usable
            if (graph)
                (void)cudaGraphDestroy(graph);
            (void)cudaGetLastError();
            throw;
        }
        MLDESK_CUDA_CHECK(cudaStreamEndCapture(s, &graph));
        try {
            m_graph.instantiate(graph);
        } catch (...) {
            (void)cudaGraphDestroy(graph);
            throw;
        }
        (void)cudaGraphDestroy(graph);
        m_graphBatch = batch;
        m_graphCount = m_trainCount;
    }

    // Inference in chunks with cublasSgemm: probs to `probsOut` (count, classes) when not null, else per-row loss
    // and correctness to rowLoss / rowCorrect.
    void runInference(const HostData &data, float *probsOut, float *rowLoss, std::int32_t *rowCorrect, const char *what)
    {
        if (!m_initialized)
            throw std::logic_error("CUDA backend: inference before init()");
        if (data.count > 0 && !data.x)
            throw std::invalid_argument(std::string(what) + ": null data pointer");
        if (data.features != m_model.inputs)
            throw std::invalid_argument(std::string(what) + " has " + std::to_string(data.features) +
                                        " features per sample but the model expects " + std::to_string(m_model.inputs));
        if (rowLoss)
            validateData(data, what);
        if (data.count == 0)
            return;
        MLDESK_CUDA_CHECK(cudaSetDevice(m_device));
        const cudaStream_t s = m_main->get();
        const int chunk = int(std::min<std::size_t>(data.count, kEvalChunk));
        int widest = m_model.inputs;
        for (const Layer &L : m_layers)
            widest = std::max(widest, L.out);
        m_evalA.reserve(std::size_t(chunk) * widest);
        m_evalB.reserve(std::size_t(chunk) * widest);
        m_evalLabels.reserve(std::size_t(chunk));
        m_evalLoss.reserve(std::size_t(chunk));
        m_evalCorrect.reserve(std::size_t(chunk));
        const int classes = m_layers.back().out;
        // Data the caller marks resident (HostData::residentKey, e.g. the test set evaluated every epoch) is
        // uploaded once and read in place afterwards; anything else is staged chunk by chunk through m_evalA.
        const bool resident = data.residentKey != 0 && data.labels != nullptr;
        if (resident && (data.residentKey != m_residentKey || data.count != m_residentCount)) {
            m_residentKey = 0;
            m_residentX.upload(data.x, data.count * std::size_t(data.features));
            if (data.labels)
                m_residentY.upload(data.labels, data.count);
            m_residentKey = data.residentKey;
            m_residentCount = data.count;
        }
        float *const buffers[2] = {m_evalA.get(), m_evalB.get()};
        for (std::size_t start = 0; start < data.count; start += std::size_t(chunk)) {
            const int rows = int(std::min<std::size_t>(std::size_t(chunk), data.count - start));
            const float *input = nullptr;
            int nextBuffer = 0; // the buffer the next layer writes: never the one it reads
            if (resident) {
                input = m_residentX.get() + start * std::size_t(data.features);
            } else {
                MLDESK_CUDA_CHECK(cudaMemcpyAsync(m_evalA.get(), data.x + start * std::size_t(data.features),
                                                  std::size_t(rows) * data.features * sizeof(float),
                                                  cudaMemcpyHostToDevice, s));
                input = m_evalA.get();
                nextBuffer = 1;
            }
            const float *in = input;
            float *cur = nullptr;
            for (std::size_t l = 0; l < m_layers.size(); ++l) {
                const Layer &L = m_layers[l];
                const bool last = l + 1 == m_layers.size();
                float *next = buffers[nextBuffer];
                nextBuffer ^= 1;
                gemmForward(m_blas->get(), in, L.w.get(), next, rows, L.in, L.out);
                const Activation act = (last || L.act == Activation::Softmax) ? Activation::Linear : L.act;
                if (L.hasBias || act != Activation::Linear)
                    launchBiasActivation(next, L.hasBias ? L.b.get() : nullptr, rows, L.out, act, s);
                if (!last && L.act == Activation::Softmax)
                    launchSoftmaxRows(next, rows, L.out, s);
                in = next;
                cur = next;
            }
            // cur: logits (rows, classes)
            if (rowLoss) {
                const std::int32_t *labels = nullptr;
                if (resident) {
                    labels = m_residentY.get() + start;
                } else {
                    MLDESK_CUDA_CHECK(cudaMemcpyAsync(m_evalLabels.get(), data.labels + start,
                                                      std::size_t(rows) * sizeof(std::int32_t), cudaMemcpyHostToDevice,
                                                      s));
                    labels = m_evalLabels.get();
                }
                launchSoftmaxEval(cur, labels, rows, classes, cur, m_evalLoss.get(), m_evalCorrect.get(), s);
                MLDESK_CUDA_CHECK(cudaMemcpyAsync(rowLoss + start, m_evalLoss.get(), std::size_t(rows) * sizeof(float),
                                                  cudaMemcpyDeviceToHost, s));
                MLDESK_CUDA_CHECK(cudaMemcpyAsync(rowCorrect + start, m_evalCorrect.get(),
                                                  std::size_t(rows) * sizeof(std::int32_t), cudaMemcpyDeviceToHost, s));
            } else {
                launchSoftmaxEval(cur, nullptr, rows, classes, cur, nullptr, nullptr, s);
                MLDESK_CUDA_CHECK(cudaMemcpyAsync(probsOut + start * std::size_t(classes), cur,
                                                  std::size_t(rows) * classes * sizeof(float), cudaMemcpyDeviceToHost,
                                                  s));
            }
            // The next chunk overwrites m_evalA: wait (pageable copies are staged, so this also keeps host
            // buffers valid for the copies above).
            m_main->synchronize();
        }
    }

    int m_device;
    CudaOptions m_options;
    std::string m_name;
    std::unique_ptr<Stream> m_main;
    std::unique_ptr<CublasHandle> m_blas;
    std::unique_ptr<LtHandle> m_lt;
    DeviceBuffer<unsigned char> m_ltWorkspace;

    bool m_initialized = false;
    ModelSpec m_model;
    UpdateParams m_update;
    std::uint64_t m_seed = 0;
    std::vector<Layer> m_layers;
    DeviceBuffer<unsigned long long> m_counter; // training steps taken (Adam's t, dropout masks)

    DeviceBuffer<float> m_trainX;        // (count, features)
    DeviceBuffer<std::int32_t> m_trainY; // (count)
    std::size_t m_trainCount = 0;
    int m_trainFeatures = 0, m_trainClasses = 0;
    DeviceBuffer<std::uint32_t> m_order;
    PinnedBuffer<std::uint32_t> m_orderHost;
    DeviceBuffer<float> m_losses;             // one per step of the epoch
    DeviceBuffer<std::int32_t> m_stepCorrect; // one per step of the epoch
    PinnedBuffer<float> m_lossHost;
    PinnedBuffer<std::int32_t> m_correctHost;
    double m_lastAccuracy = -1.0;
    DeviceBuffer<float> m_xb;        // (batch, features)
    DeviceBuffer<std::int32_t> m_yb; // (batch)
    int m_batchRows = 0;

    std::string m_fusedReason; // why the fused engine does not run the current model (empty: it does)
    int m_fusedGrid = -1;      // blocks of the fused kernel's grid; -1 = not computed yet
    DeviceBuffer<float> m_rowLoss;
    DeviceBuffer<std::int32_t> m_rowCorrect;

    GraphExec m_graph;
    int m_graphBatch = 0;
    std::size_t m_graphCount = 0;
    bool m_warmed = false; // an eager epoch of (m_warmBatch, m_warmCount) ran since the graph was last dropped
    int m_warmBatch = 0;
    std::size_t m_warmCount = 0;
    GraphStats m_stats;

    DeviceBuffer<float> m_evalA, m_evalB;
    DeviceBuffer<float> m_residentX;        // (m_residentCount, features): evaluation data kept on the device
    DeviceBuffer<std::int32_t> m_residentY; // (m_residentCount)
    std::uint64_t m_residentKey = 0;        // HostData::residentKey of what m_residentX holds; 0 = nothing
    std::size_t m_residentCount = 0;
    DeviceBuffer<std::int32_t> m_evalLabels, m_evalCorrect;
    DeviceBuffer<float> m_evalLoss;
};

} // namespace

std::string engineName(Engine engine)
{
    switch (engine) {
    case Engine::Graph:
        return "graph";
    case Engine::Eager:
        return "eager";
    case Engine::Fused:
        return "fused";
    }
    return "?";
}

CudaOptions cudaOptionsFromEnvironment()
{
    CudaOptions o;
    if (const char *e = std::getenv("MLDESK_CUDA_ENGINE"); e && *e) {
        const std::string v = e;
        // auto = graph: the graph engine is built from cuBLAS and small kernels each checked against a reference,
        // while the fused engine's hand-written tiled phases have not yet run on a GPU (flip on measured evidence).
        if (v == "auto" || v == "graph")
            o.engine = Engine::Graph;
        else if (v == "eager")
            o.engine = Engine::Eager;
        else if (v == "fused")
            o.engine = Engine::Fused;
        else
            throw std::runtime_error("MLDESK_CUDA_ENGINE='" + v + "' is not one of auto, graph, eager, fused");
    }
    if (const char *e = std::getenv("MLDESK_CUDA_LT"); e && *e) {
        const std::string v = e;
        if (v == "0")
            o.useLt = false;
        else if (v == "1")
            o.useLt = true;
        else
            throw std::runtime_error("MLDESK_CUDA_LT='" + v + "' must be 0 or 1");
    }
    return o;
}

GraphStats graphStats(const Backend &backend)
{
    const auto *b = dynamic_cast<const CudaBackend *>(&backend);
    if (!b)
        throw std::invalid_argument("graphStats: not a CUDA backend");
    return b->graphStats();
}

std::unique_ptr<Backend> makeCudaBackendWithOptions(int device, const CudaOptions &options)
{
    const std::vector<DeviceInfo> devices = visibleDevices();
    if (devices.empty())
        throw std::runtime_error("no CUDA device is available (no GPU visible to the CUDA runtime, or no driver); "
                                 "use --device cpu");
    if (device < 0 || std::size_t(device) >= devices.size())
        throw std::runtime_error("CUDA device " + std::to_string(device) +
                                 " is out of range: " + std::to_string(devices.size()) + " device(s) visible (0.." +
                                 std::to_string(devices.size() - 1) + ")");
    return std::make_unique<CudaBackend>(device, options);
}

} // namespace mldesk::gpu::cuda
