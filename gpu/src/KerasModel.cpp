// Keras Sequential model.json in and out (nlohmann-json), the default seed MLP, and glorot-uniform initialisation.
#include "mldesk/gpu/KerasModel.h"

#include "mldesk/gpu/Random.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <stdexcept>

namespace mldesk::gpu {

using json = nlohmann::json;
using ordered_json = nlohmann::ordered_json;

ModelSpec defaultModel(int inputs, int firstLayer, int secondLayer, int classes)
{
    ModelSpec m;
    m.inputs = inputs;
    m.layers.push_back({"dense", firstLayer, Activation::Relu, true, 0.0f, {}});
    m.layers.push_back({"dense_1", secondLayer, Activation::Relu, true, 0.0f, {}});
    m.layers.push_back({"dense_2", classes, Activation::Softmax, true, 0.0f, {}});
    return m;
}

namespace {

Activation parseActivation(const json &v, const std::string &layer)
{
    if (v.is_null())
        return Activation::Linear;
    if (!v.is_string())
        throw std::runtime_error("model JSON: layer '" + layer + "' has an activation that is not a name");
    const std::string s = v.get<std::string>();
    if (s == "linear")
        return Activation::Linear;
    if (s == "relu")
        return Activation::Relu;
    if (s == "sigmoid")
        return Activation::Sigmoid;
    if (s == "tanh")
        return Activation::Tanh;
    if (s == "softmax")
        return Activation::Softmax;
    throw std::runtime_error("model JSON: layer '" + layer + "' uses activation '" + s +
                             "', which is not supported (supported: relu, sigmoid, tanh, softmax, linear)");
}

// [null, d1, d2, ...] -> {d1, d2, ...}; empty when absent.
std::vector<long long> inputShape(const json &config)
{
    for (const char *key : {"batch_input_shape", "batch_shape"}) {
        auto it = config.find(key);
        if (it == config.end() || !it->is_array())
            continue;
        std::vector<long long> dims;
        for (std::size_t i = 1; i < it->size(); ++i) {
            if (!(*it)[i].is_number_integer() || (*it)[i].get<long long>() <= 0)
                throw std::runtime_error(std::string("model JSON: ") + key + " must hold positive sizes");
            dims.push_back((*it)[i].get<long long>());
        }
        return dims;
    }
    return {};
}

} // namespace

ModelSpec parseKerasModelJson(const std::string &text)
{
    json root;
    try {
        root = json::parse(text);
    } catch (const json::exception &e) {
        throw std::runtime_error(std::string("model JSON is not valid JSON: ") + e.what());
    }
    if (!root.is_object() || root.value("class_name", std::string()) != "Sequential")
        throw std::runtime_error("model JSON: expected a Keras Sequential model (\"class_name\": \"Sequential\"), "
                                 "as written by model.to_json()");
    const json *layers = nullptr;
    ModelSpec model;
    model.inputs = 0;
    auto cfg = root.find("config");
    if (cfg != root.end() && cfg->is_array())
        layers = &*cfg; // Keras 2.0-era layout: config is the layer list
    else if (cfg != root.end() && cfg->is_object()) {
        if (cfg->contains("name") && (*cfg)["name"].is_string())
            model.name = (*cfg)["name"].get<std::string>();
        auto l = cfg->find("layers");
        if (l != cfg->end() && l->is_array())
            layers = &*l;
    }
    if (!layers)
        throw std::runtime_error("model JSON: no config.layers list found");

    std::vector<long long> shape;
    int index = 0;
    for (const json &layer : *layers) {
        ++index;
        if (!layer.is_object() || !layer.contains("class_name") || !layer["class_name"].is_string())
            throw std::runtime_error("model JSON: layer " + std::to_string(index) + " has no class_name");
        const std::string cls = layer["class_name"].get<std::string>();
        const json config = layer.contains("config") && layer["config"].is_object() ? layer["config"] : json::object();
        const std::string name = config.contains("name") && config["name"].is_string()
                                     ? config["name"].get<std::string>()
                                     : cls + "_" + std::to_string(index);
        const std::vector<long long> declared = inputShape(config);
        if (!declared.empty()) {
            if (!model.layers.empty() || model.inputs != 0)
                throw std::runtime_error("model JSON: layer '" + name + "' declares an input shape but is not first");
            shape = declared;
        }
        if (cls == "InputLayer") {
            if (!model.layers.empty())
                throw std::runtime_error("model JSON: InputLayer '" + name + "' is not the first layer");
            continue;
        }
        if (cls == "Flatten") {
            if (!model.layers.empty())
                throw std::runtime_error("model JSON: Flatten layer '" + name +
                                         "' is supported only before the first Dense layer");
            long long n = 1;
            for (long long d : shape)
                n *= d;
            shape = {n};
            continue;
        }
        if (cls == "Dense") {
            if (model.layers.empty()) {
                if (shape.size() > 1)
                    throw std::runtime_error("model JSON: Dense layer '" + name + "' gets a " +
                                             std::to_string(shape.size()) +
                                             "-dimensional input; add a Flatten layer or use a 1-D input shape");
                model.inputs = shape.empty() ? 0 : int(shape[0]);
            }
            DenseLayer d;
            d.name = name;
            if (!config.contains("units") || !config["units"].is_number_integer() ||
                config["units"].get<long long>() <= 0)
                throw std::runtime_error("model JSON: Dense layer '" + name + "' needs a positive integer 'units'");
            if (config["units"].get<long long>() > (1 << 20))
                throw std::runtime_error("model JSON: Dense layer '" + name + "' has too many units");
            d.units = config["units"].get<int>();
            d.activation = parseActivation(config.contains("activation") ? config["activation"] : json(), name);
            d.useBias = config.value("use_bias", true);
            model.layers.push_back(d);
            continue;
        }
        if (cls == "Dropout") {
            if (model.layers.empty())
                throw std::runtime_error("model JSON: Dropout layer '" + name +
                                         "' before the first Dense layer is not supported");
            DenseLayer &prev = model.layers.back();
            if (prev.dropoutRate > 0.0f || !prev.dropoutName.empty())
                throw std::runtime_error("model JSON: two Dropout layers in a row ('" + prev.dropoutName + "', '" +
                                         name + "') are not supported");
            if (!config.contains("rate") || !config["rate"].is_number())
                throw std::runtime_error("model JSON: Dropout layer '" + name + "' needs a numeric 'rate'");
            const double rate = config["rate"].get<double>();
            if (!(rate >= 0.0 && rate < 1.0))
                throw std::runtime_error("model JSON: Dropout layer '" + name + "' has rate " + std::to_string(rate) +
                                         "; it must be in [0, 1)");
            prev.dropoutRate = float(rate);
            prev.dropoutName = name;
            continue;
        }
        throw std::runtime_error("model JSON: layer " + std::to_string(index) + " '" + name + "' is a " + cls +
                                 ", which mldesk-train does not support (supported: Dense, Dropout, InputLayer, "
                                 "Flatten before the first Dense)");
    }
    if (model.layers.empty())
        throw std::runtime_error("model JSON: the model has no Dense layer");
    if (!model.layers.back().dropoutName.empty())
        throw std::runtime_error("model JSON: Dropout layer '" + model.layers.back().dropoutName +
                                 "' after the output layer is not supported");
    return model;
}

void validateModel(const ModelSpec &model, int features, int classes)
{
    if (model.layers.empty())
        throw std::runtime_error("the model has no layers");
    if (model.inputs != features)
        throw std::runtime_error("the model expects " + std::to_string(model.inputs) + " inputs but the images have " +
                                 std::to_string(features) +
                                 " pixels; use 28x28 images for a 784-input model or change the model's input shape");
    for (std::size_t i = 0; i + 1 < model.layers.size(); ++i)
        if (model.layers[i].activation == Activation::Softmax)
            throw std::runtime_error("layer '" + model.layers[i].name +
                                     "': softmax is supported only on the output layer");
    const DenseLayer &last = model.layers.back();
    if (last.activation != Activation::Softmax)
        throw std::runtime_error("output layer '" + last.name +
                                 "' must use softmax (the loss is categorical "
                                 "cross-entropy on probabilities); it uses " +
                                 activationName(last.activation));
    if (last.units != classes)
        throw std::runtime_error("output layer '" + last.name + "' has " + std::to_string(last.units) +
                                 " units but the data has " + std::to_string(classes) + " classes");
}

std::string kerasModelJson(const ModelSpec &model)
{
    ordered_json layers = ordered_json::array();
    for (std::size_t i = 0; i < model.layers.size(); ++i) {
        const DenseLayer &l = model.layers[i];
        ordered_json c;
        c["name"] = l.name;
        c["trainable"] = true;
        if (i == 0)
            c["batch_input_shape"] = ordered_json::array({nullptr, model.inputs});
        c["dtype"] = "float32";
        c["units"] = l.units;
        c["activation"] = activationName(l.activation);
        c["use_bias"] = l.useBias;
        c["kernel_initializer"] = {{"class_name", "GlorotUniform"}, {"config", {{"seed", nullptr}}}};
        c["bias_initializer"] = {{"class_name", "Zeros"}, {"config", ordered_json::object()}};
        c["kernel_regularizer"] = nullptr;
        c["bias_regularizer"] = nullptr;
        c["activity_regularizer"] = nullptr;
        c["kernel_constraint"] = nullptr;
        c["bias_constraint"] = nullptr;
        layers.push_back({{"class_name", "Dense"}, {"config", c}});
        if (!l.dropoutName.empty()) {
            ordered_json d;
            d["name"] = l.dropoutName;
            d["trainable"] = true;
            d["dtype"] = "float32";
            d["rate"] = std::round(double(l.dropoutRate) * 1e6) / 1e6; // 0.2, not 0.20000000298
            d["noise_shape"] = nullptr;
            d["seed"] = nullptr;
            layers.push_back({{"class_name", "Dropout"}, {"config", d}});
        }
    }
    ordered_json root;
    root["class_name"] = "Sequential";
    root["config"] = {{"name", model.name}, {"layers", layers}};
    root["keras_version"] = kKerasVersion;
    root["backend"] = "tensorflow";
    return root.dump();
}

Parameters glorotUniformInit(const ModelSpec &model, std::uint64_t seed)
{
    Rng rng(mix64(seed ^ 0x676c6f726f74ull));
    Parameters params;
    int in = model.inputs;
    for (const DenseLayer &l : model.layers) {
        LayerParams p;
        p.in = in;
        p.out = l.units;
        const float limit = float(std::sqrt(6.0 / double(in + l.units)));
        p.kernel.resize(std::size_t(in) * std::size_t(l.units));
        for (float &w : p.kernel)
            w = (2.0f * rng.uniform() - 1.0f) * limit;
        if (l.useBias)
            p.bias.assign(std::size_t(l.units), 0.0f);
        params.push_back(std::move(p));
        in = l.units;
    }
    return params;
}

} // namespace mldesk::gpu
