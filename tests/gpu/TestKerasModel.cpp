// Keras model JSON in and out, glorot-uniform initialisation, model validation and the metrics line format.
#include "TestHarness.h"
#include "mldesk/gpu/KerasModel.h"
#include "mldesk/gpu/MetricsWriter.h"

#include <nlohmann/json.hpp>

#include <cmath>

using namespace mldesk;

MLDESK_TEST(writesKeras2StyleJsonThatParsesBack)
{
    gpu::ModelSpec m = gpu::defaultModel(784, 300, 100, 10);
    m.layers[0].dropoutRate = 0.2f;
    m.layers[0].dropoutName = "dropout";
    const auto j = nlohmann::json::parse(gpu::kerasModelJson(m));
    MLDESK_CHECK(j["class_name"] == "Sequential" && j["backend"] == "tensorflow");
    MLDESK_CHECK(j["keras_version"].get<std::string>().rfind("2.", 0) == 0);
    const auto &layers = j["config"]["layers"];
    MLDESK_CHECK(layers.size() == 4);
    MLDESK_CHECK(layers[0]["config"]["batch_input_shape"] == nlohmann::json({nullptr, 784}));
    MLDESK_CHECK(layers[0]["config"]["kernel_initializer"]["class_name"] == "GlorotUniform");
    MLDESK_CHECK(layers[0]["config"]["bias_initializer"]["class_name"] == "Zeros");
    MLDESK_CHECK(layers[1]["class_name"] == "Dropout" && layers[1]["config"]["rate"] == 0.2);
    MLDESK_CHECK(layers[3]["config"]["activation"] == "softmax" && layers[3]["config"]["units"] == 10);
    MLDESK_CHECK(!layers[2]["config"].contains("batch_input_shape"));
    const gpu::ModelSpec back = gpu::parseKerasModelJson(gpu::kerasModelJson(m));
    MLDESK_CHECK(back.inputs == 784 && back.layers.size() == 3 && back.layers[0].dropoutName == "dropout");
    MLDESK_CHECK(back.layers[1].name == "dense_1" && back.layers[2].activation == gpu::Activation::Softmax);
}

MLDESK_TEST(readsKeras3AndFlatten)
{
    const gpu::ModelSpec m = gpu::parseKerasModelJson(R"({"module":"keras","class_name":"Sequential","config":{
        "name":"seq","layers":[{"class_name":"InputLayer","config":{"batch_shape":[null,28,28],"name":"input"}},
        {"class_name":"Flatten","config":{"name":"flatten"}},
        {"class_name":"Dense","config":{"name":"d1","units":64,"activation":"sigmoid","use_bias":false}},
        {"class_name":"Dense","config":{"name":"d2","units":10,"activation":"softmax"}}]}})");
    MLDESK_CHECK(m.inputs == 784 && m.name == "seq" && !m.layers[0].useBias);
    MLDESK_CHECK(m.layers[0].activation == gpu::Activation::Sigmoid);
}

MLDESK_TEST(rejectsWhatItCannotTrain)
{
    MLDESK_CHECK_THROWS(gpu::parseKerasModelJson("{"), "not valid JSON");
    MLDESK_CHECK_THROWS(gpu::parseKerasModelJson(R"({"class_name":"Functional","config":{}})"), "Sequential");
    MLDESK_CHECK_THROWS(gpu::parseKerasModelJson(R"({"class_name":"Sequential","config":{"layers":[
        {"class_name":"LSTM","config":{"name":"lstm"}}]}})"),
                        "'lstm' is a LSTM");
    MLDESK_CHECK_THROWS(gpu::parseKerasModelJson(R"({"class_name":"Sequential","config":{"layers":[
        {"class_name":"Dense","config":{"name":"d","units":10,"activation":"elu"}}]}})"),
                        "activation 'elu'");
    MLDESK_CHECK_THROWS(gpu::parseKerasModelJson(R"({"class_name":"Sequential","config":{"layers":[
        {"class_name":"Dense","config":{"name":"d","units":10,"activation":"softmax"}},
        {"class_name":"Dropout","config":{"name":"x","rate":0.5}}]}})"),
                        "after the output layer");
    const gpu::ModelSpec m = gpu::defaultModel(784, 10, 10, 10);
    MLDESK_CHECK_THROWS(gpu::validateModel(m, 400, 10), "expects 784 inputs but the images have 400 pixels");
    MLDESK_CHECK_THROWS(gpu::validateModel(gpu::defaultModel(784, 10, 10, 5), 784, 10), "has 5 units");
}

MLDESK_TEST(glorotUniformHasKerasLimitsAndZeroBias)
{
    const gpu::ModelSpec m = gpu::defaultModel(784, 300, 100, 10);
    const gpu::Parameters p = gpu::glorotUniformInit(m, 1);
    const double limit = std::sqrt(6.0 / (784 + 300));
    double sumSq = 0.0, maxAbs = 0.0;
    for (float w : p[0].kernel) {
        sumSq += double(w) * w;
        maxAbs = std::max(maxAbs, double(std::fabs(w)));
    }
    MLDESK_CHECK(maxAbs <= limit && maxAbs > 0.99 * limit);
    // Uniform(-l, l) has variance l^2 / 3.
    MLDESK_CHECK_CLOSE(sumSq / double(p[0].kernel.size()), limit * limit / 3.0, 0, 0.01);
    for (const auto &l : p)
        for (float b : l.bias)
            MLDESK_CHECK(b == 0.0f);
    MLDESK_CHECK(gpu::glorotUniformInit(m, 1)[1].kernel == p[1].kernel);
    MLDESK_CHECK(gpu::glorotUniformInit(m, 2)[1].kernel != p[1].kernel);
}

MLDESK_TEST(metricLinesAreJson)
{
    const std::string line = gpu::MetricsWriter::formatLine("Loss", 3, 0.41, 1732590000.1234);
    MLDESK_CHECK_MSG(line == R"({"name":"Loss","step":3,"value":0.41,"time":1732590000.123})", line);
    MLDESK_CHECK(nlohmann::json::parse(gpu::MetricsWriter::formatLine("x", 1, NAN, 0))["value"].is_null());
}

MLDESK_TEST_MAIN()
