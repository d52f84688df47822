// Reading gzip-compressed files: implemented with zlib (GzipZlib.cpp) or, in builds without zlib, as a clear error
// (GzipNone.cpp). Private to mldesk_gpu.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace mldesk::gpu::detail {

bool gzipSupported();

// Decompresses a whole .gz file; throws std::runtime_error naming the file when it is corrupt, truncated,
// larger than `maxBytes` once decompressed, or when this build has no zlib.
std::vector<std::uint8_t> gunzipFile(const std::string &path, std::size_t maxBytes);

} // namespace mldesk::gpu::detail
