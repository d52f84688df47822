// mldesk-train flag parsing: `--flag value` or `--flag=value`, strict numbers, clear messages.
#include "TrainCommandLine.h"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <stdexcept>

namespace mldesk::train {

namespace {

long long parseInteger(const std::string &flag, const std::string &v, long long lo, long long hi)
{
    long long out = 0;
    const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
    if (v.empty() || ec != std::errc() || end != v.data() + v.size())
        throw std::runtime_error(flag + " needs a whole number, got '" + v + "'");
    if (out < lo || out > hi)
        throw std::runtime_error(flag + " must be between " + std::to_string(lo) + " and " + std::to_string(hi) +
                                 ", got " + v);
    return out;
}

double parseNumber(const std::string &flag, const std::string &v)
{
    errno = 0;
    char *end = nullptr;
    const double out = std::strtod(v.c_str(), &end);
    if (v.empty() || end != v.c_str() + v.size() || errno == ERANGE || !std::isfinite(out))
        throw std::runtime_error(flag + " needs a number, got '" + v + "'");
    return out;
}

} // namespace

CommandLine parseCommandLine(const std::vector<std::string> &args)
{
    CommandLine cl;
    gpu::TrainOptions &o = cl.options;
    for (std::size_t i = 0; i < args.size(); ++i) {
        std::string flag = args[i];
        std::string value;
        bool hasValue = false;
        if (const auto eq = flag.find('='); flag.rfind("--", 0) == 0 && eq != std::string::npos) {
            value = flag.substr(eq + 1);
            flag = flag.substr(0, eq);
            hasValue = true;
        }
        auto next = [&]() -> std::string {
            if (hasValue)
                return value;
            if (i + 1 >= args.size())
                throw std::runtime_error(flag + " needs a value (see --help)");
            return args[++i];
        };
        if (flag == "--help" || flag == "-h")
            cl.action = CommandLine::Action::Help;
        else if (flag == "--version")
            cl.action = CommandLine::Action::Version;
        else if (flag == "--list-devices")
            cl.action = CommandLine::Action::ListDevices;
        else if (flag == "--data-folder")
            o.dataFolder = next();
        else if (flag == "--batch-size")
            o.batchSize = int(parseInteger(flag, next(), 0, 1 << 24));
        else if (flag == "--first-layer-neurons")
            o.firstLayerNeurons = int(parseInteger(flag, next(), 1, 1 << 16));
        else if (flag == "--second-layer-neurons")
            o.secondLayerNeurons = int(parseInteger(flag, next(), 1, 1 << 16));
        else if (flag == "--learning-rate") {
            o.learningRate = parseNumber(flag, next());
            if (o.learningRate < 0.0)
                throw std::runtime_error("--learning-rate must not be negative, got " + args[i]);
        } else if (flag == "--epochs")
            o.epochs = int(parseInteger(flag, next(), 1, 1000000));
        else if (flag == "--optimizer") {
            const std::string v = next();
            if (v == "rmsprop")
                o.optimizer = gpu::OptimizerKind::RMSprop;
            else if (v == "adam")
                o.optimizer = gpu::OptimizerKind::Adam;
            else if (v == "sgd")
                o.optimizer = gpu::OptimizerKind::SGD;
            else
                throw std::runtime_error("--optimizer must be rmsprop, adam or sgd, got '" + v + "'");
        } else if (flag == "--model")
            o.modelFile = next();
        else if (flag == "--device") {
            o.device = next();
            if (o.device != "auto" && o.device != "cuda" && o.device != "cpu")
                throw std::runtime_error("--device must be auto, cuda or cpu, got '" + o.device + "'");
        } else if (flag == "--seed")
            o.seed = std::uint64_t(parseInteger(flag, next(), 0, (1ll << 62)));
        else if (flag == "--outputs")
            o.outputs = next();
        else if (flag == "--threads")
            o.threads = int(parseInteger(flag, next(), 0, 256));
        else
            throw std::runtime_error("unknown argument '" + args[i] + "' (see --help)");
    }
    if (cl.action == CommandLine::Action::Train && o.dataFolder.empty())
        throw std::runtime_error("--data-folder is required: the folder holding the MNIST IDX files "
                                 "(train-images-idx3-ubyte.gz, ...)");
    if (cl.action == CommandLine::Action::Train && o.batchSize == 0)
        throw std::runtime_error("--batch-size must be at least 1, got 0");
    return cl;
}

std::string helpText()
{
    return R"(Usage: mldesk-train --data-folder DIR [options]

Trains the Keras MNIST MLP (Dense relu, Dense relu, Dense softmax) natively on a CUDA GPU or the CPU, logs like
Keras verbose=2, and writes OUTPUTS/model/model.json and model.h5.

  --data-folder DIR            folder searched (recursively) for train-images-idx3-ubyte[.gz],
                               train-labels-idx1-ubyte[.gz], t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]
  --batch-size N               mini-batch size (default 50)
  --first-layer-neurons N      units of the first hidden layer (default 100)
  --second-layer-neurons N     units of the second hidden layer (default 100)
  --learning-rate X            learning rate (default 0.001)
  --epochs N                   epochs (default 20)
  --optimizer NAME             rmsprop | adam | sgd, Keras defaults otherwise (default rmsprop)
  --model FILE                 a Keras Sequential model.json (Dense, Dropout) to train instead of the default MLP
  --device auto|cuda|cpu       where to train (default auto: CUDA when a GPU is present)
  --seed N                     seed for initialisation, shuffling and dropout (default: random, printed)
  --outputs DIR                outputs folder (default ./outputs)
  --threads N                  CPU threads (default: one per core)
  --list-devices               print the CUDA GPUs as JSON and exit
  --help                       this text
  --version                    the version

Environment: MLDESK_METRICS_FILE=FILE appends metrics as JSON lines (Loss, Accuracy per epoch, train_loss,
Final test loss, Final test accuracy). The GPU backend is a plugin, libmldesk_gpu_cuda.so, loaded only when a GPU
is used (next to mldesk-train or in <libdir>/mldesk; MLDESK_CUDA_PLUGIN=FILE names another); without it, or
without the CUDA runtime, --device cuda says so and --device auto trains on the CPU.
Loss: categorical cross-entropy from the output layer's logits, as tf.keras 2.13 (no probability clip).
Exit status: 0 on success, 1 on bad input or failure (no OUTPUTS/model is left behind).
)";
}

std::string listDevicesJson()
{
    nlohmann::ordered_json root;
    root["cuda_compiled"] = gpu::cudaCompiledIn();
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const gpu::DeviceInfo &d : gpu::cudaDevices()) {
        nlohmann::ordered_json j;
        j["index"] = d.index;
        j["name"] = d.name;
        j["memory_bytes"] = d.memoryBytes;
        j["compute_capability"] = std::to_string(d.computeMajor) + "." + std::to_string(d.computeMinor);
        j["multiprocessors"] = d.multiprocessors;
        list.push_back(j);
    }
    root["devices"] = list;
    if (list.empty()) // why, e.g. the CUDA plugin or runtime is missing (issue 13)
        root["cuda_unavailable"] = gpu::cudaUnavailableReason();
    return root.dump(2);
}

} // namespace mldesk::train
