// Small synthetic MNIST-style data for gpu/ tests: learnable images (the class picks which band of rows is bright)
// written as IDX files, plus helpers to write raw IDX bytes and run the real mldesk-train binary.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include "mldesk/gpu/Random.h"

namespace mldesk::test {

inline std::vector<std::uint8_t> idxBytes(const std::vector<std::uint32_t> &dims, const std::vector<std::uint8_t> &data)
{
    std::vector<std::uint8_t> out = {0, 0, 0x08, std::uint8_t(dims.size())};
    for (std::uint32_t d : dims)
        for (int s = 24; s >= 0; s -= 8)
            out.push_back(std::uint8_t(d >> s));
    out.insert(out.end(), data.begin(), data.end());
    return out;
}

inline void writeFile(const std::filesystem::path &path, const std::vector<std::uint8_t> &bytes)
{
    std::filesystem::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char *>(bytes.data()), std::streamsize(bytes.size()));
}

inline std::string readText(const std::filesystem::path &path)
{
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// `count` images of rows x cols: class c lights rows in band c (of 10 bands) with noise; labels cycle with noise.
struct SyntheticSet {
    std::vector<std::uint8_t> pixels;
    std::vector<std::uint8_t> labels;
};

inline SyntheticSet makeSynthetic(std::uint32_t count, std::uint32_t rows, std::uint32_t cols, std::uint64_t seed)
{
    gpu::Rng rng(seed);
    SyntheticSet s;
    s.pixels.resize(std::size_t(count) * rows * cols);
    s.labels.resize(count);
    for (std::uint32_t i = 0; i < count; ++i) {
        const std::uint32_t label = rng.below(10);
        s.labels[i] = std::uint8_t(label);
        for (std::uint32_t r = 0; r < rows; ++r)
            for (std::uint32_t c = 0; c < cols; ++c) {
                const bool band = (r * 10 / rows) == label;
                const float v = (band ? 0.6f : 0.05f) + 0.4f * rng.uniform();
                s.pixels[(std::size_t(i) * rows + r) * cols + c] = std::uint8_t(v > 1.0f ? 255 : v * 255.0f);
            }
    }
    return s;
}

// Writes the four MNIST files (plain IDX) into `folder/sub`.
inline void writeSyntheticMnist(const std::filesystem::path &folder, std::uint32_t train, std::uint32_t test,
                                std::uint32_t rows = 28, std::uint32_t cols = 28)
{
    const SyntheticSet a = makeSynthetic(train, rows, cols, 11), b = makeSynthetic(test, rows, cols, 22);
    writeFile(folder / "sub" / "train-images-idx3-ubyte", idxBytes({train, rows, cols}, a.pixels));
    writeFile(folder / "sub" / "train-labels-idx1-ubyte", idxBytes({train}, a.labels));
    writeFile(folder / "t10k-images-idx3-ubyte", idxBytes({test, rows, cols}, b.pixels));
    writeFile(folder / "t10k-labels-idx1-ubyte", idxBytes({test}, b.labels));
}

inline std::filesystem::path freshDir(const std::string &name)
{
    const auto dir =
        std::filesystem::temp_directory_path() / ("mldesk-test-" + name + "-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    return dir;
}

struct RunResult {
    int exitCode = -1;
    std::string out, err;
};

// Runs a shell command line in `cwd`, capturing stdout and stderr.
inline RunResult runCommand(const std::string &commandLine, const std::filesystem::path &cwd)
{
    const std::string outFile = (cwd / ".stdout").string(), errFile = (cwd / ".stderr").string();
    const std::string cmd = "cd '" + cwd.string() + "' && " + commandLine + " >'" + outFile + "' 2>'" + errFile + "'";
    const int status = std::system(cmd.c_str());
    RunResult r;
    r.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = readText(outFile);
    r.err = readText(errFile);
    std::filesystem::remove(outFile);
    std::filesystem::remove(errFile);
    return r;
}

} // namespace mldesk::test
