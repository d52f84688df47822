// IDX parsing and the MNIST file set: strict header validation, no out-of-bounds reads, messages naming the file.
#include "mldesk/gpu/Idx.h"

#include "Gzip.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace fs = std::filesystem;

namespace mldesk::gpu {

namespace {

std::uint32_t bigEndian32(const std::uint8_t *p)
{
    return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) | p[3];
}

bool endsWith(const std::string &s, const std::string &suffix)
{
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::vector<std::uint8_t> readPlainFile(const std::string &path, std::size_t maxBytes)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw std::runtime_error(path + ": cannot open the file");
    in.seekg(0, std::ios::end);
    const std::streamoff size = in.tellg();
    if (size < 0)
        throw std::runtime_error(path + ": cannot read the file");
    if (std::size_t(size) > maxBytes)
        throw std::runtime_error(path + ": file is larger than " + std::to_string(maxBytes) + " bytes");
    in.seekg(0, std::ios::beg);
    std::vector<std::uint8_t> data(static_cast<std::size_t>(size));
    if (!data.empty() && !in.read(reinterpret_cast<char *>(data.data()), size))
        throw std::runtime_error(path + ": read error");
    return data;
}

} // namespace

IdxArray parseIdx(const std::uint8_t *bytes, std::size_t size, const std::string &name)
{
    if (size < 4)
        throw std::runtime_error(name + ": not an IDX file (" + std::to_string(size) +
                                 " bytes, shorter than the 4-byte magic number)");
    if (bytes[0] != 0 || bytes[1] != 0)
        throw std::runtime_error(name + ": not an IDX file (bad magic number; is it still compressed, or a "
                                        "different format?)");
    if (bytes[2] != 0x08)
        throw std::runtime_error(name + ": IDX element type 0x" + "0123456789abcdef"[bytes[2] >> 4] +
                                 "0123456789abcdef"[bytes[2] & 15] + " is not supported (only unsigned bytes, 0x08)");
    const unsigned rank = bytes[3];
    if (rank == 0 || rank > 4)
        throw std::runtime_error(name + ": IDX header gives " + std::to_string(rank) + " dimensions; expected 1 to 4");
    const std::size_t header = 4 + 4 * std::size_t(rank);
    if (size < header)
        throw std::runtime_error(name + ": truncated IDX header (" + std::to_string(size) + " bytes, need " +
                                 std::to_string(header) + ")");
    IdxArray out;
    std::size_t elements = 1;
    for (unsigned i = 0; i < rank; ++i) {
        const std::uint32_t d = bigEndian32(bytes + 4 + 4 * i);
        if (d == 0)
            throw std::runtime_error(name + ": dimension " + std::to_string(i) + " is 0 (empty data set)");
        out.dims.push_back(d);
        // The payload is at most `size` bytes, so a product past it is an error whatever comes next; checking as
        // we go also keeps the product from overflowing.
        elements *= d;
        if (elements > size)
            break;
    }
    const std::size_t payload = size - header;
    if (elements != payload) {
        std::string shape;
        for (std::size_t i = 0; i < out.dims.size(); ++i)
            shape += (i ? " x " : "") + std::to_string(out.dims[i]);
        const std::string what = elements > payload ? "truncated" : "has trailing bytes";
        throw std::runtime_error(name + ": " + what + ": the header says " + shape +
                                 (rank != out.dims.size() ? " x ..." : "") + " but the file holds " +
                                 std::to_string(payload) + " data bytes");
    }
    out.data.assign(bytes + header, bytes + size);
    return out;
}

bool idxGzipSupported()
{
    return detail::gzipSupported();
}

std::vector<std::uint8_t> readMaybeGzipped(const std::string &path, std::size_t maxBytes)
{
    return endsWith(path, ".gz") ? detail::gunzipFile(path, maxBytes) : readPlainFile(path, maxBytes);
}

IdxArray readIdxFile(const std::string &path, std::size_t maxBytes)
{
    const std::vector<std::uint8_t> raw = readMaybeGzipped(path, maxBytes);
    return parseIdx(raw.data(), raw.size(), path);
}

ImageSet loadImageSet(const std::string &imagesPath, const std::string &labelsPath, int classes)
{
    IdxArray images = readIdxFile(imagesPath);
    if (images.dims.size() != 3)
        throw std::runtime_error(imagesPath + ": expected 3 dimensions (count, rows, cols) for images, found " +
                                 std::to_string(images.dims.size()));
    IdxArray labels = readIdxFile(labelsPath);
    if (labels.dims.size() != 1)
        throw std::runtime_error(labelsPath + ": expected 1 dimension (count) for labels, found " +
                                 std::to_string(labels.dims.size()));
    if (images.dims[0] != labels.dims[0])
        throw std::runtime_error("images and labels disagree in count: " + imagesPath + " holds " +
                                 std::to_string(images.dims[0]) + " images but " + labelsPath + " holds " +
                                 std::to_string(labels.dims[0]) + " labels");
    ImageSet set;
    set.count = images.dims[0];
    set.rows = int(images.dims[1]);
    set.cols = int(images.dims[2]);
    set.pixels = std::move(images.data);
    set.labels.resize(set.count);
    for (std::size_t i = 0; i < set.count; ++i) {
        if (labels.data[i] >= classes)
            throw std::runtime_error(labelsPath + ": label " + std::to_string(labels.data[i]) + " at index " +
                                     std::to_string(i) + " is outside 0.." + std::to_string(classes - 1));
        set.labels[i] = labels.data[i];
    }
    return set;
}

MnistFiles findMnistFiles(const std::string &folder)
{
    std::error_code ec;
    if (folder.empty())
        throw std::runtime_error("no data folder given: pass --data-folder DIR (a folder holding the MNIST IDX files)");
    if (!fs::is_directory(folder, ec))
        throw std::runtime_error("data folder '" + folder + "' does not exist or is not a folder");
    const char *wanted[4] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                             "t10k-labels-idx1-ubyte"};
    std::string found[4];
    // Deterministic: collect candidates, prefer the plain file, then the shortest (shallowest) path.
    for (auto it = fs::recursive_directory_iterator(folder, fs::directory_options::skip_permission_denied, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (!it->is_regular_file(ec))
            continue;
        const std::string fileName = it->path().filename().string();
        for (int i = 0; i < 4; ++i) {
            const std::string w = wanted[i];
            if (fileName != w && fileName != w + ".gz")
                continue;
            const std::string p = it->path().string();
            auto rank = [&](const std::string &q) {
                return std::make_pair(endsWith(q, ".gz"), q.size());
            };
            if (found[i].empty() || rank(p) < rank(found[i]) || (rank(p) == rank(found[i]) && p < found[i]))
                found[i] = p;
        }
    }
    std::string missing;
    for (int i = 0; i < 4; ++i)
        if (found[i].empty())
            missing += std::string(missing.empty() ? "" : ", ") + wanted[i] + "[.gz]";
    if (!missing.empty())
        throw std::runtime_error("data folder '" + folder + "' lacks " + missing + " (searched all its subfolders)");
    return {found[0], found[1], found[2], found[3]};
}

} // namespace mldesk::gpu
