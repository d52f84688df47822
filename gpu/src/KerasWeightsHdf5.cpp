// model.h5 in Keras 2's save_weights layout, written with the HDF5 C API (see KerasWeights.h for the layout).
#include "mldesk/gpu/KerasWeights.h"

#include "mldesk/gpu/KerasModel.h"

#include <hdf5.h>

#include <stdexcept>
#include <vector>

namespace mldesk::gpu {

namespace {

// Closes an HDF5 handle on scope exit with the matching close function.
class Handle {
public:
    Handle(hid_t id, herr_t (*close)(hid_t), const std::string &what) : m_id(id), m_close(close)
    {
        if (id < 0)
            throw std::runtime_error("HDF5: cannot create " + what);
    }
    ~Handle()
    {
        if (m_id >= 0)
            m_close(m_id);
    }
    Handle(const Handle &) = delete;
    Handle &operator=(const Handle &) = delete;
    operator hid_t() const { return m_id; }

private:
    hid_t m_id;
    herr_t (*m_close)(hid_t);
};

void check(herr_t status, const std::string &what)
{
    if (status < 0)
        throw std::runtime_error("HDF5: failed to write " + what);
}

// An attribute holding fixed-length, null-padded strings, as h5py writes a numpy bytes array (dtype S<n>).
// scalar = true writes one string with a scalar dataspace (like attrs['backend'] = b'tensorflow').
void writeStringAttribute(hid_t target, const char *name, const std::vector<std::string> &values, bool scalar)
{
    std::size_t width = 1;
    for (const std::string &v : values)
        width = std::max(width, v.size());
    std::vector<char> buffer(width * std::max<std::size_t>(values.size(), 1), '\0');
    for (std::size_t i = 0; i < values.size(); ++i)
        std::copy(values[i].begin(), values[i].end(), buffer.begin() + std::ptrdiff_t(i * width));
    Handle type(H5Tcopy(H5T_C_S1), H5Tclose, "a string type");
    check(H5Tset_size(type, width), name);
    check(H5Tset_strpad(type, H5T_STR_NULLPAD), name);
    const hsize_t dims[1] = {values.size()};
    // An empty list (weight_names of a Dropout layer) is a zero-length 1-D attribute, as h5py stores np.array([]).
    Handle space(scalar ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, dims, nullptr), H5Sclose, "a dataspace");
    if (!scalar && values.empty()) {
        Handle ftype(H5Tcopy(H5T_IEEE_F64LE), H5Tclose, "a float type");
        Handle attr(H5Acreate2(target, name, ftype, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose, name);
        return;
    }
    Handle attr(H5Acreate2(target, name, type, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose, name);
    check(H5Awrite(attr, type, buffer.data()), name);
}

void writeDataset(hid_t group, const std::string &name, const std::vector<float> &data, int rank, const hsize_t *dims)
{
    Handle space(H5Screate_simple(rank, dims, nullptr), H5Sclose, "a dataspace");
    Handle dset(H5Dcreate2(group, name.c_str(), H5T_IEEE_F32LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Dclose,
                "dataset " + name);
    check(H5Dwrite(dset, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data()), "dataset " + name);
}

} // namespace

bool hdf5Available()
{
    return true;
}

void saveKerasWeights(const std::string &path, const ModelSpec &model, const Parameters &params)
{
    if (params.size() != model.layers.size())
        throw std::runtime_error("saveKerasWeights: parameters do not match the model");
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); // errors become exceptions, not stderr dumps
    Handle file(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose, "file " + path);

    std::vector<std::string> layerNames;
    for (const DenseLayer &l : model.layers) {
        layerNames.push_back(l.name);
        if (!l.dropoutName.empty())
            layerNames.push_back(l.dropoutName);
    }
    writeStringAttribute(file, "layer_names", layerNames, false);
    writeStringAttribute(file, "backend", {"tensorflow"}, true);
    writeStringAttribute(file, "keras_version", {kKerasVersion}, true);

    for (std::size_t i = 0; i < model.layers.size(); ++i) {
        const DenseLayer &l = model.layers[i];
        const LayerParams &p = params[i];
        Handle group(H5Gcreate2(file, l.name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose,
                     "group " + l.name);
        std::vector<std::string> weightNames = {l.name + "/kernel:0"};
        if (l.useBias)
            weightNames.push_back(l.name + "/bias:0");
        writeStringAttribute(group, "weight_names", weightNames, false);
        // "dense/kernel:0" inside group "dense" is the nested path /dense/dense/kernel:0, as h5py creates it.
        Handle inner(H5Gcreate2(group, l.name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose,
                     "group " + l.name + "/" + l.name);
        const hsize_t kdims[2] = {hsize_t(p.in), hsize_t(p.out)};
        writeDataset(inner, "kernel:0", p.kernel, 2, kdims);
        if (l.useBias) {
            const hsize_t bdims[1] = {hsize_t(p.out)};
            writeDataset(inner, "bias:0", p.bias, 1, bdims);
        }
        if (!l.dropoutName.empty()) {
            Handle drop(H5Gcreate2(file, l.dropoutName.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose,
                        "group " + l.dropoutName);
            writeStringAttribute(drop, "weight_names", {}, false);
        }
    }
    check(H5Fflush(file, H5F_SCOPE_GLOBAL), path);
}

} // namespace mldesk::gpu
