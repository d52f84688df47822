// bench/gpu-check.sh (issue 13) run for real against small stubs, so what it does on a GPU machine is tested here:
// a missing CUDA toolkit, a GPU test that skips, a GPU test that hangs and a trainer run that hangs each end the run
// early (before anything after them) with a failure that says so. The stubs: nvcc and nvidia-smi scripts on PATH,
// a build folder holding a CMakeCache.txt, a hand-written CTestTestfile.cmake and an mldesk-train script; the real
// ctest runs the stub tests. No GPU, CUDA or build is needed.
#include "SyntheticData.h"
#include "TestHarness.h"

#include <sys/stat.h>

using namespace mldesk;
namespace fs = std::filesystem;

namespace {

void writeText(const fs::path &path, const std::string &text, bool executable = false)
{
    test::writeFile(path, std::vector<std::uint8_t>(text.begin(), text.end()));
    if (executable)
        ::chmod(path.c_str(), 0755);
}

// A folder with stub tools and a stub build; `gpuTest` is the shell command of the one `gpu` test, `train` the body
// of the stub mldesk-train.
fs::path makeStubs(const std::string &name, const std::string &gpuTest, const std::string &train)
{
    const fs::path dir = test::freshDir("gpu-check-" + name);
    writeText(dir / "bin" / "nvcc",
              "#!/bin/sh\necho 'nvcc: NVIDIA (R) Cuda compiler driver (stub)'\n"
              "echo 'Cuda compilation tools, release 13.0, V13.0.0 (stub)'\n",
              true);
    writeText(dir / "bin" / "nvidia-smi", "#!/bin/sh\necho '0, Stub GPU H200, 580.00, 143771 MiB, 1980 MHz'\n", true);
    writeText(dir / "build" / "CMakeCache.txt", "MLDESK_WITH_CUDA:BOOL=ON\n");
    writeText(dir / "build" / "CTestTestfile.cmake",
              "add_test(StubGpuTest \"/bin/sh\" \"-c\" \"" + gpuTest +
                  "\")\n"
                  "set_tests_properties(StubGpuTest PROPERTIES LABELS \"gpu\" SKIP_RETURN_CODE 77)\n"
                  "add_test(StubTrainerTest \"/bin/sh\" \"-c\" \"exit 0\")\n"
                  "set_tests_properties(StubTrainerTest PROPERTIES LABELS \"trainer\")\n");
    writeText(dir / "build" / "app" / "train" / "mldesk-train", "#!/bin/sh\n" + train + "\n", true);
    test::writeSyntheticMnist(dir / "data", 20, 10);
    return dir;
}

// Runs the real script in its real mode (not --dry-run) with the stubs first on PATH. Limits are 60 s, so only the
// hanging stubs (whose tests pass 3 s) ever meet one.
test::RunResult runCheck(const fs::path &dir, const std::string &env = "")
{
    const std::string script = std::string(MLDESK_PROJECT_SOURCE_DIR) + "/bench/gpu-check.sh";
    return test::runCommand("env -u CUDACXX PATH='" + (dir / "bin").string() + ":'\"$PATH\" OUT='" +
                                (dir / "logs").string() + "' MLDESK_FASHION_MNIST='" + (dir / "data").string() +
                                "' GPU_CHECK_TEST_TIMEOUT=60 GPU_CHECK_RUN_TIMEOUT=60 " + env + " bash '" + script +
                                "' --skip-build --build-dir '" + (dir / "build").string() + "' 2>&1",
                            dir);
}

void expectEarlyFailure(const test::RunResult &r, const std::string &message, const std::string &notReached)
{
    MLDESK_CHECK_MSG(r.exitCode == 1, "exit " << r.exitCode << "\n" << r.out);
    MLDESK_CHECK_MSG(r.out.find("FAILED: ") != std::string::npos && r.out.find(message) != std::string::npos,
                     "output lacks '" << message << "':\n"
                                      << r.out);
    MLDESK_CHECK_MSG(r.out.find("stopped early") != std::string::npos, "no 'stopped early':\n" << r.out);
    MLDESK_CHECK_MSG(r.out.find(notReached) == std::string::npos, "'" << notReached << "' was reached:\n" << r.out);
}

const char *kTrainOk = "case \"$1\" in --list-devices) echo '{\"devices\":[]}' ;; *) echo 'Median epoch 0.1 s; "
                       "training took 2.0 s' ;; esac";

} // namespace

MLDESK_TEST(missingCudaFailsBeforeBuilding)
{
    const fs::path dir = makeStubs("nocuda", "exit 0", kTrainOk);
    const test::RunResult r = runCheck(dir, "CUDACXX=/nonexistent/cuda/bin/nvcc");
    expectEarlyFailure(r, "CUDA toolkit not found", "ctest");
    MLDESK_CHECK_MSG(r.out.find("/nonexistent/cuda/bin/nvcc") != std::string::npos, r.out);
    fs::remove_all(dir);
}

MLDESK_TEST(buildWithoutCudaIsRefused)
{
    const fs::path dir = makeStubs("cpuonly", "exit 0", kTrainOk);
    writeText(dir / "build" / "CMakeCache.txt", "MLDESK_WITH_CUDA:BOOL=OFF\n");
    expectEarlyFailure(runCheck(dir), "is not a CUDA-enabled build", "ctest");
    fs::remove_all(dir);
}

MLDESK_TEST(skippedGpuTestFailsTheRun)
{
    // The stub skips (77) only when the script asked for no skips, as the real gpu tests read MLDESK_REQUIRE_GPU.
    const fs::path dir = makeStubs("skip", "test \\\"$MLDESK_REQUIRE_GPU\\\" = 1 || exit 3; exit 77", kTrainOk);
    const test::RunResult r = runCheck(dir);
    expectEarlyFailure(r, "test StubGpuTest skipped on a GPU machine", "run: mldesk-train");
    fs::remove_all(dir);
}

MLDESK_TEST(hangingGpuTestFailsTheRunAtItsTimeout)
{
    const fs::path dir = makeStubs("hang", "exec sleep 600", kTrainOk);
    const test::RunResult r = runCheck(dir, "GPU_CHECK_TEST_TIMEOUT=3");
    expectEarlyFailure(r, "test StubGpuTest hung (killed after 3 s)", "run: mldesk-train");
    fs::remove_all(dir);
}

MLDESK_TEST(hangingTrainerRunFailsTheRunAtItsTimeout)
{
    const fs::path dir = makeStubs(
        "hangrun", "exit 0", "case \"$1\" in --list-devices) echo '{\"devices\":[]}' ;; *) exec sleep 600 ;; esac");
    const test::RunResult r = runCheck(dir, "GPU_CHECK_RUN_TIMEOUT=3");
    expectEarlyFailure(r, "mldesk-train cuda graph hung: killed after 3 s", "run: mldesk-train cuda eager");
    fs::remove_all(dir);
}

MLDESK_TEST(noGpuFailsUnlessDryRun)
{
    const fs::path dir = makeStubs("nogpu", "exit 0", kTrainOk);
    writeText(dir / "bin" / "nvidia-smi", "#!/bin/sh\necho 'No devices were found'\n", true);
    expectEarlyFailure(runCheck(dir), "no GPU: nvidia-smi is missing or lists none", "ctest");
    fs::remove_all(dir);
}

MLDESK_TEST_MAIN()
