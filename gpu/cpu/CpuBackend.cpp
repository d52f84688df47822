// CPU backend. One training step is two fork-join loops over fixed chunks:
//   1. one chunk per thread: a contiguous slice of the batch's rows goes through gather, forward, softmax +
//      cross-entropy and the whole backward pass of activations (dZ of every layer) - rows are independent, so no
//      barrier is needed until weight gradients, which sum over the batch;
//   2. chunks of 64 weight rows of each layer (and each layer's bias): the weight gradient of those rows
//      (dW = A^T dZ, kept in cache) and the optimizer update at once.
// Chunk boundaries are fixed (region 1 by the thread count, region 2 not at all) and every sum runs in a fixed
// order, so a seed reproduces bits whichever thread happens to take a chunk.
#include "CpuBackend.h"

#include "CpuKernels.h"
#include "Gemm.h"
#include "mldesk/gpu/Random.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <thread>

namespace mldesk::gpu::cpu {

namespace {
constexpr int kGradChunkRows = 64; // weight-gradient rows computed and applied at a time (64 x 300 floats = 75 KB)
constexpr int kEvalBlock = 256;    // rows per evaluation block

// [begin, end) of part `t` of `n` items split into `parts` near-equal contiguous pieces.
inline int partBegin(int n, int parts, int t)
{
    return int((long long)n * t / parts);
}
} // namespace

CpuBackend::CpuBackend(int threads)
{
    if (threads <= 0)
        threads = int(std::max(1u, std::thread::hardware_concurrency()));
    threads = std::min(threads, 256);
    gemmInitSingleThreaded();
    m_pool = std::make_unique<ThreadPool>(threads);
    for (int i = 0; i < 256; ++i)
        m_byteToFloat[i] = float(double(i) / 255.0); // as numpy's x / 255.0 then float32
}

std::string CpuBackend::name() const
{
    return "cpu (" + gemmName() + ", " + std::to_string(m_pool->size()) + " thread" + (m_pool->size() == 1 ? "" : "s") +
           ")";
}

void CpuBackend::init(const ModelSpec &model, const OptimizerSpec &optimizer, const Parameters &initial,
                      std::uint64_t seed)
{
    if (model.layers.empty() || initial.size() != model.layers.size())
        throw std::invalid_argument("CpuBackend::init: the parameters do not match the model");
    m_model = model;
    m_opt = optimizer;
    m_seed = seed;
    m_step = 0;
    m_layers.clear();
    int in = model.inputs;
    for (std::size_t i = 0; i < model.layers.size(); ++i) {
        const DenseLayer &d = model.layers[i];
        const LayerParams &p = initial[i];
        if (p.in != in || p.out != d.units || p.kernel.size() != std::size_t(in) * d.units ||
            (d.useBias && p.bias.size() != std::size_t(d.units)))
            throw std::invalid_argument("CpuBackend::init: parameters of layer '" + d.name + "' have the wrong shape");
        Layer l;
        l.in = in;
        l.out = d.units;
        l.act = d.activation;
        l.useBias = d.useBias;
        l.dropRate = d.dropoutRate;
        l.w = p.kernel;
        l.b = d.useBias ? p.bias : std::vector<float>();
        const bool twoSlots = optimizer.kind == OptimizerKind::Adam;
        const bool oneSlot = optimizer.kind != OptimizerKind::SGD || optimizer.momentum != 0.0f;
        if (oneSlot) {
            l.slot1w.assign(l.w.size(), 0.0f);
            l.slot1b.assign(l.b.size(), 0.0f);
        }
        if (twoSlots) {
            l.slot2w.assign(l.w.size(), 0.0f);
            l.slot2b.assign(l.b.size(), 0.0f);
        }
        m_layers.push_back(std::move(l));
        in = d.units;
    }
    m_features = model.inputs;
    m_classes = model.layers.back().units;
    m_batchCapacity = 0;
    m_gradScratch.assign(std::size_t(m_pool->size()), {});
    m_correct.assign(std::size_t(m_pool->size()), 0);
    m_gradChunks.clear();
    for (int li = 0; li < int(m_layers.size()); ++li) {
        // The big first layer is split first so its chunks start early and the small ones fill the gaps.
        for (int r = 0; r < m_layers[std::size_t(li)].in; r += kGradChunkRows)
            m_gradChunks.push_back({li, r, std::min(kGradChunkRows, m_layers[std::size_t(li)].in - r)});
        if (m_layers[std::size_t(li)].useBias)
            m_gradChunks.push_back({li, 0, 0});
    }
}

void CpuBackend::setTrainData(const HostData &data)
{
    if (data.features != m_features)
        throw std::invalid_argument("CpuBackend::setTrainData: data has " + std::to_string(data.features) +
                                    " features, the model expects " + std::to_string(m_features));
    const std::size_t n = data.count * std::size_t(data.features);
    m_trainCount = data.count;
    m_trainLabels.assign(data.labels, data.labels + data.count);
    for (std::int32_t label : m_trainLabels)
        if (label < 0 || label >= m_classes)
            throw std::invalid_argument("CpuBackend::setTrainData: label " + std::to_string(label) +
                                        " is outside the model's classes");
    // Exactly representable as k / 255 (images scaled from bytes)? Then store the byte: lossless and 4x smaller.
    m_trainBytes.clear();
    m_trainFloats.clear();
    m_trainBytes.resize(n);
    bool bytes = true;
    for (std::size_t i = 0; i < n && bytes; ++i) {
        const float v = data.x[i];
        if (!(v >= 0.0f && v <= 1.0f)) {
            bytes = false;
            break;
        }
        const auto k = std::uint8_t(v * 255.0f + 0.5f);
        bytes = m_byteToFloat[k] == v;
        m_trainBytes[i] = k;
    }
    if (!bytes) {
        m_trainBytes.clear();
        m_trainFloats.assign(data.x, data.x + n);
    }
    m_trainBytes.shrink_to_fit();
    m_trainFloats.shrink_to_fit();
}

void CpuBackend::allocateBatch(int batchSize)
{
    if (batchSize <= m_batchCapacity)
        return;
    m_batchCapacity = batchSize;
    const std::size_t b = std::size_t(batchSize);
    m_x.assign(b * std::size_t(m_features), 0.0f);
    m_labels.assign(b, 0);
    m_loss.assign(b, 0.0f);
    for (Layer &l : m_layers) {
        l.h.assign(b * std::size_t(l.out), 0.0f);
        l.dz.assign(b * std::size_t(l.out), 0.0f);
        if (l.dropRate > 0.0f) {
            l.a.assign(b * std::size_t(l.out), 0.0f);
            l.keep.assign(b * std::size_t(l.out), 0.0f);
        }
    }
    int widest = 1;
    for (const Layer &l : m_layers)
        widest = std::max(widest, l.out);
    for (auto &s : m_gradScratch)
        s.assign(std::size_t(kGradChunkRows) * std::size_t(widest), 0.0f);
}

void CpuBackend::gatherRows(const std::uint32_t *indices, int rows, float *dst) const
{
    const std::size_t f = std::size_t(m_features);
    for (int r = 0; r < rows; ++r) {
        const std::size_t src = std::size_t(indices[r]) * f;
        float *out = dst + std::size_t(r) * f;
        if (!m_trainBytes.empty()) {
            const std::uint8_t *in = m_trainBytes.data() + src;
            for (std::size_t c = 0; c < f; ++c)
                out[c] = m_byteToFloat[in[c]];
        } else {
            std::copy(m_trainFloats.begin() + std::ptrdiff_t(src), m_trainFloats.begin() + std::ptrdiff_t(src + f),
                      out);
        }
    }
}

// Region 1 for rows [r0, r1) of a batch of `batch` rows whose sample indices are `indices`.
void CpuBackend::forwardBackwardRows(const std::uint32_t *indices, int r0, int r1, int batch, int chunk)
{
    const int rows = r1 - r0;
    m_correct[std::size_t(chunk)] = 0;
    if (rows <= 0)
        return;
    gatherRows(indices + r0, rows, m_x.data() + std::size_t(r0) * m_features);
    for (int r = r0; r < r1; ++r)
        m_labels[std::size_t(r)] = m_trainLabels[indices[r]];

    const float *input = m_x.data();
    int in = m_features;
    for (std::size_t li = 0; li < m_layers.size(); ++li) {
        Layer &l = m_layers[li];
        float *h = l.h.data() + std::size_t(r0) * l.out;
        // (rows, in) x (in, out) -> (rows, out)
        sgemm(false, false, rows, l.out, in, 1.0f, input + std::size_t(r0) * in, in, l.w.data(), l.out, 0.0f, h, l.out);
        const float *bias = l.useBias ? l.b.data() : nullptr;
        if (l.act == Activation::Softmax) {
            if (li + 1 == m_layers.size()) // the output layer: softmax, loss and its gradient from the logits
                m_correct[std::size_t(chunk)] =
                    softmaxCrossEntropy(h, bias, m_labels.data() + r0, rows, l.out, m_loss.data() + r0,
                                        l.dz.data() + std::size_t(r0) * l.out, 1.0f / float(batch));
            else
                softmaxRows(h, rows, l.out, bias);
        } else {
            biasActivation(h, rows, l.out, l.out, bias, l.act);
        }
        if (l.dropRate > 0.0f) {
            const float scale = 1.0f / (1.0f - l.dropRate);
            for (int r = r0; r < r1; ++r)
                for (int c = 0; c < l.out; ++c) {
                    const std::size_t i = std::size_t(r) * l.out + std::size_t(c);
                    l.keep[i] = dropoutKeep(m_seed, m_step, std::uint32_t(li), i, l.dropRate) ? scale : 0.0f;
                    l.a[i] = l.h[i] * l.keep[i];
                }
        }
        input = l.output();
        in = l.out;
    }

    for (std::size_t li = m_layers.size() - 1; li > 0; --li) {
        const Layer &l = m_layers[li];
        Layer &prev = m_layers[li - 1];
        float *dprev = prev.dz.data() + std::size_t(r0) * prev.out;
        // (rows, out) x (out, in) -> (rows, in): dA of the layer below, through W^T
        sgemm(false, true, rows, l.in, l.out, 1.0f, l.dz.data() + std::size_t(r0) * l.out, l.out, l.w.data(), l.out,
              0.0f, dprev, prev.out);
        if (prev.dropRate > 0.0f) {
            const float *keep = prev.keep.data() + std::size_t(r0) * prev.out;
            for (std::size_t i = 0; i < std::size_t(rows) * prev.out; ++i)
                dprev[i] *= keep[i];
        }
        activationBackward(dprev, prev.h.data() + std::size_t(r0) * prev.out, rows, prev.out, prev.out, prev.act);
    }
}

void CpuBackend::update(float *w, const float *g, float *s1, float *s2, std::size_t n) const
{
    switch (m_opt.kind) {
    case OptimizerKind::RMSprop:
        rmspropUpdate(w, g, s1, n, m_opt.learningRate, m_opt.rho, m_opt.epsilon);
        break;
    case OptimizerKind::Adam: {
        // Keras 3: alpha = lr * sqrt(1 - beta2^t) / (1 - beta1^t), t = iterations + 1 (m_step is already t).
        const double t = double(m_step);
        const float alpha = float(double(m_opt.learningRate) * std::sqrt(1.0 - std::pow(double(m_opt.beta2), t)) /
                                  (1.0 - std::pow(double(m_opt.beta1), t)));
        adamUpdate(w, g, s1, s2, n, alpha, m_opt.beta1, m_opt.beta2, m_opt.epsilon);
        break;
    }
    case OptimizerKind::SGD:
        sgdUpdate(w, g, s1, n, m_opt.learningRate, m_opt.momentum, m_opt.nesterov);
        break;
    }
}

// Region 2, one chunk: weight rows [row0, row0 + rows) of one layer, or its bias: gradient, then update.
void CpuBackend::updateChunk(int chunk, int thread)
{
    const GradChunk &c = m_gradChunks[std::size_t(chunk)];
    Layer &l = m_layers[std::size_t(c.layer)];
    float *scratch = m_gradScratch[std::size_t(thread)].data();
    if (c.rows > 0) {
        const float *input = c.layer == 0 ? m_x.data() : m_layers[std::size_t(c.layer) - 1].output();
        // (rows, batch) = A[:, row0:row0+rows]^T, times dZ (batch, out) -> dW rows (rows, out)
        sgemm(true, false, c.rows, l.out, m_batch, 1.0f, input + c.row0, l.in, l.dz.data(), l.out, 0.0f, scratch,
              l.out);
        const std::size_t off = std::size_t(c.row0) * l.out, n = std::size_t(c.rows) * l.out;
        update(l.w.data() + off, scratch, l.slot1w.empty() ? nullptr : l.slot1w.data() + off,
               l.slot2w.empty() ? nullptr : l.slot2w.data() + off, n);
        return;
    }
    float *gb = scratch; // column sums of dZ over the batch, in row order
    std::fill(gb, gb + l.out, 0.0f);
    for (int r = 0; r < m_batch; ++r) {
        const float *row = l.dz.data() + std::size_t(r) * l.out;
        for (int j = 0; j < l.out; ++j)
            gb[j] += row[j];
    }
    update(l.b.data(), gb, l.slot1b.empty() ? nullptr : l.slot1b.data(), l.slot2b.empty() ? nullptr : l.slot2b.data(),
           std::size_t(l.out));
}

std::vector<float> CpuBackend::trainEpoch(const std::vector<std::uint32_t> &order, int batchSize)
{
    if (m_layers.empty())
        throw std::logic_error("CpuBackend::trainEpoch before init");
    if (batchSize <= 0)
        throw std::invalid_argument("CpuBackend::trainEpoch: batch size must be positive");
    for (std::uint32_t i : order)
        if (i >= m_trainCount)
            throw std::invalid_argument("CpuBackend::trainEpoch: sample index out of range");
    allocateBatch(std::min<int>(batchSize, int(std::max<std::size_t>(order.size(), 1))));
    std::vector<float> losses;
    losses.reserve((order.size() + std::size_t(batchSize) - 1) / std::size_t(batchSize));
    const int parts = m_pool->size();
    std::size_t correct = 0;
    for (std::size_t start = 0; start < order.size(); start += std::size_t(batchSize)) {
        const int batch = int(std::min<std::size_t>(std::size_t(batchSize), order.size() - start));
        const std::uint32_t *indices = order.data() + start;
        m_batch = batch;
        ++m_step;
        m_pool->run(parts, [&](int c, int) {
            forwardBackwardRows(indices, partBegin(batch, parts, c), partBegin(batch, parts, c + 1), batch, c);
        });
        m_pool->run(int(m_gradChunks.size()), [&](int c, int t) { updateChunk(c, t); });
        double sum = 0.0;
        for (int r = 0; r < batch; ++r)
            sum += m_loss[std::size_t(r)];
        losses.push_back(float(sum / batch));
        for (int c : m_correct)
            correct += std::size_t(c);
    }
    m_lastAccuracy = order.empty() ? -1.0 : double(correct) / double(order.size());
    return losses;
}

// Inference over `data` in blocks of kEvalBlock rows, one chunk each. Writes softmax outputs when
// `probabilities` is given, and each block's summed loss / correct count when labels are given.
void CpuBackend::evaluateBlocks(const HostData &data, float *probabilities, double *blockLoss, int *blockCorrect)
{
    if (m_layers.empty())
        throw std::logic_error("CpuBackend: evaluate/predict before init");
    if (data.features != m_features)
        throw std::invalid_argument("CpuBackend: data has " + std::to_string(data.features) +
                                    " features, the model expects " + std::to_string(m_features));
    int widest = 1;
    for (const Layer &l : m_layers)
        widest = std::max(widest, l.out);
    const std::size_t blockFloats = std::size_t(kEvalBlock) * std::size_t(widest);
    m_evalScratch.resize(std::size_t(m_pool->size()));
    for (auto &s : m_evalScratch)
        if (s.size() < 2 * blockFloats + kEvalBlock)
            s.assign(2 * blockFloats + kEvalBlock, 0.0f);
    const std::size_t blocks = (data.count + kEvalBlock - 1) / kEvalBlock;
    if (blocks > 65535)
        throw std::invalid_argument("CpuBackend: more than 16 million samples in one evaluation");
    m_pool->run(int(blocks), [&](int chunk, int t) {
        float *buf[2] = {m_evalScratch[std::size_t(t)].data(), m_evalScratch[std::size_t(t)].data() + blockFloats};
        float *loss = buf[1] + blockFloats;
        {
            const std::size_t b = std::size_t(chunk);
            const std::size_t row0 = b * kEvalBlock;
            const int rows = int(std::min<std::size_t>(kEvalBlock, data.count - row0));
            const float *input = data.x + row0 * std::size_t(data.features);
            int in = data.features;
            int which = 0;
            for (std::size_t li = 0; li < m_layers.size(); ++li) {
                const Layer &l = m_layers[li];
                float *h = buf[which];
                sgemm(false, false, rows, l.out, in, 1.0f, input, in, l.w.data(), l.out, 0.0f, h, l.out);
                const float *bias = l.useBias ? l.b.data() : nullptr;
                if (l.act == Activation::Softmax && blockLoss && li + 1 == m_layers.size())
                    blockCorrect[b] =
                        softmaxCrossEntropy(h, bias, data.labels + row0, rows, l.out, loss, nullptr, 0.0f);
                else if (l.act == Activation::Softmax)
                    softmaxRows(h, rows, l.out, bias);
                else
                    biasActivation(h, rows, l.out, l.out, bias, l.act);
                input = h;
                in = l.out;
                which ^= 1;
            }
            if (probabilities)
                std::copy(input, input + std::size_t(rows) * m_classes, probabilities + row0 * m_classes);
            if (blockLoss) {
                double sum = 0.0;
                for (int r = 0; r < rows; ++r)
                    sum += loss[r];
                blockLoss[b] = sum;
            }
        }
    });
}

EvalResult CpuBackend::evaluate(const HostData &data, int)
{
    EvalResult result;
    if (data.count == 0)
        return result;
    for (std::size_t i = 0; i < data.count; ++i)
        if (data.labels[i] < 0 || data.labels[i] >= m_classes)
            throw std::invalid_argument("CpuBackend::evaluate: label outside the model's classes");
    const std::size_t blocks = (data.count + kEvalBlock - 1) / kEvalBlock;
    std::vector<double> blockLoss(blocks, 0.0);
    std::vector<int> blockCorrect(blocks, 0);
    evaluateBlocks(data, nullptr, blockLoss.data(), blockCorrect.data());
    double loss = 0.0;
    std::size_t correct = 0;
    for (std::size_t b = 0; b < blocks; ++b) {
        loss += blockLoss[b];
        correct += std::size_t(blockCorrect[b]);
    }
    result.loss = loss / double(data.count);
    result.accuracy = double(correct) / double(data.count);
    return result;
}

void CpuBackend::predict(const HostData &data, float *out)
{
    if (data.count == 0)
        return;
    evaluateBlocks(data, out, nullptr, nullptr);
}

Parameters CpuBackend::parameters() const
{
    Parameters params;
    for (const Layer &l : m_layers)
        params.push_back({l.in, l.out, l.w, l.b});
    return params;
}

} // namespace mldesk::gpu::cpu

namespace mldesk::gpu {

std::unique_ptr<Backend> makeCpuBackend(int threads)
{
    return std::make_unique<cpu::CpuBackend>(threads);
}

} // namespace mldesk::gpu
