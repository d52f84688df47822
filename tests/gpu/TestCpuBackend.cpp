// CPU backend: finite-difference gradient checks for each activation, optimizer updates against hand-computed
// values, an Adam run against a plain double-precision reference, dropout, and bit-identical reruns with one seed.
#include "TestHarness.h"
#include "cpu/CpuKernels.h"
#include "mldesk/gpu/Backend.h"
#include "mldesk/gpu/KerasModel.h"
#include "mldesk/gpu/Random.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

using namespace mldesk;
using gpu::Activation;

namespace {

struct Data {
    std::vector<float> x;
    std::vector<std::int32_t> y;
    int features = 0;
    gpu::HostData view() const { return {x.data(), y.data(), y.size(), features, 3}; }
};

Data randomData(std::size_t count, int features, std::uint64_t seed)
{
    gpu::Rng rng(seed);
    Data d;
    d.features = features;
    for (std::size_t i = 0; i < count * std::size_t(features); ++i)
        d.x.push_back(rng.uniform() * 2.0f - 1.0f);
    for (std::size_t i = 0; i < count; ++i)
        d.y.push_back(std::int32_t(rng.below(3)));
    return d;
}

gpu::ModelSpec smallModel(Activation hidden, float dropout = 0.0f)
{
    gpu::ModelSpec m;
    m.inputs = 6;
    m.layers.push_back({"dense", 5, hidden, true, dropout, dropout > 0.0f ? "dropout" : ""});
    m.layers.push_back({"dense_1", 4, hidden, true, 0.0f, {}});
    m.layers.push_back({"dense_2", 3, Activation::Softmax, true, 0.0f, {}});
    return m;
}

double lossAt(const gpu::ModelSpec &m, const gpu::Parameters &p, const Data &d)
{
    auto b = gpu::makeCpuBackend(1);
    b->init(m, {}, p, 1);
    return b->evaluate(d.view(), 64).loss;
}

void checkGradients(Activation act)
{
    const gpu::ModelSpec m = smallModel(act);
    gpu::Parameters p = gpu::glorotUniformInit(m, 7);
    for (auto &l : p) // non-zero biases so every term of the gradient is exercised
        for (std::size_t i = 0; i < l.bias.size(); ++i)
            l.bias[i] = 0.05f * float(i % 3) - 0.04f;
    const Data d = randomData(16, 6, 3);
    // One SGD step with lr = 1 over the whole batch: w' = w - dL/dw, so the step is the analytic gradient.
    gpu::OptimizerSpec sgd;
    sgd.kind = gpu::OptimizerKind::SGD;
    sgd.learningRate = 1.0f;
    auto b = gpu::makeCpuBackend(1);
    b->init(m, sgd, p, 1);
    b->setTrainData(d.view());
    std::vector<std::uint32_t> order(16);
    std::iota(order.begin(), order.end(), 0u);
    b->trainEpoch(order, 16);
    const gpu::Parameters after = b->parameters();
    const float h = 1e-3f;
    for (std::size_t li = 0; li < p.size(); ++li) {
        for (int which = 0; which < 2; ++which) {
            std::vector<float> &w = which == 0 ? p[li].kernel : p[li].bias;
            const std::vector<float> &w2 = which == 0 ? after[li].kernel : after[li].bias;
            std::vector<float> analytic, numeric;
            for (std::size_t i = 0; i < w.size(); ++i) {
                const float keep = w[i];
                w[i] = keep + h;
                const double up = lossAt(m, p, d);
                w[i] = keep - h;
                const double down = lossAt(m, p, d);
                w[i] = keep;
                numeric.push_back(float((up - down) / (2.0 * double(h))));
                analytic.push_back(keep - w2[i]);
            }
            MLDESK_CHECK_ALLCLOSE(analytic.data(), numeric.data(), analytic.size(), 2e-4, 2e-2,
                                  std::string(gpu::activationName(act)) + " layer " + std::to_string(li) +
                                      (which ? " bias" : " kernel"));
        }
    }
}

} // namespace

MLDESK_TEST(gradientsRelu)
{
    checkGradients(Activation::Relu);
}
MLDESK_TEST(gradientsSigmoid)
{
    checkGradients(Activation::Sigmoid);
}
MLDESK_TEST(gradientsTanh)
{
    checkGradients(Activation::Tanh);
}
MLDESK_TEST(gradientsLinear)
{
    checkGradients(Activation::Linear);
}
// Regression: a hidden softmax layer's backward pass was the identity instead of its row Jacobian.
MLDESK_TEST(gradientsHiddenSoftmax)
{
    checkGradients(Activation::Softmax);
}

MLDESK_TEST(optimizerUpdatesMatchHandComputedValues)
{
    float w = 0.5f, g = 0.2f, v = 0.01f;
    gpu::cpu::rmspropUpdate(&w, &g, &v, 1, 0.1f, 0.9f, 1e-7f);
    MLDESK_CHECK_CLOSE(v, 0.013, 1e-7, 1e-6);
    // Keras 3 (and tf.keras 2.x's ResourceApplyRMSProp) put epsilon inside the root: w -= lr g / sqrt(v + eps).
    MLDESK_CHECK_CLOSE(w, 0.3245890707947167, 1e-7, 1e-6);
    // A tiny gradient shows the difference to lr g / (sqrt(v) + eps), which would step 0.0315 instead of 0.00315.
    float ws = 0.0f, gs = 1e-4f, vs = 0.0f;
    gpu::cpu::rmspropUpdate(&ws, &gs, &vs, 1, 0.1f, 0.9f, 1e-7f);
    MLDESK_CHECK_CLOSE(ws, -0.1 * 1e-4 / std::sqrt(1e-9 + 1e-7), 1e-8, 1e-5);

    float wa = 0.5f, m = 0.0f, va = 0.0f;
    const float alpha = float(0.1 * std::sqrt(1.0 - 0.999) / (1.0 - 0.9)); // step 1
    gpu::cpu::adamUpdate(&wa, &g, &m, &va, 1, alpha, 0.9f, 0.999f, 1e-7f);
    MLDESK_CHECK_CLOSE(m, 0.02, 1e-8, 1e-6);
    MLDESK_CHECK_CLOSE(va, 0.00004, 1e-10, 1e-4); // 1 - 0.999f is 0.00100005 in float
    MLDESK_CHECK_CLOSE(wa, 0.40000158111383044, 2e-6, 0);

    float wm = 0.5f, ms = 0.05f;
    gpu::cpu::sgdUpdate(&wm, &g, &ms, 1, 0.1f, 0.9f, false);
    MLDESK_CHECK_CLOSE(ms, 0.025, 1e-8, 1e-6);
    MLDESK_CHECK_CLOSE(wm, 0.525, 1e-7, 1e-6);
    float wn = 0.5f, mn = 0.05f;
    gpu::cpu::sgdUpdate(&wn, &g, &mn, 1, 0.1f, 0.9f, true);
    MLDESK_CHECK_CLOSE(wn, 0.5025, 1e-7, 1e-6);
    float wp = 0.5f;
    gpu::cpu::sgdUpdate(&wp, &g, nullptr, 1, 0.1f, 0.0f, false);
    MLDESK_CHECK_CLOSE(wp, 0.48, 1e-7, 1e-6);
}

// Issue 13: the cross-entropy follows tf.keras 2.13 (which the log line names): for a softmax output Keras takes the
// loss from the logits, so there is no probability clip and the gradient is p - y on every row. A clipped version
// would give loss -log(1e-7) = 16.1 and a zero gradient on the first row, and -log(1 - 1e-7) = 1e-7 on the second.
MLDESK_TEST(crossEntropyUsesTheLogitsLikeTfKeras)
{
    float z[9] = {-200.0f, 0.0f, 0.0f, 30.0f, 0.0f, 0.0f, 1.0f, 2.0f, 3.0f};
    float same[9];
    std::copy(z, z + 9, same);
    const float bias[3] = {0.0f, 0.0f, 0.0f};
    const int labels[3] = {0, 0, 2};
    float loss[3], dz[9];
    const int correct = gpu::cpu::softmaxCrossEntropy(z, bias, labels, 3, 3, loss, dz, 0.5f);
    MLDESK_CHECK(correct == 2);
    MLDESK_CHECK_CLOSE(loss[0], 200.0 + std::log(2.0), 1e-4, 1e-6); // p[label] underflows to 0: still finite
    MLDESK_CHECK(loss[1] >= 0.0f && loss[1] < 1e-9f); // log(1 + 2e-30) rounds to 0 in float; not clipped up to 1e-7
    MLDESK_CHECK_CLOSE(loss[2], std::log(std::exp(1.0) + std::exp(2.0) + std::exp(3.0)) - 3.0, 1e-6, 1e-6);
    MLDESK_CHECK_CLOSE(dz[0], -0.5, 1e-7, 1e-6); // (p - y) * scale on the row a clip would have zeroed
    MLDESK_CHECK_CLOSE(dz[1], 0.25, 1e-7, 1e-6);
    MLDESK_CHECK(dz[4] > 0.0f); // exp(-30) / (1 + 2 exp(-30)) * 0.5, not zero
    gpu::cpu::softmaxRows(same, 3, 3, bias);
    for (int i = 0; i < 9; ++i) // the probabilities it leaves are softmaxRows's, bit for bit
        MLDESK_CHECK_MSG(z[i] == same[i], "element " << i << ": " << z[i] << " vs " << same[i]);

    // The backend's evaluate() takes the same path: one softmax layer whose logits for class 0 are -200.
    gpu::ModelSpec m;
    m.inputs = 1;
    m.layers.push_back({"dense", 3, Activation::Softmax, true, 0.0f, {}});
    gpu::Parameters p(1);
    p[0].in = 1;
    p[0].out = 3;
    p[0].kernel = {-200.0f, 0.0f, 0.0f};
    p[0].bias = {0.0f, 0.0f, 0.0f};
    auto b = gpu::makeCpuBackend(1);
    b->init(m, gpu::OptimizerSpec{}, p, 1);
    const float x[1] = {1.0f};
    const std::int32_t y[1] = {0};
    gpu::HostData d;
    d.x = x;
    d.labels = y;
    d.count = 1;
    d.features = 1;
    d.classes = 3;
    const gpu::EvalResult r = b->evaluate(d, 1);
    MLDESK_CHECK_CLOSE(r.loss, 200.0 + std::log(2.0), 1e-4, 1e-6);
}

// Three Adam steps of a one-layer softmax model against a straightforward double-precision reference.
MLDESK_TEST(adamStepsMatchReference)
{
    gpu::ModelSpec m;
    m.inputs = 4;
    m.layers.push_back({"dense", 3, Activation::Softmax, true, 0.0f, {}});
    gpu::Parameters p = gpu::glorotUniformInit(m, 5);
    const Data d = randomData(8, 4, 9);
    gpu::OptimizerSpec adam;
    adam.kind = gpu::OptimizerKind::Adam;
    adam.learningRate = 0.01f;
    auto b = gpu::makeCpuBackend(2);
    b->init(m, adam, p, 1);
    b->setTrainData(d.view());
    const std::vector<std::uint32_t> order = {3, 1, 4, 0, 5, 2, 7, 6};
    b->trainEpoch(order, 3); // batches of 3, 3 and a last partial batch of 2

    std::vector<double> w(p[0].kernel.begin(), p[0].kernel.end()), bias(3, 0.0), mw(12, 0), vw(12, 0), mb(3, 0),
        vb(3, 0);
    int t = 0;
    for (std::size_t start = 0; start < order.size(); start += 3) {
        const std::size_t n = std::min<std::size_t>(3, order.size() - start);
        std::vector<double> gw(12, 0.0), gb(3, 0.0);
        for (std::size_t s = start; s < start + n; ++s) {
            const float *x = d.x.data() + order[s] * 4;
            double z[3], sum = 0.0;
            for (int o = 0; o < 3; ++o) {
                z[o] = bias[o];
                for (int i = 0; i < 4; ++i)
                    z[o] += x[i] * w[i * 3 + o];
            }
            const double top = std::max({z[0], z[1], z[2]});
            for (double &v : z)
                sum += (v = std::exp(v - top));
            for (int o = 0; o < 3; ++o) {
                const double dz = (z[o] / sum - (o == d.y[order[s]] ? 1.0 : 0.0)) / double(n);
                gb[o] += dz;
                for (int i = 0; i < 4; ++i)
                    gw[i * 3 + o] += x[i] * dz;
            }
        }
        ++t;
        const double alpha = 0.01 * std::sqrt(1 - std::pow(0.999, t)) / (1 - std::pow(0.9, t));
        auto step = [&](std::vector<double> &pw, std::vector<double> &pm, std::vector<double> &pv,
                        const std::vector<double> &g) {
            for (std::size_t i = 0; i < pw.size(); ++i) {
                pm[i] += (g[i] - pm[i]) * 0.1;
                pv[i] += (g[i] * g[i] - pv[i]) * 0.001;
                pw[i] -= pm[i] * alpha / (std::sqrt(pv[i]) + 1e-7);
            }
        };
        step(w, mw, vw, gw);
        step(bias, mb, vb, gb);
    }
    const gpu::Parameters got = b->parameters();
    std::vector<float> wf(w.begin(), w.end()), bf(bias.begin(), bias.end());
    MLDESK_CHECK_ALLCLOSE(got[0].kernel.data(), wf.data(), 12, 1e-5, 1e-4, "Adam kernel");
    MLDESK_CHECK_ALLCLOSE(got[0].bias.data(), bf.data(), 3, 1e-5, 1e-4, "Adam bias");
}

MLDESK_TEST(fixedSeedIsBitReproducible)
{
    const gpu::ModelSpec m = smallModel(Activation::Relu, 0.3f);
    const Data d = randomData(203, 6, 4);
    std::vector<std::uint32_t> order(203);
    std::iota(order.begin(), order.end(), 0u);
    std::vector<float> losses[2];
    gpu::Parameters params[2];
    for (int run = 0; run < 2; ++run) {
        auto b = gpu::makeCpuBackend(2);
        b->init(m, {}, gpu::glorotUniformInit(m, 42), 42);
        b->setTrainData(d.view());
        for (int epoch = 0; epoch < 3; ++epoch) {
            const std::vector<float> l = b->trainEpoch(order, 10);
            losses[run].insert(losses[run].end(), l.begin(), l.end());
        }
        params[run] = b->parameters();
    }
    MLDESK_CHECK(losses[0].size() == 3 * 21); // the last partial batch (3 samples) is trained
    MLDESK_CHECK(std::memcmp(losses[0].data(), losses[1].data(), losses[0].size() * sizeof(float)) == 0);
    for (std::size_t l = 0; l < params[0].size(); ++l)
        MLDESK_CHECK(params[0][l].kernel == params[1][l].kernel && params[0][l].bias == params[1][l].bias);
    // A different seed gives different dropout masks and initial weights.
    auto other = gpu::makeCpuBackend(2);
    other->init(m, {}, gpu::glorotUniformInit(m, 43), 43);
    other->setTrainData(d.view());
    MLDESK_CHECK(other->trainEpoch(order, 10) != std::vector<float>(losses[0].begin(), losses[0].begin() + 21));
}

MLDESK_TEST(dropoutIsInvertedAndOnlyInTraining)
{
    // With rate r the kept fraction is about 1 - r, and evaluation (no dropout) is deterministic.
    int kept = 0;
    for (std::uint64_t i = 0; i < 100000; ++i)
        kept += gpu::dropoutKeep(1, 2, 0, i, 0.25f);
    MLDESK_CHECK_MSG(std::abs(kept - 75000) < 1000, kept);
    const gpu::ModelSpec m = smallModel(Activation::Relu, 0.5f);
    const Data d = randomData(50, 6, 8);
    auto b = gpu::makeCpuBackend(1);
    b->init(m, {}, gpu::glorotUniformInit(m, 1), 1);
    const double a1 = b->evaluate(d.view(), 16).loss, a2 = b->evaluate(d.view(), 50).loss;
    MLDESK_CHECK(a1 == a2);
    // The gradient check with dropout on: the analytic step equals the finite difference of the masked network
    // only with the same masks, so instead check that training with dropout still learns.
    b->setTrainData(d.view());
    std::vector<std::uint32_t> order(50);
    std::iota(order.begin(), order.end(), 0u);
    for (int e = 0; e < 200; ++e)
        b->trainEpoch(order, 10);
    MLDESK_CHECK_MSG(b->evaluate(d.view(), 50).loss < a1, b->evaluate(d.view(), 50).loss << " vs " << a1);
}

MLDESK_TEST(predictMatchesEvaluate)
{
    const gpu::ModelSpec m = smallModel(Activation::Tanh);
    const Data d = randomData(700, 6, 12); // more than one evaluation block
    auto b = gpu::makeCpuBackend(2);
    b->init(m, {}, gpu::glorotUniformInit(m, 3), 3);
    std::vector<float> p(700 * 3);
    b->predict(d.view(), p.data());
    double loss = 0.0;
    int correct = 0;
    for (std::size_t i = 0; i < 700; ++i) {
        const float *row = p.data() + i * 3;
        MLDESK_CHECK_CLOSE(row[0] + row[1] + row[2], 1.0, 1e-5, 0);
        loss -= std::log(std::max(row[d.y[i]], 1e-7f));
        correct += int(std::max_element(row, row + 3) - row) == d.y[i];
    }
    const gpu::EvalResult r = b->evaluate(d.view(), 100);
    MLDESK_CHECK_CLOSE(r.loss, loss / 700.0, 1e-6, 1e-5);
    MLDESK_CHECK_CLOSE(r.accuracy, correct / 700.0, 1e-9, 0);
}

MLDESK_TEST_MAIN()
