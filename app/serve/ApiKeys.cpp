// ApiKeys: OpenSSL SHA-256 and CRYPTO_memcmp; see the header.
#include "ApiKeys.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include <cctype>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <sys/stat.h>

namespace mldesk::serve {

namespace {

// SHA256() looks the algorithm up in OpenSSL 3's provider registry on every call (EVP_MD_fetch: most of a batch-1
// request's key check, measured with callgrind); the algorithm is fetched once and each thread reuses its context.
std::array<unsigned char, 32> digestOf(std::string_view text)
{
    static EVP_MD *const sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    thread_local const std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX *)> context(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    std::array<unsigned char, 32> d{};
    unsigned int length = 0;
    if (!sha256 || !context || !EVP_DigestInit_ex2(context.get(), sha256, nullptr) ||
        !EVP_DigestUpdate(context.get(), text.data(), text.size()) ||
        !EVP_DigestFinal_ex(context.get(), d.data(), &length) || length != d.size())
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
