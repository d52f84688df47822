// gunzip with zlib's gzFile API (handles concatenated members); used when the build found zlib.
#include "Gzip.h"

#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace mldesk::gpu::detail {

bool gzipSupported()
{
    return true;
}

std::vector<std::uint8_t> gunzipFile(const std::string &path, std::size_t maxBytes)
{
    gzFile f = gzopen(path.c_str(), "rb");
    if (!f)
        throw std::runtime_error(path + ": cannot open: " + std::strerror(errno));
    gzbuffer(f, 1 << 17);
    std::vector<std::uint8_t> out;
    std::size_t used = 0;
    for (;;) {
        if (out.size() - used < (1u << 20))
            out.resize(out.size() + (std::size_t(1) << 22));
        const unsigned want = unsigned(std::min<std::size_t>(out.size() - used, 1u << 30));
        const int got = gzread(f, out.data() + used, want);
        if (got < 0) {
            int code = 0;
            const std::string msg = gzerror(f, &code);
            gzclose(f);
            throw std::runtime_error(path + ": corrupt gzip data (" + msg + ")");
        }
        if (got == 0)
            break;
        used += std::size_t(got);
        if (used > maxBytes) {
            gzclose(f);
            throw std::runtime_error(path + ": decompresses to more than " + std::to_string(maxBytes) +
                                     " bytes; not an IDX file this trainer can use");
        }
    }
    // gzread returns 0 both at a clean end and at a truncated stream: gzerror tells them apart.
    int code = 0;
    const std::string msg = gzerror(f, &code);
    gzclose(f);
    if (code != Z_OK && code != Z_BUF_ERROR)
        throw std::runtime_error(path + ": corrupt gzip data (" + msg + ")");
    if (code == Z_BUF_ERROR)
        throw std::runtime_error(path + ": truncated gzip data (the file ends before the compressed stream does)");
    out.resize(used);
    out.shrink_to_fit();
    return out;
}

} // namespace mldesk::gpu::detail
