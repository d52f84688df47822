// The CUDA backend on the seed's own model (784-300-100-10, RMSprop lr 0.001, batch 50, seed 1), issue 13:
// - against the CPU backend on Fashion-MNIST: the first 100 step losses agree within |cuda - cpu| <= 1e-3 +
//   1e-2 |cpu|, and the test accuracy after 2 epochs within 0.005;
// - the graph engine's warm-up: the first epoch of each new graph runs eagerly, the next is captured, and the losses
//   and weights are bit-identical to the eager engine's throughout (a batch-size change included).
// Fashion-MNIST comes from $MLDESK_FASHION_MNIST, <source>/.carry/fashion-mnist or /usr/share/datasets/fashion-mnist.
#include "CudaBackend.h"
#include "CudaTestApi.h"
#include "CudaTestUtil.h"
#include "mldesk/gpu/Idx.h"
#include "mldesk/gpu/KerasModel.h"

#include <cstdio>

using namespace mldesk::test::cuda;
using namespace mldesk::gpu;
namespace ct = mldesk::gpu::cudatest;

namespace {

struct Set {
    std::vector<float> x;
    std::vector<std::int32_t> y;
    HostData view() const { return {x.data(), y.data(), y.size(), 784, 10}; }
};

Set toSet(const ImageSet &images)
{
    Set s;
    s.x.resize(images.pixels.size());
    for (std::size_t i = 0; i < images.pixels.size(); ++i)
        s.x[i] = float(double(images.pixels[i]) / 255.0); // as the trainer (numpy + Keras) scales
    s.y = images.labels;
    return s;
}

std::string fashionMnistFolder()
{
    std::vector<std::string> candidates;
    if (const char *env = std::getenv("MLDESK_FASHION_MNIST"))
        candidates.emplace_back(env);
#ifdef MLDESK_PROJECT_SOURCE_DIR
    candidates.emplace_back(std::string(MLDESK_PROJECT_SOURCE_DIR) + "/.carry/fashion-mnist");
#endif
    candidates.emplace_back("/usr/share/datasets/fashion-mnist");
    for (const std::string &c : candidates) {
        std::error_code ec;
        if (std::filesystem::is_directory(c, ec))
            return c;
    }
    mldesk::test::skip("no Fashion-MNIST folder (set MLDESK_FASHION_MNIST; bench/gpu-check.sh does)");
}

} // namespace

MLDESK_TEST(cpuAndCudaAgreeOnTheSeedModel)
{
    requireCudaDevice();
    const MnistFiles files = findMnistFiles(fashionMnistFolder());
    const Set train = toSet(loadImageSet(files.trainImages, files.trainLabels));
    const Set test = toSet(loadImageSet(files.testImages, files.testLabels));
    const ModelSpec model = defaultModel(784, 300, 100, 10);
    const Parameters initial = glorotUniformInit(model, 1);
    OptimizerSpec opt; // RMSprop, lr 0.001, rho 0.9, eps 1e-7 (Keras defaults)

    auto run = [&](Backend &b, std::vector<float> &losses) {
        b.init(model, opt, initial, 1);
        b.setTrainData(train.view());
        for (int e = 0; e < 2; ++e) {
            const auto l = b.trainEpoch(randomPermutation(train.y.size(), 100 + std::uint64_t(e)), 50);
            losses.insert(losses.end(), l.begin(), l.end());
        }
        return b.evaluate(test.view(), 50);
    };
    std::vector<float> cpuLosses, cudaLosses;
    auto cpu = makeCpuBackend(0);
    auto gpu = makeCudaBackend(0);
    const EvalResult c = run(*cpu, cpuLosses);
    const EvalResult g = run(*gpu, cudaLosses);
    MLDESK_CHECK(cpuLosses.size() == cudaLosses.size() && cpuLosses.size() >= 100);
    double worst = 0;
    for (std::size_t i = 0; i < 100; ++i)
        worst = std::max(worst, std::fabs(double(cudaLosses[i]) - double(cpuLosses[i])));
    std::printf("%s vs %s: worst |loss difference| over the first 100 steps %.3g; test accuracy %.4f vs %.4f, "
                "test loss %.4f vs %.4f\n",
                gpu->name().c_str(), cpu->name().c_str(), worst, g.accuracy, c.accuracy, g.loss, c.loss);
    MLDESK_CHECK_ALLCLOSE(cudaLosses.data(), cpuLosses.data(), 100, 1e-3, 1e-2, "first 100 step losses");
    MLDESK_CHECK_MSG(std::fabs(g.accuracy - c.accuracy) <= 0.005,
                     "test accuracy after 2 epochs: cuda " << g.accuracy << ", cpu " << c.accuracy);
    MLDESK_CHECK(c.accuracy > 0.8); // the model learned (Fashion-MNIST: ~0.85 after 2 epochs)
}

MLDESK_TEST(graphEngineWarmsUpEagerlyAndIsBitIdentical)
{
    requireCudaDevice();
    const std::size_t n = 1037; // 20 x 50 + 37: a partial last batch
    Set d;
    d.x = randomVector(n * 784, 0.0f, 1.0f, 71);
    d.y = randomLabels(n, 10, 72);
    const ModelSpec model = defaultModel(784, 300, 100, 10);
    const Parameters initial = glorotUniformInit(model, 3);
    auto graph = ct::makeBackend(0, "graph", true);
    auto eager = ct::makeBackend(0, "eager", true);
    for (Backend *b : {graph.get(), eager.get()}) {
        b->init(model, OptimizerSpec{}, initial, 3);
        b->setTrainData(d.view());
    }
    // epoch: batch size, then the graph engine's expected (warm-ups, captures, graph launches) after it
    const struct {
        int batch, warmups, captures, launches;
    } epochs[] = {{50, 1, 0, 0}, {50, 1, 1, 1}, {50, 1, 1, 2}, {64, 2, 1, 2}, {64, 2, 2, 3}, {64, 2, 2, 4}};
    int e = 0;
    for (const auto &ep : epochs) {
        const auto order = randomPermutation(n, 500 + std::uint64_t(e));
        const auto lg = graph->trainEpoch(order, ep.batch);
        const auto le = eager->trainEpoch(order, ep.batch);
        const cuda::GraphStats st = cuda::graphStats(*graph);
        MLDESK_CHECK_MSG(st.eagerWarmups == ep.warmups && st.captures == ep.captures && st.graphLaunches == ep.launches,
                         "epoch " << e + 1 << ": warm-ups " << st.eagerWarmups << ", captures " << st.captures
                                  << ", graph launches " << st.graphLaunches);
        MLDESK_CHECK_MSG(bitEqual(lg, le), "epoch " << e + 1 << ": graph and eager losses differ");
        MLDESK_CHECK_MSG(bitEqual(graph->parameters(), eager->parameters()),
                         "epoch " << e + 1 << ": graph and eager weights differ");
        ++e;
    }
    MLDESK_CHECK(cuda::graphStats(*eager).captures == 0);
}

MLDESK_TEST_MAIN()
