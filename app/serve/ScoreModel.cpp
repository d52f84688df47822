// ScoreModel: finds the model files in a folder, parses model.json with gpu/'s Keras reader, reads the weights and
// hands both to a Backend; see the header.
#include "ScoreModel.h"

#include "KerasWeightsReader.h"

#include "mldesk/gpu/KerasModel.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace fs = std::filesystem;

namespace mldesk::serve {

namespace {

std::string readText(const fs::path &path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw std::runtime_error("cannot read " + path.string());
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// First match of any of `names` in folder or below (a registered model keeps the paths it was registered with).
fs::path findFile(const fs::path &folder, const std::initializer_list<const char *> &names)
{
    for (const char *name : names)
        if (fs::is_regular_file(folder / name))
            return folder / name;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(folder, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
        if (!it->is_regular_file())
            continue;
        for (const char *name : names)
            if (it->path().filename() == name)
                return it->path();
    }
    return {};
}

} // namespace

std::unique_ptr<ScoreModel> ScoreModel::load(const std::string &folder, const std::string &device, int cpuThreads)
{
    const fs::path root(folder);
    if (!fs::is_directory(root))
        throw std::runtime_error("the model folder '" + folder + "' does not exist");
    const fs::path json = findFile(root, {"model.json", "config.json"});
    if (json.empty()) {
        if (!findFile(root, {"model.keras"}).empty())
            throw std::runtime_error("'" + folder +
                                     "' holds a .keras archive; unpack it (unzip model.keras) so that "
                                     "config.json and model.weights.h5 are in the folder");
        throw std::runtime_error("no model.json (Keras 2: model.to_json()) or config.json (Keras 3) in '" + folder +
                                 "'");
    }
    const fs::path weights = json.parent_path() / (json.filename() == "model.json" ? "model.h5" : "model.weights.h5");
    fs::path weightsFile = fs::is_regular_file(weights) ? weights : findFile(root, {"model.h5", "model.weights.h5"});
    if (weightsFile.empty())
        throw std::runtime_error("no weights next to " + json.string() +
                                 ": expected model.h5 (Keras 2 save_weights) or model.weights.h5 (Keras 3)");

    auto model = std::unique_ptr<ScoreModel>(new ScoreModel());
    model->m_spec = gpu::parseKerasModelJson(readText(json));
    if (model->m_spec.inputs <= 0)
        throw std::runtime_error(json.string() + " gives no input shape; the server needs it to check requests");
    const gpu::Parameters params = loadKerasWeights(weightsFile.string(), model->m_spec);

    std::string note;
    if (device == "cuda") {
        if (!gpu::cudaDevices().empty())
            model->m_backend = gpu::makeCudaBackend(0);
        else
            note = " (CUDA asked for, but " +
                   std::string(gpu::cudaCompiledIn() ? "no device is visible" : "this build has no CUDA") + ")";
    } else if (device != "cpu")
        throw std::runtime_error("unknown device '" + device + "'; use cpu or cuda");
    if (!model->m_backend) {
        model->m_backend = gpu::makeCpuBackend(cpuThreads);
        model->m_small = std::make_unique<DenseKernels>(model->m_spec, params);
    }
    model->m_backend->init(model->m_spec, gpu::OptimizerSpec{}, params, 0);
    model->m_description = model->m_backend->name() + note;
    if (model->m_small)
        model->m_description += std::string("; up to ") + std::to_string(kSmallBatch) + " rows sparse-input kernels" +
                                (DenseKernels::vectorized() ? " (AVX2)" : "");
    return model;
}

void ScoreModel::predict(const float *x, std::size_t rows, float *out)
{
    if (m_small && rows <= kSmallBatch)
        return m_small->predict(x, rows, out);
    gpu::HostData data;
    data.x = x;
    data.count = rows;
    data.features = m_spec.inputs;
    data.classes = outputs();
    m_backend->predict(data, out);
}

} // namespace mldesk::serve
