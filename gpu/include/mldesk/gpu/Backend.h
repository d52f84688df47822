// The training backend interface of mldesk-train: one implementation on the CPU (OpenBLAS), one on CUDA/cuBLAS.
// Public header: no CUDA types, no Qt. The Trainer drives a Backend one epoch at a time, so a backend is free to
// keep data and weights resident on the device and to run a whole epoch without returning to the host.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace mldesk::gpu {

enum class Activation { Linear, Relu, Sigmoid, Tanh, Softmax };

// One Keras Dense layer, optionally followed by a Keras Dropout layer (dropoutRate > 0).
struct DenseLayer {
    std::string name; // Keras layer name, e.g. "dense_1"
    int units = 0;
    Activation activation = Activation::Linear;
    bool useBias = true;
    float dropoutRate = 0.0f; // rate of a Dropout layer that follows this one (0 = none)
    std::string dropoutName;  // Keras name of that Dropout layer
};

// A Keras Sequential model of Dense layers. The last layer is softmax; the loss is categorical cross-entropy.
struct ModelSpec {
    std::string name = "sequential";
    int inputs = 784;
    std::vector<DenseLayer> layers;
};

enum class OptimizerKind { RMSprop, Adam, SGD };

// Keras defaults for each optimizer (RMSprop rho 0.9, Adam betas 0.9/0.999, epsilon 1e-7, SGD no momentum).
struct OptimizerSpec {
    OptimizerKind kind = OptimizerKind::RMSprop;
    float learningRate = 0.001f;
    float rho = 0.9f;
    float beta1 = 0.9f;
    float beta2 = 0.999f;
    float epsilon = 1e-7f;
    float momentum = 0.0f;
    bool nesterov = false;
};

// Weights of one Dense layer as Keras stores them: kernel (in, out) row-major, bias (out).
struct LayerParams {
    int in = 0;
    int out = 0;
    std::vector<float> kernel; // (in, out)
    std::vector<float> bias;   // (out); empty when the layer has no bias
};
using Parameters = std::vector<LayerParams>;

// A view of host data: x (count, features) row-major in [0, 1], labels (count) class indices in [0, classes).
struct HostData {
    const float *x = nullptr;
    const int32_t *labels = nullptr;
    std::size_t count = 0;
    int features = 0;
    int classes = 0;
    // Non-zero: the caller promises these contents stay the same for as long as it passes this key, so a backend
    // may keep a device copy between evaluate()/predict() calls (the test set, evaluated every epoch). 0: no promise.
    std::uint64_t residentKey = 0;
};

struct EvalResult {
    double loss = 0.0;     // mean categorical cross-entropy from the logits, as tf.keras (-log softmax, no clip)
    double accuracy = 0.0; // fraction of argmax(prediction) == label
};

struct DeviceInfo {
    int index = 0;
    std::string name;
    std::size_t memoryBytes = 0;
    int computeMajor = 0;
    int computeMinor = 0;
    int multiprocessors = 0;
};

class Backend {
public:
    virtual ~Backend() = default;

    // Human-readable description, e.g. "cpu (OpenBLAS, 2 threads)" or "cuda:0 (NVIDIA H200, sm_90)".
    virtual std::string name() const = 0;

    // Sets the model, optimizer and initial weights; resets optimizer state. `seed` drives dropout masks.
    virtual void init(const ModelSpec &model, const OptimizerSpec &optimizer, const Parameters &initial,
                      std::uint64_t seed) = 0;

    // Copies (or uploads) the training set once; `data` need not outlive the call.
    virtual void setTrainData(const HostData &data) = 0;

    // One epoch of mini-batch training over the training set in the order given by `order` (a permutation of
    // [0, count)). The last batch may be smaller, as in Keras. Returns the mean loss of each step, in order.
    virtual std::vector<float> trainEpoch(const std::vector<std::uint32_t> &order, int batchSize) = 0;

    // Training accuracy (fraction of argmax == label) over the last trainEpoch, as Keras logs `accuracy`; a backend
    // that does not track it returns a negative value and the trainer leaves it out of the log.
    virtual double lastEpochAccuracy() const { return -1.0; }

    // Loss and accuracy over `data` in inference mode (no dropout).
    virtual EvalResult evaluate(const HostData &data, int batchSize) = 0;

    // Softmax outputs for `data`: out (count, classes) row-major.
    virtual void predict(const HostData &data, float *out) = 0;

    // The current weights, copied to the host.
    virtual Parameters parameters() const = 0;
};

// CPU backend: OpenBLAS sgemm and vectorised elementwise loops; threads = 0 means one per core.
std::unique_ptr<Backend> makeCpuBackend(int threads = 0);

// True when this build has the CUDA backend: the CUDA plugin (libmldesk_gpu_cuda.so), loaded with dlopen only by
// the calls below, so a CPU-only run never maps the CUDA libraries. The plugin may still be missing at run time.
bool cudaCompiledIn();

// GPUs visible to the CUDA runtime; empty when there is no device, no driver, no CUDA plugin or runtime, or no CUDA
// in this build. Loads the plugin on first use.
std::vector<DeviceInfo> cudaDevices();

// Why cudaDevices() is empty, in words a user can act on (plugin or CUDA runtime missing, no device, no CUDA in this
// build); empty when a device is available.
std::string cudaUnavailableReason();

// CUDA backend on device `index`. Throws std::runtime_error with a clear message when CUDA is not compiled in or
// the device is missing.
std::unique_ptr<Backend> makeCudaBackend(int index = 0);

} // namespace mldesk::gpu
