// mldesk-serve's fast paths against their references (no Qt, no server): the one-pass request parser gives the same
// floats, bit for bit, as simdjson's double -> float for every kind of JSON number and hands anything unusual to the
// simdjson path (also when a big body is split between two threads); the sparse-input Dense kernels match the CPU
// Backend's sgemm forward pass, and rows scored together (a loop's group of small requests) give each row bit for bit
// what it gets alone.
#include "TestHarness.h"

#include "DenseKernels.h"
#include "ScoreJson.h"

#include "mldesk/gpu/Backend.h"

#include <simdjson.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

using namespace mldesk;

namespace {

float simdjsonFloat(const std::string &text)
{
    simdjson::dom::parser parser;
    double d = 0;
    if (parser.parse(text).get(d))
        throw std::runtime_error("simdjson refused " + text);
    return float(d);
}

std::string request(const std::vector<std::string> &numbers, std::size_t inputs)
{
    std::string s = "{\"data\": [";
    for (std::size_t i = 0; i < numbers.size(); ++i) {
        s += i % inputs == 0 ? (i ? "], [" : "[") : ", ";
        s += numbers[i];
    }
    return s + "]]}";
}

} // namespace

MLDESK_TEST(parserMatchesSimdjsonBitForBit)
{
    std::vector<std::string> numbers = {"0",
                                        "0.0",
                                        "-0.0",
                                        "1",
                                        "-1",
                                        "0.00392156862745098",
                                        "0.5019607843137255",
                                        "0.9921568627450981",
                                        "0.996078431372549",
                                        "1e-7",
                                        "-2.5E+3",
                                        "3.4e38",
                                        "1.17549435e-38",
                                        "123456789012345678901234567890.5",
                                        "0.1",
                                        "1.5e-45",
                                        "9007199254740993",
                                        "0.30000000000000004",
                                        "12345.678901234567890123"};
    std::mt19937_64 rng(18);
    std::uniform_real_distribution<double> u(-10.0, 10.0);
    char buf[64];
    for (int i = 0; i < 2000; ++i) {
        std::snprintf(buf, sizeof buf, "%.*g", 1 + i % 17, u(rng) * std::pow(10.0, double(i % 41 - 20)));
        numbers.push_back(buf);
    }
    // And every one again, with the other sign: the second time a 17-digit value may come from the parser's cache
    // of converted values (keyed by the exact digits), which must give the same bits.
    for (std::size_t i = 0, n = numbers.size(); i < n; ++i)
        numbers.push_back(numbers[i].front() == '-' ? numbers[i].substr(1) : "-" + numbers[i]);
    for (int k = 0; k < 256; ++k) { // the seed's pixels, k / 255 as Python writes them, twice
        std::snprintf(buf, sizeof buf, "%.17g", k / 255.0);
        numbers.push_back(buf);
        numbers.push_back(buf);
    }
    const std::string body = request(numbers, 1);
    const serve::ScoreInput in = serve::parseScoreRequest(body, 1, 100000);
    MLDESK_CHECK(in.error.empty());
    MLDESK_CHECK(in.rows == numbers.size());
    for (std::size_t i = 0; i < numbers.size(); ++i) {
        const float want = simdjsonFloat(numbers[i]);
        if (std::memcmp(&want, &in.x[i], sizeof want) != 0)
            throw std::runtime_error(numbers[i] + ": parsed " + std::to_string(in.x[i]) + ", simdjson " +
                                     std::to_string(want));
    }
}

MLDESK_TEST(unusualButValidBodiesStillParse)
{
    // Another key, other whitespace, a trailing key: not the fast shape, the same numbers.
    for (const std::string body : {"{\"id\": 7, \"data\": [[1, 2.5], [3, 4]]}", "\n{\t\"data\" :[[1 ,2.5],[3,4] ]}\r\n",
                                   "{\"data\": [[1, 2.5], [3, 4]], \"extra\": null}"}) {
        const serve::ScoreInput in = serve::parseScoreRequest(body, 2, 10);
        MLDESK_CHECK(in.error.empty());
        MLDESK_CHECK(in.rows == 2);
        MLDESK_CHECK(in.x == (std::vector<float>{1.0f, 2.5f, 3.0f, 4.0f}));
    }
}

MLDESK_TEST(badBodiesKeepTheirMessages)
{
    auto error = [](const std::string &body, std::size_t maxRows = 10) {
        return serve::parseScoreRequest(body, 2, maxRows).error;
    };
    MLDESK_CHECK(error("{\"data\": [[1, 2], [3]]}").find("data[1] has 1 values") != std::string::npos);
    MLDESK_CHECK(error("{\"data\": [[1, \"2\"]]}").find("data[0][1] is a string") != std::string::npos);
    MLDESK_CHECK(error("{\"data\": [[1, 2]]").find("not valid JSON") != std::string::npos);
    MLDESK_CHECK(error("{\"data\": [[01, 2]]}").find("not valid JSON") != std::string::npos);
    MLDESK_CHECK(error("{\"data\": [[1., 2]]}").find("not valid JSON") != std::string::npos);
    MLDESK_CHECK(error("{\"data\": [[1, 2]]} x").find("not valid JSON") != std::string::npos);
    MLDESK_CHECK(error("{\"data\": []}").find("empty list") != std::string::npos);
    // An integer beyond 64 bits is refused as simdjson refuses it (the fast path once took it as inf; FuzzScoreJson).
    MLDESK_CHECK(error("{\"data\": [[0, 26666666666666666666666]]}").find("not valid JSON") != std::string::npos);
    MLDESK_CHECK(error("{\"data\": [[0, -9223372036854775809]]}").find("not valid JSON") != std::string::npos);
    MLDESK_CHECK(error("{\"data\": [[0, -9223372036854775808]]}").empty());
    MLDESK_CHECK(error("{\"data\": [[1, 2], [3, 4]]}", 1).find("at most 1") != std::string::npos);
}

MLDESK_TEST(bigBodiesSplitBetweenTwoThreadsParseTheSame)
{
    // 300 rows of 784 pixels as Python writes k / 255 (about 1.5 MB): split at a row boundary past the middle, the
    // second half on the helper thread; the floats, the rows and the errors are those of the one-thread parse.
    std::mt19937 rng(7);
    std::vector<std::string> numbers;
    char buf[32];
    for (int i = 0; i < 300 * 784; ++i) {
        const int k = int(rng() % 512);
        if (k >= 256)
            numbers.push_back("0.0");
        else {
            std::snprintf(buf, sizeof buf, "%.17g", k / 255.0);
            numbers.push_back(buf);
        }
    }
    const std::string body = request(numbers, 784);
    MLDESK_CHECK(body.size() >= serve::ParseHelper::kMinBytes);
    serve::ParseHelper helper;
    serve::ScoreInput split;
    serve::parseScoreRequest(body, 784, 1000, split, helper);
    const serve::ScoreInput alone = serve::parseScoreRequest(body, 784, 1000);
    MLDESK_CHECK(split.error.empty() && alone.error.empty());
    MLDESK_CHECK(alone.rows == 300);
    MLDESK_CHECK(split.rows == 300);
    MLDESK_CHECK(split.x.size() == alone.x.size());
    MLDESK_CHECK(std::memcmp(split.x.data(), alone.x.data(), alone.x.size() * sizeof(float)) == 0);
    // Errors in either half, and too many rows, are worded as without the split.
    for (const auto &[bad, rows] : std::vector<std::pair<std::string, std::size_t>>{
             {std::string(body).replace(body.rfind("], ["), 4, ", 1], ["), 1000},    // a row of 785 in the second half
             {std::string(body).replace(body.find("], ["), 4, "], [\"x\", "), 1000}, // a string in the first half
             {body, 299}}) {
        serve::ScoreInput got;
        serve::parseScoreRequest(bad, 784, rows, got, helper);
        const std::string want = serve::parseScoreRequest(bad, 784, rows).error;
        MLDESK_CHECK(!want.empty());
        MLDESK_CHECK(got.error == want);
    }
}

namespace {

// 784 -> 300 relu -> 100 tanh -> 13 sigmoid (no bias) -> 10 softmax: wide and narrow layers, widths that are not whole
// panels.
gpu::ModelSpec kernelSpec()
{
    gpu::ModelSpec spec;
    spec.inputs = 784;
    spec.layers = {{"dense_1", 300, gpu::Activation::Relu},
                   {"dense_2", 100, gpu::Activation::Tanh},
                   {"dense_3", 13, gpu::Activation::Sigmoid},
                   {"dense_4", 10, gpu::Activation::Softmax}};
    spec.layers[2].useBias = false;
    return spec;
}

gpu::Parameters randomParams(const gpu::ModelSpec &spec, std::mt19937 &rng)
{
    std::normal_distribution<float> n(0.0f, 0.05f);
    gpu::Parameters params;
    int in = spec.inputs;
    for (const gpu::DenseLayer &l : spec.layers) {
        gpu::LayerParams p{in, l.units, std::vector<float>(std::size_t(in * l.units)), {}};
        for (float &w : p.kernel)
            w = n(rng);
        if (l.useBias)
            for (int j = 0; j < l.units; ++j)
                p.bias.push_back(n(rng));
        params.push_back(std::move(p));
        in = l.units;
    }
    return params;
}

std::vector<float> halfZeroRows(std::size_t rows, std::mt19937 &rng)
{
    std::vector<float> x(rows * 784);
    std::uniform_real_distribution<float> pixel(0.0f, 1.0f);
    for (float &v : x)
        v = pixel(rng) < 0.5f ? 0.0f : pixel(rng); // half zeros, like Fashion-MNIST
    return x;
}

} // namespace

MLDESK_TEST(sparseKernelsMatchTheBackend)
{
    const gpu::ModelSpec spec = kernelSpec();
    std::mt19937 rng(18);
    const gpu::Parameters params = randomParams(spec, rng);
    const std::size_t rows = 7;
    const std::vector<float> x = halfZeroRows(rows, rng);
    auto backend = gpu::makeCpuBackend(1);
    backend->init(spec, gpu::OptimizerSpec{}, params, 0);
    gpu::HostData data;
    data.x = x.data();
    data.count = rows;
    data.features = 784;
    data.classes = 10;
    std::vector<float> want(rows * 10), got(rows * 10);
    backend->predict(data, want.data());
    serve::DenseKernels(spec, params).predict(x.data(), rows, got.data());
    MLDESK_CHECK_ALLCLOSE(got.data(), want.data(), got.size(), 1e-6, 1e-4, "sparse kernels vs Backend");
}

MLDESK_TEST(rowsScoredTogetherGiveEachRowWhatItGetsAlone)
{
    const gpu::ModelSpec spec = kernelSpec();
    std::mt19937 rng(19);
    const serve::DenseKernels kernels(spec, randomParams(spec, rng));
    const std::size_t most = 64; // a full group
    std::vector<float> x = halfZeroRows(most, rng);
    std::fill(x.begin() + 3 * 784, x.begin() + 4 * 784, 0.0f); // a row of zeros only
    std::fill(x.begin() + 5 * 784, x.begin() + 6 * 784, 0.0f);
    x[5 * 784 + 400] = 0.75f; // and one with a single non-zero input
    std::vector<float> alone(most * 10);
    for (std::size_t r = 0; r < most; ++r)
        kernels.predict(x.data() + r * 784, 1, alone.data() + r * 10);
    // Every group size (whole tiles of rows and the rest), starting at every row of the first tiles.
    for (std::size_t first = 0; first < 5; ++first)
        for (std::size_t rows = 1; first + rows <= most; ++rows) {
            std::vector<float> together(rows * 10);
            kernels.predict(x.data() + first * 784, rows, together.data());
            const bool same = std::memcmp(together.data(), alone.data() + first * 10, rows * 10 * sizeof(float)) == 0;
            if (!same)
                std::fprintf(stderr, "rows %zu..%zu together differ from alone\n", first, first + rows - 1);
            MLDESK_CHECK(same);
        }
}

MLDESK_TEST_MAIN()
