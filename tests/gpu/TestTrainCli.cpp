// The real mldesk-train binary: every bad input of issue 3 (clear message, exit 1, no outputs/model), flags,
// --list-devices, and an end-to-end run on synthetic IDX data whose model.json/model.h5 are read back with h5py and
// give the trainer's own test accuracy and loss.
#include "SyntheticData.h"
#include "TestHarness.h"
#include "mldesk/gpu/Backend.h"
#include "mldesk/gpu/KerasModel.h"
#include "mldesk/gpu/KerasWeights.h"

#include <nlohmann/json.hpp>

using namespace mldesk;
namespace fs = std::filesystem;

namespace {

std::string trainer()
{
    const char *path = std::getenv("MLDESK_TRAIN");
    if (!path || !fs::exists(path))
        test::skip("MLDESK_TRAIN does not name the mldesk-train binary (run through ctest)");
    return std::string("'") + path + "'";
}

// Runs mldesk-train in a fresh folder on synthetic data and expects failure with `message`.
void expectFailure(const std::string &name, const std::string &args, const std::string &message,
                   const std::function<void(const fs::path &)> &prepare = {})
{
    const fs::path dir = test::freshDir("cli-" + name);
    test::writeSyntheticMnist(dir / "data", 100, 20);
    if (prepare)
        prepare(dir);
    const test::RunResult r = test::runCommand(trainer() + " --device cpu --epochs 1 " + args, dir);
    MLDESK_CHECK_MSG(r.exitCode == 1, name << ": exit " << r.exitCode << "\n" << r.out << r.err);
    MLDESK_CHECK_MSG(r.err.find(message) != std::string::npos, name << ": stderr lacks '" << message << "': " << r.err);
    MLDESK_CHECK_MSG(!fs::exists(dir / "outputs" / "model"), name << ": outputs/model was left behind");
    fs::remove_all(dir);
}

std::string python()
{
    for (const char *candidate : {"python3", "/usr/bin/python3"})
        if (std::system((std::string(candidate) + " -c 'import h5py, numpy' >/dev/null 2>&1").c_str()) == 0)
            return candidate;
    return {};
}

} // namespace

MLDESK_TEST(missingDataFolder)
{
    expectFailure("nofolder", "--data-folder nowhere", "data folder 'nowhere' does not exist");
    expectFailure("noflag", "", "--data-folder is required");
}

MLDESK_TEST(missingOneFile)
{
    expectFailure("nofile", "--data-folder data", "lacks t10k-images-idx3-ubyte",
                  [](const fs::path &d) { fs::remove(d / "data" / "t10k-images-idx3-ubyte"); });
}

MLDESK_TEST(imagesAndLabelsDisagree)
{
    expectFailure("count", "--data-folder data", "images and labels disagree in count", [](const fs::path &d) {
        test::writeFile(d / "data" / "t10k-labels-idx1-ubyte", test::idxBytes({19}, std::vector<std::uint8_t>(19, 1)));
    });
}

MLDESK_TEST(truncatedImages)
{
    expectFailure("truncated", "--data-folder data", "train-images-idx3-ubyte: truncated", [](const fs::path &d) {
        const fs::path f = d / "data" / "sub" / "train-images-idx3-ubyte";
        fs::resize_file(f, fs::file_size(f) - 100);
    });
}

MLDESK_TEST(imagesNot28x28)
{
    expectFailure("dims", "--data-folder data", "expects 784 inputs but the images have 400 pixels",
                  [](const fs::path &d) {
                      fs::remove_all(d / "data");
                      test::writeSyntheticMnist(d / "data", 100, 20, 20, 20);
                  });
}

MLDESK_TEST(badBatchSizes)
{
    expectFailure("batch0", "--data-folder data --batch-size 0", "--batch-size must be at least 1");
    expectFailure("batchbig", "--data-folder data --batch-size 101", "larger than the training set (100 samples)");
}

MLDESK_TEST(badLearningRates)
{
    expectFailure("lrneg", "--data-folder data --learning-rate -0.1", "--learning-rate must not be negative");
    expectFailure("lrnan", "--data-folder data --learning-rate fast", "--learning-rate needs a number, got 'fast'");
}

MLDESK_TEST(cudaWithoutGpu)
{
    if (!gpu::cudaDevices().empty())
        test::skip("this machine has a CUDA GPU");
    expectFailure("cuda", "--data-folder data --device cuda", "--device cpu");
}

// issue 13: the CUDA backend is a plugin; a missing or broken one is said plainly, and a CPU run never loads it.
MLDESK_TEST(cudaPluginMissingOrBrokenIsSaidPlainly)
{
    if (!gpu::cudaCompiledIn())
        test::skip("built without CUDA: there is no plugin");
    const fs::path dir = test::freshDir("cli-plugin");
    test::writeSyntheticMnist(dir / "data", 100, 20);
    const std::string missing = "MLDESK_CUDA_PLUGIN='" + (dir / "nowhere" / "libmldesk_gpu_cuda.so").string() + "' ";
    test::RunResult r = test::runCommand(missing + trainer() + " --device cuda --epochs 1 --data-folder data", dir);
    MLDESK_CHECK_MSG(r.exitCode == 1, r.out << r.err);
    MLDESK_CHECK_MSG(r.err.find("the CUDA plugin libmldesk_gpu_cuda.so is not installed") != std::string::npos &&
                         r.err.find("--device cpu") != std::string::npos,
                     r.err);
    MLDESK_CHECK(!fs::exists(dir / "outputs" / "model"));
    // auto falls back to the CPU and says why
    r = test::runCommand(missing + trainer() + " --epochs 1 --data-folder data", dir);
    MLDESK_CHECK_MSG(r.exitCode == 0 && r.out.find("No CUDA GPU found (the CUDA plugin") != std::string::npos &&
                         r.out.find("training on the CPU") != std::string::npos,
                     r.out << r.err);
    // a file that is not a plugin: dlopen's own reason is passed on
    test::writeFile(dir / "broken.so", {'n', 'o', 't', ' ', 'E', 'L', 'F'});
    r = test::runCommand("MLDESK_CUDA_PLUGIN='" + (dir / "broken.so").string() + "' " + trainer() +
                             " --device cuda --epochs 1 --data-folder data",
                         dir);
    MLDESK_CHECK_MSG(r.exitCode == 1 && r.err.find("broken.so could not be loaded: ") != std::string::npos, r.err);
    r = test::runCommand("MLDESK_CUDA_PLUGIN='" + (dir / "broken.so").string() + "' " + trainer() + " --list-devices",
                         dir);
    MLDESK_CHECK_MSG(r.exitCode == 0 && r.out.find("could not be loaded") != std::string::npos, r.out);
    // --device cpu maps neither the plugin nor any CUDA library (glibc's loader lists every object it opens)
    r = test::runCommand("LD_DEBUG=files " + trainer() + " --device cpu --epochs 1 --data-folder data", dir);
    MLDESK_CHECK_MSG(r.exitCode == 0, r.out << r.err);
    MLDESK_CHECK_MSG(r.err.find("file=") != std::string::npos, "LD_DEBUG=files printed nothing: " << r.err);
    MLDESK_CHECK_MSG(r.err.find("libmldesk_gpu_cuda") == std::string::npos &&
                         r.err.find("libcudart") == std::string::npos && r.err.find("libcublas") == std::string::npos,
                     "a CPU run loaded CUDA:\n"
                         << r.err);
    fs::remove_all(dir);
}

MLDESK_TEST(unsupportedModelLayer)
{
    expectFailure("conv", "--data-folder data --model m.json", "'conv2d' is a Conv2D", [](const fs::path &d) {
        const std::string json = R"({"class_name":"Sequential","config":{"name":"s","layers":[
            {"class_name":"Conv2D","config":{"name":"conv2d","filters":8}},
            {"class_name":"Dense","config":{"name":"dense","units":10,"activation":"softmax"}}]}})";
        test::writeFile(d / "m.json", std::vector<std::uint8_t>(json.begin(), json.end()));
    });
    expectFailure("nomodel", "--data-folder data --model none.json", "cannot read the model file 'none.json'");
    expectFailure("unknown", "--data-folder data --frobnicate", "unknown argument '--frobnicate'");
}

MLDESK_TEST(helpVersionAndDevices)
{
    const fs::path dir = test::freshDir("cli-info");
    test::RunResult r = test::runCommand(trainer() + " --help", dir);
    MLDESK_CHECK(r.exitCode == 0 && r.out.find("--first-layer-neurons") != std::string::npos);
    r = test::runCommand(trainer() + " --version", dir);
    MLDESK_CHECK(r.exitCode == 0 && r.out.rfind("mldesk-train ", 0) == 0);
    r = test::runCommand(trainer() + " --list-devices", dir);
    MLDESK_CHECK(r.exitCode == 0);
    const auto j = nlohmann::json::parse(r.out);
    MLDESK_CHECK(j["devices"].is_array() && j["devices"].size() == gpu::cudaDevices().size());
    fs::remove_all(dir);
}

MLDESK_TEST(endToEndWritesKerasFiles)
{
    const fs::path dir = test::freshDir("cli-e2e");
    test::writeSyntheticMnist(dir / "data", 1000, 200);
    const std::string model = R"({"class_name":"Sequential","config":{"name":"sequential","layers":[
        {"class_name":"InputLayer","config":{"batch_input_shape":[null,784],"name":"in"}},
        {"class_name":"Dense","config":{"name":"hidden","units":32,"activation":"tanh"}},
        {"class_name":"Dropout","config":{"name":"drop","rate":0.1}},
        {"class_name":"Dense","config":{"name":"out","units":10,"activation":"softmax"}}]}})";
    test::writeFile(dir / "model.json", std::vector<std::uint8_t>(model.begin(), model.end()));
    for (const std::string &variant : {std::string("default"), std::string("custom")}) {
        fs::remove_all(dir / "outputs");
        fs::remove(dir / "metrics.jsonl");
        const std::string args = variant == "default" ? " --first-layer-neurons 40 --second-layer-neurons 20"
                                                      : " --model model.json --optimizer adam";
        const test::RunResult r = test::runCommand("MLDESK_METRICS_FILE=metrics.jsonl " + trainer() +
                                                       " --data-folder data --device cpu --epochs 3 --batch-size 32"
                                                       " --seed 5" +
                                                       args,
                                                   dir);
        MLDESK_CHECK_MSG(r.exitCode == 0, r.out << r.err);
        MLDESK_CHECK(r.out.find("Epoch 3/3 - ") != std::string::npos);
        // issue 13: the log says which cross-entropy the code computes (TestCpuBackend checks that it does)
        MLDESK_CHECK_MSG(r.out.find(std::string("Loss: ") + gpu::kLossDescription) != std::string::npos, r.out);
        MLDESK_CHECK(r.out.find("as tf.keras 2.13") != std::string::npos &&
                     r.out.find("no probability clip") != std::string::npos);
        MLDESK_CHECK(fs::exists(dir / "outputs" / "model" / "model.json"));
        // Metrics: whole JSON lines, Loss/Accuracy per epoch, the final pair, train_loss.
        std::istringstream lines(test::readText(dir / "metrics.jsonl"));
        std::map<std::string, int> counts;
        double finalAccuracy = -1.0, finalLoss = -1.0;
        for (std::string line; std::getline(lines, line);) {
            const auto j = nlohmann::json::parse(line);
            const std::string name = j["name"].get<std::string>();
            ++counts[name];
            MLDESK_CHECK(j.contains("step") && j.contains("value") && j.contains("time"));
            if (name == "Final test accuracy")
                finalAccuracy = j["value"].get<double>();
            if (name == "Final test loss")
                finalLoss = j["value"].get<double>();
        }
        MLDESK_CHECK(counts["Loss"] == 3 && counts["Accuracy"] == 3 && counts["Final test loss"] == 1 &&
                     counts["Final test accuracy"] == 1);
        MLDESK_CHECK_MSG(finalAccuracy > 0.9, "synthetic data should be learnt: " << finalAccuracy);
        const auto json = nlohmann::json::parse(test::readText(dir / "outputs" / "model" / "model.json"));
        MLDESK_CHECK(json["class_name"] == "Sequential" && json["config"]["layers"][0]["class_name"] == "Dense");
        MLDESK_CHECK(json["config"]["layers"][0]["config"]["batch_input_shape"][1] == 784);
        if (!gpu::hdf5Available()) {
            MLDESK_CHECK(r.out.find("did not write model.h5") != std::string::npos);
            continue;
        }
        MLDESK_CHECK(fs::exists(dir / "outputs" / "model" / "model.h5"));
        const std::string py = python();
        if (py.empty())
            test::skip("no python3 with h5py and numpy: model.h5 not read back");
        const test::RunResult h5 = test::runCommand(
            py + " '" MLDESK_TEST_SOURCE_DIR "/read_keras_h5.py' outputs/model/model.h5 outputs/model/model.json "
                 "data/t10k-images-idx3-ubyte data/t10k-labels-idx1-ubyte",
            dir);
        MLDESK_CHECK_MSG(h5.exitCode == 0, h5.out << h5.err);
        const auto back = nlohmann::json::parse(h5.out);
        // numpy's forward pass over the saved weights gives the trainer's own final test accuracy and loss.
        MLDESK_CHECK_CLOSE(back["accuracy"].get<double>(), finalAccuracy, 1e-9, 0);
        MLDESK_CHECK_CLOSE(back["loss"].get<double>(), finalLoss, 1e-5, 1e-4);
        if (variant == "custom")
            MLDESK_CHECK(back["layers"] == nlohmann::json({"hidden", "drop", "out"}));
        else
            MLDESK_CHECK(back["shapes"]["dense"][0] == nlohmann::json({784, 40}));
    }
    fs::remove_all(dir);
}

MLDESK_TEST_MAIN()
