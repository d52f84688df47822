// Atomic model outputs: temp folder + fsync + rename; a failure leaves no <outputs>/model behind.
#include "ModelOutputs.h"

#include "mldesk/gpu/KerasModel.h"
#include "mldesk/gpu/KerasWeights.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <stdexcept>
#include <unistd.h>

namespace fs = std::filesystem;

namespace mldesk::gpu::detail {

namespace {

void writeFileSynced(const fs::path &path, const std::string &text)
{
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        throw std::runtime_error("cannot create " + path.string() + ": " + std::strerror(errno));
    std::size_t done = 0;
    while (done < text.size()) {
        const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0) {
            ::close(fd);
            throw std::runtime_error("cannot write " + path.string() + ": " + std::strerror(errno));
        }
        done += std::size_t(n);
    }
    const bool ok = ::fsync(fd) == 0;
    ::close(fd);
    if (!ok)
        throw std::runtime_error("cannot flush " + path.string() + " to disk");
}

void syncPath(const fs::path &path)
{
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
}

} // namespace

bool writeModelOutputs(const std::string &outputs, const ModelSpec &model, const Parameters &params, std::ostream &log)
{
    const fs::path root(outputs.empty() ? "outputs" : outputs);
    std::error_code ec;
    fs::create_directories(root, ec);
    if (ec)
        throw std::runtime_error("cannot create the outputs folder '" + root.string() + "': " + ec.message());
    const std::string tag = std::to_string(::getpid());
    const fs::path tmp = root / (".model.tmp-" + tag);
    const fs::path final = root / "model";
    fs::remove_all(tmp, ec);
    if (!fs::create_directory(tmp, ec) || ec)
        throw std::runtime_error("cannot create '" + tmp.string() + "': " + ec.message());
    bool wroteWeights = false;
    try {
        writeFileSynced(tmp / "model.json", kerasModelJson(model));
        if (hdf5Available()) {
            saveKerasWeights((tmp / "model.h5").string(), model, params);
            syncPath(tmp / "model.h5");
            wroteWeights = true;
        }
        syncPath(tmp);
        // Replace an earlier model folder: move it aside first (rename cannot replace a non-empty folder).
        const fs::path old = root / (".model.old-" + tag);
        const bool hadOld = fs::exists(final, ec);
        if (hadOld) {
            fs::remove_all(old, ec);
            fs::rename(final, old);
        }
        fs::rename(tmp, final);
        syncPath(root);
        if (hadOld)
            fs::remove_all(old, ec);
    } catch (const std::exception &e) {
        fs::remove_all(tmp, ec);
        throw std::runtime_error(std::string("writing the model failed, nothing was saved: ") + e.what());
    }
    log << "Saved " << (final / "model.json").string() << '\n';
    if (wroteWeights)
        log << "Saved " << (final / "model.h5").string() << '\n';
    else
        log << "NOTE: did not write model.h5: this mldesk-train was built without HDF5 (only model.json was saved)\n";
    return wroteWeights;
}

} // namespace mldesk::gpu::detail
