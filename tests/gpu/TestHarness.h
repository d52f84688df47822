// A minimal test harness for gpu/ tests, which must build on GPU machines that have no Qt and no GoogleTest.
// Usage: MLDESK_TEST(name) { MLDESK_CHECK(cond); MLDESK_CHECK_CLOSE(a, b, atol, rtol); }  and MLDESK_TEST_MAIN().
// A test may call mldesk::test::skip("why") to report itself skipped; a binary whose tests all skip exits 77. With
// MLDESK_REQUIRE_GPU=1 (bench/gpu-check.sh on a GPU machine) a skip is a failure: there, nothing may go untested.
// The one argument filters tests by name: "fused" runs those whose name contains it, "-fused" all others.
#pragma once

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

namespace mldesk::test {

struct Failure {
    std::string message;
};
struct Skipped {
    std::string reason;
};

inline std::vector<std::pair<std::string, std::function<void()>>> &registry()
{
    static std::vector<std::pair<std::string, std::function<void()>>> tests;
    return tests;
}

struct Registrar {
    Registrar(const char *name, std::function<void()> fn) { registry().emplace_back(name, std::move(fn)); }
};

[[noreturn]] inline void skip(const std::string &reason)
{
    throw Skipped{reason};
}

[[noreturn]] inline void fail(const char *file, int line, const std::string &what)
{
    std::ostringstream os;
    os << file << ':' << line << ": " << what;
    throw Failure{os.str()};
}

// Compares two float arrays with |got - ref| <= atol + rtol * |ref|; on failure names the worst element.
inline void checkAllClose(const char *file, int line, const float *got, const float *ref, std::size_t n, double atol,
                          double rtol, const std::string &what)
{
    double worstExcess = -1.0;
    std::size_t worst = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const double diff = std::fabs(double(got[i]) - double(ref[i]));
        const double excess = diff - (atol + rtol * std::fabs(double(ref[i])));
        if (std::isnan(got[i]) != std::isnan(ref[i]) || excess > worstExcess) {
            worstExcess = std::isnan(got[i]) != std::isnan(ref[i]) ? 1e30 : excess;
            worst = i;
        }
    }
    if (n > 0 && worstExcess > 0.0) {
        std::ostringstream os;
        os << what << ": worst element [" << worst << "] got " << got[worst] << " expected " << ref[worst]
           << " (|diff| " << std::fabs(double(got[worst]) - double(ref[worst])) << " > atol " << atol << " + rtol "
           << rtol << "*|ref|)";
        fail(file, line, os.str());
    }
}

inline bool gpuRequired()
{
    const char *v = std::getenv("MLDESK_REQUIRE_GPU");
    return v && std::strcmp(v, "1") == 0;
}

inline int runAll(int argc, char **argv)
{
    std::string filter = argc > 1 ? argv[1] : "";
    const bool exclude = !filter.empty() && filter[0] == '-';
    if (exclude)
        filter.erase(0, 1);
    const bool noSkips = gpuRequired();
    int failed = 0, passed = 0, skipped = 0;
    for (auto &[name, fn] : registry()) {
        if (!filter.empty() && (name.find(filter) == std::string::npos) != exclude)
            continue;
        try {
            fn();
            ++passed;
            std::printf("PASS   %s\n", name.c_str());
        } catch (const Skipped &s) {
            if (noSkips) {
                ++failed;
                std::printf("FAIL   %s: skipped (%s) but MLDESK_REQUIRE_GPU=1 forbids skips\n", name.c_str(),
                            s.reason.c_str());
                continue;
            }
            ++skipped;
            std::printf("SKIP   %s: %s\n", name.c_str(), s.reason.c_str());
        } catch (const Failure &f) {
            ++failed;
            std::printf("FAIL   %s: %s\n", name.c_str(), f.message.c_str());
        } catch (const std::exception &e) {
            ++failed;
            std::printf("FAIL   %s: unexpected exception: %s\n", name.c_str(), e.what());
        }
        std::fflush(stdout);
    }
    std::printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
    if (failed > 0)
        return 1;
    return (passed == 0 && skipped > 0) ? 77 : 0;
}

} // namespace mldesk::test

#define MLDESK_TEST_CAT2(a, b) a##b
#define MLDESK_TEST_CAT(a, b) MLDESK_TEST_CAT2(a, b)
#define MLDESK_TEST(name)                                                                                              \
    static void MLDESK_TEST_CAT(mldeskTest_, name)();                                                                  \
    static ::mldesk::test::Registrar MLDESK_TEST_CAT(mldeskReg_, name)(#name, &MLDESK_TEST_CAT(mldeskTest_, name));    \
    static void MLDESK_TEST_CAT(mldeskTest_, name)()
#define MLDESK_CHECK(cond)                                                                                             \
    do {                                                                                                               \
        if (!(cond))                                                                                                   \
            ::mldesk::test::fail(__FILE__, __LINE__, "check failed: " #cond);                                          \
    } while (0)
#define MLDESK_CHECK_MSG(cond, msg)                                                                                    \
    do {                                                                                                               \
        if (!(cond)) {                                                                                                 \
            std::ostringstream mldeskOs_;                                                                              \
            mldeskOs_ << "check failed: " #cond ": " << msg;                                                           \
            ::mldesk::test::fail(__FILE__, __LINE__, mldeskOs_.str());                                                 \
        }                                                                                                              \
    } while (0)
#define MLDESK_CHECK_CLOSE(got, ref, atol, rtol)                                                                       \
    do {                                                                                                               \
        const float mldeskG_ = float(got), mldeskR_ = float(ref);                                                      \
        ::mldesk::test::checkAllClose(__FILE__, __LINE__, &mldeskG_, &mldeskR_, 1, atol, rtol, #got " vs " #ref);      \
    } while (0)
#define MLDESK_CHECK_ALLCLOSE(got, ref, n, atol, rtol, what)                                                           \
    ::mldesk::test::checkAllClose(__FILE__, __LINE__, got, ref, n, atol, rtol, what)
#define MLDESK_CHECK_THROWS(expr, substring)                                                                           \
    do {                                                                                                               \
        bool mldeskThrew_ = false;                                                                                     \
        try {                                                                                                          \
            (void)(expr);                                                                                              \
        } catch (const std::exception &e) {                                                                            \
            mldeskThrew_ = true;                                                                                       \
            if (std::string(e.what()).find(substring) == std::string::npos)                                            \
                ::mldesk::test::fail(__FILE__, __LINE__,                                                               \
                                     std::string("exception text lacks '") + (substring) + "': " + e.what());          \
        }                                                                                                              \
        if (!mldeskThrew_)                                                                                             \
            ::mldesk::test::fail(__FILE__, __LINE__, "expected an exception from " #expr);                             \
    } while (0)
#define MLDESK_TEST_MAIN()                                                                                             \
    int main(int argc, char **argv)                                                                                    \
    {                                                                                                                  \
        return ::mldesk::test::runAll(argc, argv);                                                                     \
    }
