// gunzip in a build without zlib (GPU-only machines): a clear error telling the user to decompress the files.
#include "Gzip.h"

#include <stdexcept>

namespace mldesk::gpu::detail {

bool gzipSupported()
{
    return false;
}

std::vector<std::uint8_t> gunzipFile(const std::string &path, std::size_t)
{
    throw std::runtime_error(path +
                             ": this mldesk-train was built without zlib and cannot read .gz files; "
                             "decompress them first (gunzip -k '" +
                             path + "') or rebuild with zlib");
}

} // namespace mldesk::gpu::detail
