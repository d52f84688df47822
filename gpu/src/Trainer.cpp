// The training job: options -> data -> model -> backend -> epochs with Keras-style logs and metrics -> outputs.
#include "mldesk/gpu/Trainer.h"

#include "ModelOutputs.h"
#include "mldesk/gpu/Idx.h"
#include "mldesk/gpu/KerasModel.h"
#include "mldesk/gpu/MetricsWriter.h"
#include "mldesk/gpu/Random.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <numeric>
#include <random>
#include <sstream>
#include <stdexcept>

namespace mldesk::gpu {

namespace {

constexpr int kClasses = 10;

using Clock = std::chrono::steady_clock;
double secondsSince(Clock::time_point t)
{
    return std::chrono::duration<double>(Clock::now() - t).count();
}

std::string fixed(double v, int digits)
{
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", digits, v);
    return buf;
}

std::string withCommas(long long v)
{
    std::string s = std::to_string(v);
    for (int i = int(s.size()) - 3; i > 0; i -= 3)
        s.insert(std::size_t(i), ",");
    return s;
}

void validateOptions(const TrainOptions &o)
{
    if (o.batchSize <= 0)
        throw std::runtime_error("--batch-size must be at least 1 (got " + std::to_string(o.batchSize) + ")");
    if (!std::isfinite(o.learningRate) || o.learningRate < 0.0)
        throw std::runtime_error("--learning-rate must be a non-negative number (got " + fixed(o.learningRate, 6) +
                                 ")");
    if (o.epochs < 1)
        throw std::runtime_error("--epochs must be at least 1 (got " + std::to_string(o.epochs) + ")");
    if (o.modelFile.empty() && (o.firstLayerNeurons < 1 || o.secondLayerNeurons < 1))
        throw std::runtime_error("--first-layer-neurons and --second-layer-neurons must be at least 1");
    if (o.device != "auto" && o.device != "cuda" && o.device != "cpu")
        throw std::runtime_error("--device must be auto, cuda or cpu (got '" + o.device + "')");
}

ModelSpec loadModel(const TrainOptions &o, int features)
{
    if (o.modelFile.empty())
        return defaultModel(784, o.firstLayerNeurons, o.secondLayerNeurons, kClasses); // the seed: input_shape=(784,)
    std::ifstream in(o.modelFile);
    if (!in)
        throw std::runtime_error("cannot read the model file '" + o.modelFile + "' (--model)");
    std::stringstream text;
    text << in.rdbuf();
    ModelSpec m;
    try {
        m = parseKerasModelJson(text.str());
    } catch (const std::exception &e) {
        throw std::runtime_error(o.modelFile + ": " + e.what());
    }
    if (m.inputs == 0)
        m.inputs = features; // no input shape in the JSON: take it from the data
    return m;
}

std::unique_ptr<Backend> makeBackend(const TrainOptions &o, std::ostream &log)
{
    if (o.device == "cpu")
        return makeCpuBackend(o.threads);
    // Only here, with a GPU asked for or allowed, is the CUDA plugin loaded (--device cpu never maps CUDA).
    const std::vector<DeviceInfo> devices = cudaDevices();
    if (o.device == "cuda") {
        if (!cudaCompiledIn())
            return makeCudaBackend(0); // throws with the build's explanation
        if (devices.empty())
            throw std::runtime_error("--device cuda: no CUDA GPU can be used: " + cudaUnavailableReason() +
                                     "; use --device cpu or --device auto");
        return makeCudaBackend(devices.front().index);
    }
    if (!devices.empty())
        return makeCudaBackend(devices.front().index);
    log << "No CUDA GPU found (" << cudaUnavailableReason() << "); training on the CPU\n";
    return makeCpuBackend(o.threads);
}

void printSummary(const ModelSpec &m, std::ostream &log)
{
    auto row = [&](const std::string &a, const std::string &b, const std::string &c) {
        std::string line = " " + a;
        line.resize(std::max<std::size_t>(line.size() + 1, 29), ' ');
        line += b;
        line.resize(std::max<std::size_t>(line.size() + 1, 55), ' ');
        log << line << c << '\n';
    };
    log << "Model: \"" << m.name << "\"\n" << std::string(65, '_') << '\n';
    row("Layer (type)", "Output Shape", "Param #");
    log << std::string(65, '=') << '\n';
    long long total = 0;
    int in = m.inputs;
    for (const DenseLayer &l : m.layers) {
        const long long params = (long long)in * l.units + (l.useBias ? l.units : 0);
        total += params;
        row(l.name + " (Dense)", "(None, " + std::to_string(l.units) + ")", withCommas(params));
        if (!l.dropoutName.empty())
            row(l.dropoutName + " (Dropout)", "(None, " + std::to_string(l.units) + ")", "0");
        in = l.units;
    }
    log << std::string(65, '=') << "\nTotal params: " << withCommas(total)
        << "\nTrainable params: " << withCommas(total) << "\nNon-trainable params: 0\n"
        << std::string(65, '_') << '\n';
}

struct LoadedSet {
    std::vector<float> x;
    std::vector<std::int32_t> labels;
    std::size_t count = 0;
    int features = 0;
    HostData view() const { return {x.data(), labels.data(), count, features, kClasses}; }
};

LoadedSet toFloats(ImageSet &&set)
{
    LoadedSet out;
    out.count = set.count;
    out.features = set.rows * set.cols;
    out.x.resize(set.pixels.size());
    for (std::size_t i = 0; i < set.pixels.size(); ++i)
        out.x[i] = float(double(set.pixels[i]) / 255.0); // x / 255.0 in float64, then float32, as numpy + Keras
    out.labels = std::move(set.labels);
    set.pixels = {};
    return out;
}

} // namespace

TrainSummary runTraining(const TrainOptions &o, std::ostream &log)
{
    const auto start = Clock::now();
    validateOptions(o);
    MetricsWriter metrics(o.metricsFile);

    const MnistFiles files = findMnistFiles(o.dataFolder);
    ImageSet trainSet = loadImageSet(files.trainImages, files.trainLabels, kClasses);
    ImageSet testSet = loadImageSet(files.testImages, files.testLabels, kClasses);
    if (trainSet.rows != testSet.rows || trainSet.cols != testSet.cols)
        throw std::runtime_error("training images are " + std::to_string(trainSet.rows) + "x" +
                                 std::to_string(trainSet.cols) + " but test images are " +
                                 std::to_string(testSet.rows) + "x" + std::to_string(testSet.cols));
    const int features = trainSet.rows * trainSet.cols;
    const ModelSpec model = loadModel(o, features);
    try {
        validateModel(model, features, kClasses);
    } catch (const std::exception &e) {
        throw std::runtime_error((o.modelFile.empty() ? std::string() : o.modelFile + ": ") + e.what() +
                                 " (images in " + o.dataFolder + " are " + std::to_string(trainSet.rows) + "x" +
                                 std::to_string(trainSet.cols) + ")");
    }
    if (std::size_t(o.batchSize) > trainSet.count)
        throw std::runtime_error("--batch-size " + std::to_string(o.batchSize) + " is larger than the training set (" +
                                 std::to_string(trainSet.count) + " samples)");

    const std::uint64_t seed =
        o.seed ? *o.seed : (std::uint64_t(std::random_device{}()) << 32) ^ std::random_device{}();
    std::unique_ptr<Backend> backend = makeBackend(o, log);

    log << "mldesk-train " << MLDESK_VERSION << " (Keras " << kKerasVersion << " semantics)\n"
        << "Loss: " << kLossDescription << '\n'
        << "Device: " << backend->name() << '\n'
        << "Data folder: " << o.dataFolder << '\n'
        << "X_train: (" << trainSet.count << ", " << features << ")  y_train: (" << trainSet.count << ", " << kClasses
        << ")\nX_test: (" << testSet.count << ", " << features << ")  y_test: (" << testSet.count << ", " << kClasses
        << ")\nOptimizer: "
        << (o.optimizer == OptimizerKind::RMSprop ? "RMSprop"
            : o.optimizer == OptimizerKind::Adam  ? "Adam"
                                                  : "SGD")
        << " (learning rate " << o.learningRate << "), batch size " << o.batchSize << ", epochs " << o.epochs
        << ", seed " << seed << (o.seed ? "" : " (random; pass --seed to repeat)") << '\n';
    printSummary(model, log);
    log.flush();

    OptimizerSpec opt;
    opt.kind = o.optimizer;
    opt.learningRate = float(o.learningRate);
    backend->init(model, opt, glorotUniformInit(model, seed), seed);
    const std::size_t trainCount = trainSet.count;
    {
        LoadedSet train = toFloats(std::move(trainSet));
        backend->setTrainData(train.view());
    } // the backend holds its own copy; free ours
    const LoadedSet test = toFloats(std::move(testSet));
    HostData testView = test.view();
    testView.residentKey = 1; // `test` is not changed while training: a GPU backend may keep it on the device

    TrainSummary summary;
    std::vector<std::uint32_t> order(trainCount);
    std::iota(order.begin(), order.end(), 0u);
    Rng shuffler(mix64(seed ^ 0x73687566666c65ull));
    const int every = std::max(1, o.trainLossEvery);
    long long globalStep = 0;
    double windowSum = 0.0;
    int windowSteps = 0;
    EvalResult val;
    for (int epoch = 1; epoch <= o.epochs; ++epoch) {
        const auto t0 = Clock::now();
        for (std::size_t i = order.size() - 1; i > 0; --i) // Fisher-Yates, as Keras shuffles each epoch
            std::swap(order[i], order[shuffler.below(std::uint32_t(i + 1))]);
        const std::vector<float> losses = backend->trainEpoch(order, o.batchSize);
        val = backend->evaluate(testView, std::max(o.batchSize, 1000));
        const double seconds = secondsSince(t0);
        summary.epochSeconds.push_back(seconds);

        // Keras's epoch `loss` is the mean of the step losses weighted by each step's batch size.
        double weighted = 0.0;
        for (std::size_t s = 0; s < losses.size(); ++s) {
            const std::size_t size =
                std::min<std::size_t>(std::size_t(o.batchSize), trainCount - s * std::size_t(o.batchSize));
            weighted += double(losses[s]) * double(size);
            windowSum += losses[s];
            ++globalStep;
            if (++windowSteps == every) {
                metrics.log("train_loss", globalStep, windowSum / windowSteps);
                windowSum = 0.0;
                windowSteps = 0;
            }
        }
        const double trainLoss = weighted / double(trainCount);
        const double trainAccuracy = backend->lastEpochAccuracy();
        log << "Epoch " << epoch << '/' << o.epochs << " - " << fixed(seconds, 2)
            << "s - loss: " << fixed(trainLoss, 4);
        if (trainAccuracy >= 0.0)
            log << " - accuracy: " << fixed(trainAccuracy, 4);
        log << " - val_loss: " << fixed(val.loss, 4) << " - val_accuracy: " << fixed(val.accuracy, 4) << '\n';
        log.flush();
        if (!std::isfinite(trainLoss))
            throw std::runtime_error("the training loss became " + fixed(trainLoss, 4) + " in epoch " +
                                     std::to_string(epoch) + "; lower --learning-rate");
        metrics.log("Loss", epoch, val.loss);
        metrics.log("Accuracy", epoch, val.accuracy);
    }
    summary.testLoss = val.loss;
    summary.testAccuracy = val.accuracy;
    log << "Test loss: " << val.loss << "\nTest accuracy: " << val.accuracy << '\n';
    metrics.log("Final test loss", o.epochs, val.loss);
    metrics.log("Final test accuracy", o.epochs, val.accuracy);

    std::vector<double> sorted = summary.epochSeconds;
    std::sort(sorted.begin(), sorted.end());
    log << "Median epoch " << fixed(sorted[sorted.size() / 2], 3) << " s; training took "
        << fixed(secondsSince(start), 2) << " s\n";
    summary.modelFolder = (o.outputs.empty() ? std::string("outputs") : o.outputs) + "/model";
    summary.wroteWeights = detail::writeModelOutputs(o.outputs, model, backend->parameters(), log);
    log.flush();
    return summary;
}

} // namespace mldesk::gpu
