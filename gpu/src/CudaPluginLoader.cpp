// The CUDA entry points of a CUDA-enabled mldesk_gpu: they dlopen the CUDA plugin (libmldesk_gpu_cuda.so) the first
// time a GPU is asked for, so a CPU run never maps the CUDA runtime, cuBLAS or cuBLASLt. Looked for in
// $MLDESK_CUDA_PLUGIN (only there when set), next to the executable, in <exe>/../MLDESK_CUDA_PLUGIN_RELDIR (the
// installed layout), and at the build tree's own plugin (MLDESK_CUDA_PLUGIN_BUILD_FILE).
#include "CudaPlugin.h"

#include <dlfcn.h>

#include <filesystem>
#include <mutex>
#include <stdexcept>

#ifndef MLDESK_CUDA_PLUGIN_RELDIR
#define MLDESK_CUDA_PLUGIN_RELDIR "lib/mldesk"
#endif

namespace mldesk::gpu {
namespace {

namespace fs = std::filesystem;

struct LoadedPlugin {
    const CudaPluginApi *api = nullptr;
    std::string error; // why api is null, as the user should read it
};

std::vector<fs::path> candidates()
{
    if (const char *env = std::getenv("MLDESK_CUDA_PLUGIN"); env && *env)
        return {fs::path(env)};
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (ec)
        return {fs::path(kCudaPluginFile)}; // the dynamic loader's own search path
    const fs::path dir = exe.parent_path();
    std::vector<fs::path> paths{dir / kCudaPluginFile,
                                (dir / ".." / MLDESK_CUDA_PLUGIN_RELDIR / kCudaPluginFile).lexically_normal()};
#ifdef MLDESK_CUDA_PLUGIN_BUILD_FILE
    if (paths.front() != fs::path(MLDESK_CUDA_PLUGIN_BUILD_FILE))
        paths.emplace_back(MLDESK_CUDA_PLUGIN_BUILD_FILE); // the build tree, for executables not in app/train
#endif
    return paths;
}

LoadedPlugin load()
{
    LoadedPlugin p;
    std::string looked;
    for (const fs::path &path : candidates()) {
        std::error_code ec;
        if (path.has_parent_path() && !fs::exists(path, ec)) {
            looked += (looked.empty() ? "" : ", ") + path.string();
            continue;
        }
        void *handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
        if (!handle) {
            const std::string why = dlerror();
            p.error = "the CUDA plugin " + path.string() + " could not be loaded: " + why;
            if (why.find("libcu") != std::string::npos)
                p.error += " (the CUDA runtime libraries it needs, libcudart/libcublas/libcublasLt, are not "
                           "installed or not on the library path: install the CUDA runtime, or use --device cpu)";
            return p;
        }
        using Entry = const CudaPluginApi *(*)();
        auto entry = reinterpret_cast<Entry>(dlsym(handle, kCudaPluginEntry));
        const CudaPluginApi *api = entry ? entry() : nullptr;
        if (!api || !api->abi || std::string(api->abi) != kCudaPluginAbi || !api->devices || !api->makeBackend) {
            p.error = "the CUDA plugin " + path.string() + " does not belong to this mldesk-train (expected '" +
                      kCudaPluginAbi + "', found '" + (api && api->abi ? api->abi : "no entry point") +
                      "'): reinstall mldesk and its CUDA plugin from one build";
            dlclose(handle);
            return p;
        }
        p.api = api; // never unloaded: backends it made may outlive any caller
        return p;
    }
    p.error = std::string("the CUDA plugin ") + kCudaPluginFile + " is not installed (looked for " + looked +
              "): install it with this mldesk-train (a CUDA-enabled build makes it next to the executable), or "
              "use --device cpu";
    return p;
}

const LoadedPlugin &plugin()
{
    static const LoadedPlugin loaded = load();
    return loaded;
}

} // namespace

bool cudaCompiledIn()
{
    return true;
}

std::vector<DeviceInfo> cudaDevices()
{
    const LoadedPlugin &p = plugin();
    return p.api ? p.api->devices(nullptr) : std::vector<DeviceInfo>{};
}

std::string cudaUnavailableReason()
{
    const LoadedPlugin &p = plugin();
    if (!p.api)
        return p.error;
    std::string why;
    return p.api->devices(&why).empty() ? "no CUDA device is available (" + why + ")" : std::string();
}

std::unique_ptr<Backend> makeCudaBackend(int index)
{
    const LoadedPlugin &p = plugin();
    if (!p.api)
        throw std::runtime_error(p.error);
    return p.api->makeBackend(index);
}

} // namespace mldesk::gpu
