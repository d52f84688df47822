// IDX files (the MNIST container format): parsing with full validation, reading plain or gzip-compressed files,
// and loading an MNIST-style image/label pair. Every error names the file and what is wrong with it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace mldesk::gpu {

// An IDX array of unsigned bytes (type 0x08), the only element type MNIST uses.
struct IdxArray {
    std::vector<std::uint32_t> dims; // e.g. {60000, 28, 28} for images, {60000} for labels
    std::vector<std::uint8_t> data;  // product(dims) bytes, row-major
};

// Parses an in-memory IDX file. `name` is used in messages. Throws std::runtime_error on a bad magic number, an
// element type other than unsigned byte, zero or too many dimensions, or a size that disagrees with the header.
// Never reads outside [bytes, bytes + size).
IdxArray parseIdx(const std::uint8_t *bytes, std::size_t size, const std::string &name);

// True when this build can read `.gz` files (built with zlib).
bool idxGzipSupported();

// Reads a file (gunzipping it when its name ends in .gz) and parses it. `maxBytes` caps the decompressed size.
IdxArray readIdxFile(const std::string &path, std::size_t maxBytes = std::size_t(1) << 31);

// The raw bytes of a file, gunzipped when it ends in .gz (throws when zlib is not built in or the data is corrupt).
std::vector<std::uint8_t> readMaybeGzipped(const std::string &path, std::size_t maxBytes);

// Images (count, rows, cols) and labels (count) loaded from an IDX pair.
struct ImageSet {
    std::size_t count = 0;
    int rows = 0;
    int cols = 0;
    std::vector<std::uint8_t> pixels; // (count, rows * cols)
    std::vector<std::int32_t> labels; // (count)
};

// Loads and cross-checks an image file and a label file: the counts must agree and labels must be < classes.
ImageSet loadImageSet(const std::string &imagesPath, const std::string &labelsPath, int classes = 10);

// The four MNIST files, found anywhere under a folder (plain or .gz).
struct MnistFiles {
    std::string trainImages, trainLabels, testImages, testLabels;
};

// Searches `folder` recursively for train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz],
// t10k-images-idx3-ubyte[.gz] and t10k-labels-idx1-ubyte[.gz]. Throws naming the folder or the missing files.
MnistFiles findMnistFiles(const std::string &folder);

} // namespace mldesk::gpu
