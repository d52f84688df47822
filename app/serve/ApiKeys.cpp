// ApiKeys: OpenSSL SHA-256 and CRYPTO_memcmp; see the header.
#include "ApiKeys.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <cctype>
#include <fstream>
#include <stdexcept>
#include <sys/stat.h>

namespace mldesk::serve {

namespace {

std::array<unsigned char, 32> digestOf(std::string_view text)
{
    std::array<unsigned char, 32> d{};
    SHA256(reinterpret_cast<const unsigned char *>(text.data()), text.size(), d.data());
    return d;
}

} // namespace

void ApiKeys::load(const std::string &path)
{
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
        throw std::runtime_error("cannot read the keys file '" + path + "'");
    if (st.st_mode & 077)
        throw std::runtime_error("the keys file '" + path + "' may be read by other users; chmod 600 it");
    std::ifstream in(path);
    std::vector<Digest> digests;
    for (std::string line; std::getline(in, line);) {
        while (!line.empty() && (line.back() == '\r' || line.back() == ' '))
            line.pop_back();
        if (!line.empty())
            digests.push_back(digestOf(line));
    }
    if (digests.empty())
        throw std::runtime_error("the keys file '" + path + "' holds no key");
    std::lock_guard lock(m_mutex);
    m_digests = std::move(digests);
}

bool ApiKeys::accepts(std::string_view authorization) const
{
    constexpr std::string_view scheme = "Bearer ";
    if (authorization.size() <= scheme.size())
        return false;
    for (std::size_t i = 0; i < scheme.size(); ++i) // the scheme is case-insensitive (RFC 7235)
        if (std::tolower(static_cast<unsigned char>(authorization[i])) !=
            std::tolower(static_cast<unsigned char>(scheme[i])))
            return false;
    const Digest presented = digestOf(authorization.substr(scheme.size()));
    std::lock_guard lock(m_mutex);
    bool ok = false;
    for (const Digest &d : m_digests) // every key is compared, whichever matches
        ok |= CRYPTO_memcmp(d.data(), presented.data(), d.size()) == 0;
    return ok;
}

std::size_t ApiKeys::count() const
{
    std::lock_guard lock(m_mutex);
    return m_digests.size();
}

} // namespace mldesk::serve
