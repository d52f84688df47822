// ApiKeys: the endpoint's two keys (primary, secondary), read from a file only its owner can read, held as SHA-256
// digests and compared in constant time (CRYPTO_memcmp on digests, so neither content nor length leaks through
// timing). The file is re-read on SIGHUP after a key is regenerated. Keys never reach the logs.
#pragma once

#include <array>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace mldesk::serve {

class ApiKeys {
public:
    // Reads one key per non-empty line. Throws std::runtime_error when the file cannot be read, holds no key, or
    // others may read it (mode must not grant group/other access).
    void load(const std::string &path);
    // True when `authorization` is "Bearer <key>" with one of the keys.
    bool accepts(std::string_view authorization) const;
    std::size_t count() const;

private:
    using Digest = std::array<unsigned char, 32>;
    mutable std::mutex m_mutex;
    std::vector<Digest> m_digests;
};

} // namespace mldesk::serve
