// The CUDA backend end to end: the first 10 step losses on a small fixed synthetic dataset equal a plain
// double-precision reference trainer (written here) and the CPU backend; a fixed seed gives bit-identical losses
// and weights run after run and between the graph and eager engines; evaluate/predict match a reference forward.
#include "CudaTestApi.h"
#include "CudaTestUtil.h"

#include <cstring>
#include <initializer_list>

using namespace mldesk::test::cuda;
using namespace mldesk::gpu;
namespace ct = mldesk::gpu::cudatest;

namespace {

struct Dataset {
    int features = 0, classes = 0;
    std::vector<float> x;
    std::vector<std::int32_t> y;
    HostData view() const { return {x.data(), y.data(), y.size(), features, classes}; }
};

// Labels from a random linear teacher, so the data is learnable.
Dataset makeData(std::size_t count, int features, int classes, std::uint64_t seed)
{
    Dataset d;
    d.features = features;
    d.classes = classes;
    d.x = randomVector(count * std::size_t(features), 0.0f, 1.0f, seed);
    const auto teacher = randomVector(std::size_t(features) * classes, -1.0f, 1.0f, seed + 1);
    d.y.resize(count);
    for (std::size_t i = 0; i < count; ++i) {
        int best = 0;
        double bestV = -1e300;
        for (int c = 0; c < classes; ++c) {
            double v = 0;
            for (int k = 0; k < features; ++k)
                v += double(d.x[i * features + std::size_t(k)]) * teacher[std::size_t(k) * classes + c];
            if (v > bestV) {
                bestV = v;
                best = c;
            }
        }
        d.y[i] = best;
    }
    return d;
}

ModelSpec makeModel(int inputs, std::vector<std::pair<int, Activation>> layers, float dropoutFirst = 0.0f)
{
    ModelSpec m;
    m.inputs = inputs;
    for (std::size_t l = 0; l < layers.size(); ++l) {
        DenseLayer d;
        d.name = "dense_" + std::to_string(l + 1);
        d.units = layers[l].first;
        d.activation = layers[l].second;
        if (l == 0 && dropoutFirst > 0) {
            d.dropoutRate = dropoutFirst;
            d.dropoutName = "dropout_1";
        }
        m.layers.push_back(d);
    }
    return m;
}

// Glorot-uniform kernels and small random biases (non-zero, so the bias paths are exercised).
Parameters makeParams(const ModelSpec &m, std::uint64_t seed)
{
    Parameters p;
    int in = m.inputs;
    for (const DenseLayer &d : m.layers) {
        LayerParams lp;
        lp.in = in;
        lp.out = d.units;
        const float limit = std::sqrt(6.0f / float(in + d.units));
        lp.kernel = randomVector(std::size_t(in) * d.units, -limit, limit, ++seed);
        if (d.useBias)
            lp.bias = randomVector(std::size_t(d.units), -0.05f, 0.05f, ++seed);
        p.push_back(lp);
        in = d.units;
    }
    return p;
}

// A plain double-precision trainer with the same semantics (no dropout).
class RefTrainer {
public:
    RefTrainer(const ModelSpec &m, const OptimizerSpec &o, const Parameters &p) : m_model(m), m_opt(o)
    {
        for (const LayerParams &lp : p) {
            m_w.push_back(toDouble(lp.kernel));
            m_b.push_back(toDouble(lp.bias));
            m_sw1.emplace_back(lp.kernel.size(), 0.0);
            m_sw2.emplace_back(lp.kernel.size(), 0.0);
            m_sb1.emplace_back(lp.bias.size(), 0.0);
            m_sb2.emplace_back(lp.bias.size(), 0.0);
        }
    }

    std::vector<double> trainEpoch(const Dataset &d, const std::vector<std::uint32_t> &order, int batch)
    {
        std::vector<double> losses;
        for (std::size_t start = 0; start < order.size(); start += std::size_t(batch)) {
            const int n = int(std::min<std::size_t>(std::size_t(batch), order.size() - start));
            std::vector<double> x(std::size_t(n) * d.features);
            std::vector<int> y(static_cast<std::size_t>(n));
            for (int r = 0; r < n; ++r) {
                const std::uint32_t s = order[start + std::size_t(r)];
                y[std::size_t(r)] = d.y[s];
                for (int k = 0; k < d.features; ++k)
                    x[std::size_t(r) * d.features + k] = d.x[std::size_t(s) * d.features + k];
            }
            losses.push_back(step(x, y, n));
        }
        return losses;
    }

    std::vector<double> forward(const std::vector<double> &x, int n) const
    {
        std::vector<double> a = x;
        int in = m_model.inputs;
        for (std::size_t l = 0; l < m_w.size(); ++l) {
            a = denseForwardRef(a, m_w[l], m_b[l], n, in, m_model.layers[l].units, m_model.layers[l].activation);
            in = m_model.layers[l].units;
        }
        return a;
    }

    Parameters params() const
    {
        Parameters p;
        int in = m_model.inputs;
        for (std::size_t l = 0; l < m_w.size(); ++l) {
            p.push_back({in, m_model.layers[l].units, toFloat(m_w[l]), toFloat(m_b[l])});
            in = m_model.layers[l].units;
        }
        return p;
    }

private:
    double step(const std::vector<double> &x, const std::vector<int> &y, int n)
    {
        ++m_t;
        const std::size_t L = m_w.size();
        std::vector<std::vector<double>> acts{x};
        int in = m_model.inputs;
        for (std::size_t l = 0; l < L; ++l) {
            acts.push_back(denseForwardRef(acts.back(), m_w[l], m_b[l], n, in, m_model.layers[l].units,
                                           m_model.layers[l].activation));
            in = m_model.layers[l].units;
        }
        const int C = m_model.layers.back().units;
        const std::vector<double> &p = acts.back();
        std::vector<double> dz(p.size());
        double loss = 0;
        for (int r = 0; r < n; ++r) {
            const double pl = p[std::size_t(r) * C + std::size_t(y[std::size_t(r)])];
            loss += -std::log(pl); // from the logits, as tf.keras: no clip, gradient p - y
            for (int c = 0; c < C; ++c)
                dz[std::size_t(r) * C + c] = (p[std::size_t(r) * C + c] - (c == y[std::size_t(r)] ? 1.0 : 0.0)) / n;
        }
        for (std::size_t l = L; l-- > 0;) {
            const int out = m_model.layers[l].units;
            const int lin = l == 0 ? m_model.inputs : m_model.layers[l - 1].units;
            const std::vector<double> &a = acts[l];
            std::vector<double> dW(std::size_t(lin) * out, 0.0), db(std::size_t(out), 0.0);
            for (int r = 0; r < n; ++r)
                for (int c = 0; c < out; ++c) {
                    const double g = dz[std::size_t(r) * out + c];
                    db[std::size_t(c)] += g;
                    for (int k = 0; k < lin; ++k)
                        dW[std::size_t(k) * out + c] += a[std::size_t(r) * lin + k] * g;
                }
            std::vector<double> dprev;
            if (l > 0) {
                dprev.assign(std::size_t(n) * lin, 0.0);
                for (int r = 0; r < n; ++r)
                    for (int k = 0; k < lin; ++k) {
                        double s = 0;
                        for (int c = 0; c < out; ++c)
                            s += dz[std::size_t(r) * out + c] * m_w[l][std::size_t(k) * out + c];
                        const double yv = a[std::size_t(r) * lin + k];
                        dprev[std::size_t(r) * lin + k] = s * activationGradRef(yv, m_model.layers[l - 1].activation);
                    }
            }
            update(m_w[l], dW, m_sw1[l], m_sw2[l]);
            update(m_b[l], db, m_sb1[l], m_sb2[l]);
            dz = std::move(dprev);
        }
        return loss / n;
    }

    void update(std::vector<double> &w, const std::vector<double> &g, std::vector<double> &s1,
                std::vector<double> &s2) const
    {
        const OptimizerSpec &o = m_opt;
        for (std::size_t i = 0; i < w.size(); ++i) {
            switch (o.kind) {
            case OptimizerKind::RMSprop:
                s1[i] = o.rho * s1[i] + (1 - double(o.rho)) * g[i] * g[i];
                w[i] -= o.learningRate * g[i] / std::sqrt(s1[i] + o.epsilon); // Keras 3: sqrt(v + eps)
                break;
            case OptimizerKind::Adam: {
                s1[i] += (g[i] - s1[i]) * (1 - double(o.beta1));
                s2[i] += (g[i] * g[i] - s2[i]) * (1 - double(o.beta2));
                const double alpha = o.learningRate * std::sqrt(1 - std::pow(double(o.beta2), m_t)) /
                                     (1 - std::pow(double(o.beta1), m_t));
                w[i] -= alpha * s1[i] / (std::sqrt(s2[i]) + o.epsilon);
                break;
            }
            case OptimizerKind::SGD:
                if (o.momentum > 0) {
                    s1[i] = o.momentum * s1[i] - o.learningRate * g[i];
                    w[i] += o.nesterov ? o.momentum * s1[i] - o.learningRate * g[i] : s1[i];
                } else {
                    w[i] -= o.learningRate * g[i];
                }
                break;
            }
        }
    }

    ModelSpec m_model;
    OptimizerSpec m_opt;
    int m_t = 0;
    std::vector<std::vector<double>> m_w, m_b, m_sw1, m_sw2, m_sb1, m_sb2;
};

std::vector<OptimizerSpec> optimizers()
{
    std::vector<OptimizerSpec> o(3);
    o[0].learningRate = 0.01f; // RMSprop
    o[1].kind = OptimizerKind::Adam;
    o[1].learningRate = 0.01f;
    o[2].kind = OptimizerKind::SGD;
    o[2].learningRate = 0.1f;
    o[2].momentum = 0.9f;
    o[2].nesterov = true;
    return o;
}

// The same optimizers at Keras-default step sizes, for the seed-sized model (longer runs stay smooth).
std::vector<OptimizerSpec> gentleOptimizers()
{
    std::vector<OptimizerSpec> o = optimizers();
    o[0].learningRate = 0.001f;
    o[1].learningRate = 0.001f;
    o[2].learningRate = 0.01f;
    return o;
}

void checkParamsClose(const Parameters &got, const Parameters &ref, double atol, double rtol, const std::string &what)
{
    MLDESK_CHECK(got.size() == ref.size());
    for (std::size_t l = 0; l < ref.size(); ++l) {
        MLDESK_CHECK(got[l].kernel.size() == ref[l].kernel.size() && got[l].bias.size() == ref[l].bias.size());
        MLDESK_CHECK_ALLCLOSE(got[l].kernel.data(), ref[l].kernel.data(), ref[l].kernel.size(), atol, rtol,
                              what + " kernel " + std::to_string(l));
        MLDESK_CHECK_ALLCLOSE(got[l].bias.data(), ref[l].bias.data(), ref[l].bias.size(), atol, rtol,
                              what + " bias " + std::to_string(l));
    }
}

// Two epochs (5 steps each: 4 x 50 + 3) = the first 10 step losses.
std::vector<float> firstTenLosses(Backend &b, const ModelSpec &m, const OptimizerSpec &o, const Parameters &p,
                                  const Dataset &d, std::uint64_t seed)
{
    b.init(m, o, p, seed);
    b.setTrainData(d.view());
    std::vector<float> losses;
    for (int e = 0; e < 2; ++e) {
        const auto l = b.trainEpoch(randomPermutation(d.y.size(), 1000 + std::uint64_t(e)), 50);
        MLDESK_CHECK(l.size() == 5);
        losses.insert(losses.end(), l.begin(), l.end());
    }
    return losses;
}

const std::vector<std::vector<std::pair<int, Activation>>> kArchitectures = {
    {{16, Activation::Relu}, {12, Activation::Relu}, {4, Activation::Softmax}},
    {{16, Activation::Tanh}, {12, Activation::Sigmoid}, {4, Activation::Softmax}},
    {{9, Activation::Linear}, {4, Activation::Softmax}},
};

void checkFirstTenLossesAgainstReference(std::initializer_list<const char *> engines)
{
    requireCudaDevice();
    const Dataset d = makeData(203, 20, 4, 42);
    int config = 0;
    for (const auto &arch : kArchitectures)
        for (const OptimizerSpec &o : optimizers())
            for (const char *engine : engines)
                for (bool useLt : {true, false}) {
                    const std::string what = "config " + std::to_string(config++) + " engine " + engine +
                                             (useLt ? " lt" : " sgemm") + " optimizer " + std::to_string(int(o.kind));
                    const ModelSpec m = makeModel(20, arch);
                    const Parameters p = makeParams(m, 7);
                    auto backend = ct::makeBackend(0, engine, useLt);
                    const auto got = firstTenLosses(*backend, m, o, p, d, 5);
                    RefTrainer ref(m, o, p);
                    std::vector<float> want;
                    for (int e = 0; e < 2; ++e)
                        for (double v : ref.trainEpoch(d, randomPermutation(d.y.size(), 1000 + std::uint64_t(e)), 50))
                            want.push_back(float(v));
                    MLDESK_CHECK_ALLCLOSE(got.data(), want.data(), want.size(), 1e-4, 1e-3, what + " losses");
                    checkParamsClose(backend->parameters(), ref.params(), 1e-2, 1e-2, what);
                }
}

} // namespace

MLDESK_TEST(firstTenLossesMatchReferenceTrainer)
{
    checkFirstTenLossesAgainstReference({"graph", "eager"});
}

// Its own test (run last by bench/gpu-check.sh, label fused); fused falls back to graph for non-relu models.
MLDESK_TEST(fusedEngineFirstTenLossesMatchReferenceTrainer)
{
    checkFirstTenLossesAgainstReference({"fused"});
}

MLDESK_TEST(firstTenLossesMatchCpuBackend)
{
    requireCudaDevice();
    const Dataset d = makeData(203, 20, 4, 43);
    for (float dropout : {0.0f, 0.25f})
        for (const OptimizerSpec &o : optimizers()) {
            const ModelSpec m = makeModel(20, kArchitectures[0], dropout);
            const Parameters p = makeParams(m, 9);
            auto cpu = makeCpuBackend(1);
            auto gpu = makeCudaBackend(0);
            const auto want = firstTenLosses(*cpu, m, o, p, d, 77);
            const auto got = firstTenLosses(*gpu, m, o, p, d, 77); // same seed: the same dropout masks
            const std::string what =
                "vs CPU backend, dropout " + std::to_string(dropout) + " optimizer " + std::to_string(int(o.kind));
            MLDESK_CHECK_ALLCLOSE(got.data(), want.data(), want.size(), 1e-4, 1e-3, what + " losses");
            checkParamsClose(gpu->parameters(), cpu->parameters(), 1e-2, 1e-2, what);
            // Keras's training accuracy of the last epoch (an fp32 near-tie may flip a row or two)
            MLDESK_CHECK(gpu->lastEpochAccuracy() >= 0.0 && gpu->lastEpochAccuracy() <= 1.0);
            if (cpu->lastEpochAccuracy() >= 0.0)
                MLDESK_CHECK_CLOSE(gpu->lastEpochAccuracy(), cpu->lastEpochAccuracy(), 0.011, 0);
        }
}

MLDESK_TEST(fixedSeedIsBitReproducibleAcrossRunsAndEngines)
{
    requireCudaDevice();
    // The seed model's shapes, a partial last batch (1037 = 20 x 50 + 37), dropout on, and a batch-size change
    // (a new graph) in the third epoch.
    const Dataset d = makeData(1037, 784, 10, 44);
    const ModelSpec m =
        makeModel(784, {{300, Activation::Relu}, {100, Activation::Relu}, {10, Activation::Softmax}}, 0.2f);
    const Parameters p = makeParams(m, 11);
    OptimizerSpec o; // RMSprop, Keras defaults
    auto run = [&](const char *engine) {
        auto b = ct::makeBackend(0, engine, true);
        b->init(m, o, p, 123);
        b->setTrainData(d.view());
        std::vector<float> losses;
        for (int e = 0; e < 3; ++e) {
            const auto l = b->trainEpoch(randomPermutation(d.y.size(), 50 + std::uint64_t(e)), e < 2 ? 50 : 64);
            MLDESK_CHECK(l.size() == (e < 2 ? 21u : 17u));
            losses.insert(losses.end(), l.begin(), l.end());
        }
        return std::make_pair(losses, b->parameters());
    };
    const auto a = run("graph");
    const auto b = run("graph");
    const auto c = run("eager");
    for (float v : a.first)
        MLDESK_CHECK(std::isfinite(v));
    double first = 0, second = 0;
    for (int i = 0; i < 21; ++i) {
        first += a.first[std::size_t(i)];
        second += a.first[std::size_t(21 + i)];
    }
    MLDESK_CHECK_MSG(second < first,
                     "the mean loss should fall from epoch 1 to 2: " << first / 21 << " -> " << second / 21);
    MLDESK_CHECK_MSG(bitEqual(a.first, b.first), "graph engine: losses differ between two runs with one seed");
    MLDESK_CHECK_MSG(bitEqual(a.second, b.second), "graph engine: weights differ between two runs with one seed");
    MLDESK_CHECK_MSG(bitEqual(a.first, c.first), "graph and eager engines give different losses");
    MLDESK_CHECK_MSG(bitEqual(a.second, c.second), "graph and eager engines give different weights");
}

MLDESK_TEST(fusedEngineMatchesGraphEngineAndIsBitReproducible)
{
    requireCudaDevice();
    const Dataset d = makeData(1037, 784, 10, 49);
    const ModelSpec m = makeModel(784, {{300, Activation::Relu}, {100, Activation::Relu}, {10, Activation::Softmax}});
    const Parameters p = makeParams(m, 21);
    for (const OptimizerSpec &o : gentleOptimizers()) {
        auto run = [&](const char *engine) {
            auto b = ct::makeBackend(0, engine, true);
            b->init(m, o, p, 5);
            b->setTrainData(d.view());
            MLDESK_CHECK_MSG(b->name().find("not used") == std::string::npos, b->name());
            std::vector<float> losses;
            for (int e = 0; e < 3; ++e) {
                const auto l = b->trainEpoch(randomPermutation(d.y.size(), 60 + std::uint64_t(e)), e < 2 ? 50 : 64);
                losses.insert(losses.end(), l.begin(), l.end());
            }
            return std::make_pair(losses, b->parameters());
        };
        const std::string what = "fused vs graph, optimizer " + std::to_string(int(o.kind));
        const auto f1 = run("fused");
        const auto f2 = run("fused");
        const auto g = run("graph");
        MLDESK_CHECK_MSG(bitEqual(f1.first, f2.first), what << ": fused losses differ between two runs");
        MLDESK_CHECK_MSG(bitEqual(f1.second, f2.second), what << ": fused weights differ between two runs");
        MLDESK_CHECK(f1.first.size() == g.first.size());
        // the first step sees identical weights: only the summation order differs
        MLDESK_CHECK_CLOSE(f1.first[0], g.first[0], 1e-6, 1e-5);
        MLDESK_CHECK_ALLCLOSE(f1.first.data(), g.first.data(), g.first.size(), 1e-3, 1e-2, what + " losses");
        checkParamsClose(f1.second, g.second, 2e-2, 2e-2, what);
    }
    // a model the fused engine does not take still trains, on the graph engine, and says so
    const ModelSpec withDropout =
        makeModel(784, {{300, Activation::Relu}, {100, Activation::Relu}, {10, Activation::Softmax}}, 0.2f);
    auto b = ct::makeBackend(0, "fused", true);
    b->init(withDropout, OptimizerSpec{}, p, 5);
    MLDESK_CHECK_MSG(b->name().find("fused engine not used") != std::string::npos, b->name());
    b->setTrainData(d.view());
    MLDESK_CHECK(b->trainEpoch(randomPermutation(d.y.size(), 1), 50).size() == 21);
}

MLDESK_TEST(evaluateAndPredictMatchReferenceForward)
{
    requireCudaDevice();
    const Dataset d = makeData(9001, 20, 4, 45); // more than one 8192-row inference chunk
    for (const auto &arch : kArchitectures) {
        const ModelSpec m = makeModel(20, arch);
        const Parameters p = makeParams(m, 13);
        auto b = makeCudaBackend(0);
        b->init(m, OptimizerSpec{}, p, 1);
        const RefTrainer ref(m, OptimizerSpec{}, p);
        const auto probs = ref.forward(toDouble(d.x), int(d.y.size()));
        double loss = 0, correct = 0;
        for (std::size_t i = 0; i < d.y.size(); ++i) {
            const double *row = probs.data() + i * 4;
            loss += -std::log(row[d.y[i]]);
            correct += int(std::max_element(row, row + 4) - row) == d.y[i] ? 1 : 0;
        }
        const EvalResult r = b->evaluate(d.view(), 50);
        MLDESK_CHECK_CLOSE(r.loss, loss / double(d.y.size()), 1e-6, 1e-5);
        MLDESK_CHECK_CLOSE(r.accuracy, correct / double(d.y.size()), 2e-4, 0); // ties at fp32 may flip a row
        std::vector<float> got(d.y.size() * 4);
        b->predict(d.view(), got.data());
        const auto want = toFloat(probs);
        MLDESK_CHECK_ALLCLOSE(got.data(), want.data(), want.size(), 1e-6, 1e-4, "predict");
    }
}

// Data marked resident (HostData::residentKey) is uploaded once and must give exactly what staged data gives,
// across inference chunks, and a new key with other data must not reuse the old copy.
MLDESK_TEST(residentEvaluationDataMatchesStagedData)
{
    requireCudaDevice();
    const Dataset d = makeData(9001, 20, 4, 46);
    const Dataset other = makeData(300, 20, 4, 47);
    const ModelSpec m = makeModel(20, kArchitectures[0]);
    auto b = makeCudaBackend(0);
    b->init(m, OptimizerSpec{}, makeParams(m, 17), 1);
    const EvalResult staged = b->evaluate(d.view(), 1000);
    HostData resident = d.view();
    resident.residentKey = 7;
    for (int pass = 0; pass < 2; ++pass) { // the first call uploads, the second reuses
        const EvalResult r = b->evaluate(resident, 1000);
        MLDESK_CHECK_MSG(r.loss == staged.loss && r.accuracy == staged.accuracy,
                         "pass " << pass << ": " << r.loss << " vs " << staged.loss);
    }
    HostData otherResident = other.view();
    otherResident.residentKey = 8;
    const EvalResult otherStaged = b->evaluate(other.view(), 1000);
    const EvalResult otherR = b->evaluate(otherResident, 1000);
    MLDESK_CHECK(otherR.loss == otherStaged.loss && otherR.accuracy == otherStaged.accuracy);
}

MLDESK_TEST(batchLargerThanDataIsOneStep)
{
    requireCudaDevice();
    const Dataset d = makeData(37, 20, 4, 46);
    const ModelSpec m = makeModel(20, kArchitectures[0]);
    const Parameters p = makeParams(m, 15);
    auto b = makeCudaBackend(0);
    b->init(m, OptimizerSpec{}, p, 1);
    b->setTrainData(d.view());
    const auto l = b->trainEpoch(randomPermutation(37, 3), 500);
    MLDESK_CHECK(l.size() == 1);
    RefTrainer ref(m, OptimizerSpec{}, p);
    const auto want = ref.trainEpoch(d, randomPermutation(37, 3), 500);
    MLDESK_CHECK_CLOSE(l[0], want[0], 1e-5, 1e-4);
}

MLDESK_TEST(badCallsThrowClearMessages)
{
    requireCudaDevice();
    const Dataset d = makeData(10, 20, 4, 47);
    const ModelSpec m = makeModel(20, kArchitectures[0]);
    const Parameters p = makeParams(m, 17);
    auto b = makeCudaBackend(0);
    MLDESK_CHECK_THROWS(b->trainEpoch(randomPermutation(10, 1), 5), "before init");
    ModelSpec notSoftmax = m;
    notSoftmax.layers.back().activation = Activation::Relu;
    MLDESK_CHECK_THROWS(b->init(notSoftmax, OptimizerSpec{}, p, 1), "softmax");
    Parameters wrong = p;
    wrong[1].kernel.pop_back();
    MLDESK_CHECK_THROWS(b->init(m, OptimizerSpec{}, wrong, 1), "kernel must be (16, 12)");
    b->init(m, OptimizerSpec{}, p, 1);
    MLDESK_CHECK_THROWS(b->trainEpoch(randomPermutation(10, 1), 5), "before setTrainData");
    Dataset bad = d;
    bad.y[3] = 4;
    MLDESK_CHECK_THROWS(b->setTrainData(bad.view()), "label 4 of sample 3");
    Dataset narrow = makeData(10, 19, 4, 48);
    MLDESK_CHECK_THROWS(b->setTrainData(narrow.view()), "19 features");
    b->setTrainData(d.view());
    MLDESK_CHECK_THROWS(b->trainEpoch(randomPermutation(9, 1), 5), "9 entries");
    std::vector<std::uint32_t> outOfRange = randomPermutation(10, 1);
    outOfRange[0] = 10;
    MLDESK_CHECK_THROWS(b->trainEpoch(outOfRange, 5), "out of range");
    MLDESK_CHECK_THROWS(b->trainEpoch(randomPermutation(10, 1), 0), "batch size");
    MLDESK_CHECK(b->trainEpoch(randomPermutation(10, 1), 5).size() == 2); // still usable after the errors
}

MLDESK_TEST_MAIN()
