// Keras weights from HDF5 with the C API; see the header for the two layouts.
#include "KerasWeightsReader.h"

#include <hdf5.h>

#include <stdexcept>
#include <vector>

namespace mldesk::serve {

namespace {

class Handle {
public:
    Handle(hid_t id, herr_t (*close)(hid_t)) : m_id(id), m_close(close) {}
    ~Handle()
    {
        if (m_id >= 0)
            m_close(m_id);
    }
    Handle(const Handle &) = delete;
    Handle &operator=(const Handle &) = delete;
    bool valid() const { return m_id >= 0; }
    operator hid_t() const { return m_id; }

private:
    hid_t m_id;
    herr_t (*m_close)(hid_t);
};

bool linkExists(hid_t loc, const std::string &path)
{
    // H5Lexists needs every intermediate link to exist: walk the path one part at a time.
    std::string prefix;
    std::size_t start = 0;
    while (start <= path.size()) {
        const std::size_t slash = path.find('/', start);
        const std::string part = path.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
        prefix += (prefix.empty() ? "" : "/") + part;
        if (H5Lexists(loc, prefix.c_str(), H5P_DEFAULT) <= 0)
            return false;
        if (slash == std::string::npos)
            break;
        start = slash + 1;
    }
    return true;
}

// The strings of a fixed- or variable-length string attribute (weight_names).
std::vector<std::string> stringAttribute(hid_t object, const char *name)
{
    std::vector<std::string> values;
    if (H5Aexists(object, name) <= 0)
        return values;
    Handle attr(H5Aopen(object, name, H5P_DEFAULT), H5Aclose);
    Handle type(H5Aget_type(attr), H5Tclose);
    Handle space(H5Aget_space(attr), H5Sclose);
    if (!attr.valid() || !type.valid() || !space.valid() || H5Tget_class(type) != H5T_STRING)
        return values;
    const hssize_t count = H5Sget_simple_extent_npoints(space);
    if (count <= 0)
        return values;
    if (H5Tis_variable_str(type) > 0) {
        std::vector<char *> raw(std::size_t(count), nullptr);
        Handle memType(H5Tcopy(H5T_C_S1), H5Tclose);
        H5Tset_size(memType, H5T_VARIABLE);
        if (H5Aread(attr, memType, raw.data()) >= 0)
            for (char *s : raw)
                values.emplace_back(s ? s : "");
        H5Dvlen_reclaim(memType, space, H5P_DEFAULT, raw.data());
        return values;
    }
    const std::size_t width = H5Tget_size(type);
    std::vector<char> buffer(width * std::size_t(count) + 1, '\0');
    if (H5Aread(attr, type, buffer.data()) < 0)
        return values;
    for (hssize_t i = 0; i < count; ++i) {
        const char *s = buffer.data() + std::size_t(i) * width;
        std::size_t n = 0;
        while (n < width && s[n] != '\0')
            ++n;
        values.emplace_back(s, n);
    }
    return values;
}

std::vector<float> readFloats(hid_t file, const std::string &path, const std::vector<hsize_t> &expected,
                              const std::string &what)
{
    Handle dset(H5Dopen2(file, path.c_str(), H5P_DEFAULT), H5Dclose);
    if (!dset.valid())
        throw std::runtime_error(what + ": cannot open dataset '" + path + "'");
    Handle space(H5Dget_space(dset), H5Sclose);
    const int rank = H5Sget_simple_extent_ndims(space);
    std::vector<hsize_t> dims(std::size_t(std::max(rank, 0)));
    if (rank > 0)
        H5Sget_simple_extent_dims(space, dims.data(), nullptr);
    if (dims != expected) {
        auto text = [](const std::vector<hsize_t> &d) {
            std::string s = "(";
            for (std::size_t i = 0; i < d.size(); ++i)
                s += (i ? ", " : "") + std::to_string(d[i]);
            return s + ")";
        };
        throw std::runtime_error(what + ": '" + path + "' has shape " + text(dims) + ", the model needs " +
                                 text(expected));
    }
    std::size_t n = 1;
    for (hsize_t d : dims)
        n *= std::size_t(d);
    std::vector<float> data(n);
    if (H5Dread(dset, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data()) < 0)
        throw std::runtime_error(what + ": cannot read '" + path + "'");
    return data;
}

// Keras 2: group <layer> with weight_names ["<layer>/kernel:0", "<layer>/bias:0"], datasets at <layer>/<name>.
// Keras 3: layers/<layer>/vars/0 and /1 (the Sequential's own group may sit in between).
std::pair<std::string, std::string> weightPaths(hid_t file, const std::string &layer, bool useBias)
{
    if (linkExists(file, layer)) {
        Handle group(H5Gopen2(file, layer.c_str(), H5P_DEFAULT), H5Gclose);
        std::string kernel, bias;
        for (const std::string &name : stringAttribute(group, "weight_names")) {
            if (name.find("kernel") != std::string::npos)
                kernel = layer + "/" + name;
            else if (name.find("bias") != std::string::npos)
                bias = layer + "/" + name;
        }
        if (!kernel.empty() && (!useBias || !bias.empty()))
            return {kernel, bias};
    }
    for (const std::string &prefix : {"layers/" + layer + "/vars", "layers/sequential/layers/" + layer + "/vars",
                                      "_layer_checkpoint_dependencies/" + layer + "/vars"}) {
        if (linkExists(file, prefix + "/0"))
            return {prefix + "/0", useBias ? prefix + "/1" : std::string()};
    }
    return {};
}

} // namespace

gpu::Parameters loadKerasWeights(const std::string &path, const gpu::ModelSpec &model)
{
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
    if (!file.valid())
        throw std::runtime_error("cannot open the weights file '" + path + "' (is it an HDF5 file Keras wrote?)");
    if (linkExists(file, "model_weights")) // a whole-model model.save('x.h5'): the weights sit in this group
        throw std::runtime_error("'" + path +
                                 "' is a whole-model Keras file; export the weights with "
                                 "model.save_weights('model.h5') and the architecture with model.to_json()");
    gpu::Parameters params;
    int in = model.inputs;
    for (const gpu::DenseLayer &l : model.layers) {
        const auto [kernelPath, biasPath] = weightPaths(file, l.name, l.useBias);
        const std::string what = "weights of layer '" + l.name + "' in " + path;
        if (kernelPath.empty())
            throw std::runtime_error(what + ": not found (neither the Keras 2 save_weights nor the Keras 3 layout)");
        gpu::LayerParams p;
        p.in = in;
        p.out = l.units;
        p.kernel = readFloats(file, kernelPath, {hsize_t(in), hsize_t(l.units)}, what);
        if (l.useBias)
            p.bias = readFloats(file, biasPath, {hsize_t(l.units)}, what);
        params.push_back(std::move(p));
        in = l.units;
    }
    return params;
}

} // namespace mldesk::serve
