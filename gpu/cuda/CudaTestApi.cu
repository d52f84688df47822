// Test-only host API (see CudaTestApi.h): uploads, runs one kernel or GEMM on the legacy default stream (ordered
// with the synchronous copies of DeviceBuffer), downloads. Not used by the trainer itself.
#include "CudaTestApi.h"

#include "CudaBackend.h"
#include "Gemm.h"
#include "Kernels.h"

#include <stdexcept>

namespace mldesk::gpu::cudatest {
using namespace mldesk::gpu::cuda;

namespace {
template <typename T> DeviceBuffer<T> up(const std::vector<T> &v)
{
    DeviceBuffer<T> d;
    d.upload(v);
    return d;
}
void require(bool ok, const char *what)
{
    if (!ok)
        throw std::invalid_argument(std::string("cudatest: ") + what);
}
void sync()
{
    MLDESK_CUDA_CHECK(cudaDeviceSynchronize());
}
constexpr std::size_t kWorkspace = std::size_t(32) << 20;
} // namespace

bool ltAvailable(int n, int in, int out, bool bias, bool relu)
{
    LtHandle lt;
    DeviceBuffer<float> b{std::size_t(out)};
    return LtDenseForward::create(lt.get(), n, in, out, bias ? b.get() : nullptr, relu, kWorkspace) != nullptr;
}

std::vector<float> denseForward(const std::vector<float> &x, const std::vector<float> &w, const std::vector<float> &b,
                                int n, int in, int out, Activation act, bool useLt)
{
    require(x.size() == std::size_t(n) * in && w.size() == std::size_t(in) * out, "denseForward: shapes");
    require(b.empty() || b.size() == std::size_t(out), "denseForward: bias size");
    DeviceBuffer<float> dx = up(x), dw = up(w), db = up(b), dz(std::size_t(n) * out);
    const float *bias = b.empty() ? nullptr : db.get();
    std::unique_ptr<LtDenseForward> plan;
    LtHandle lt;
    DeviceBuffer<unsigned char> ws;
    if (useLt) {
        ws.resize(kWorkspace);
        plan = LtDenseForward::create(lt.get(), n, in, out, bias, act == Activation::Relu, kWorkspace);
    }
    if (plan) {
        plan->run(lt.get(), dx.get(), dw.get(), dz.get(), ws.get(), ws.size(), nullptr);
        if (act == Activation::Softmax)
            launchSoftmaxRows(dz.get(), n, out, nullptr);
        else if (act != Activation::Relu && act != Activation::Linear)
            launchBiasActivation(dz.get(), nullptr, n, out, act, nullptr);
    } else {
        CublasHandle blas(nullptr);
        gemmForward(blas.get(), dx.get(), dw.get(), dz.get(), n, in, out);
        const Activation a = act == Activation::Softmax ? Activation::Linear : act;
        launchBiasActivation(dz.get(), bias, n, out, a, nullptr);
        if (act == Activation::Softmax)
            launchSoftmaxRows(dz.get(), n, out, nullptr);
        sync(); // before the handle (and its workspace) goes away
    }
    sync();
    return dz.download();
}

DenseGrads denseBackward(const std::vector<float> &x, const std::vector<float> &w, const std::vector<float> &dZ, int n,
                         int in, int out)
{
    require(x.size() == std::size_t(n) * in && w.size() == std::size_t(in) * out && dZ.size() == std::size_t(n) * out,
            "denseBackward: shapes");
    DeviceBuffer<float> dx = up(x), dw = up(w), ddz = up(dZ), gW(std::size_t(in) * out), gX(std::size_t(n) * in);
    CublasHandle blas(nullptr);
    gemmWeightGrad(blas.get(), dx.get(), ddz.get(), gW.get(), n, in, out);
    gemmInputGrad(blas.get(), ddz.get(), dw.get(), gX.get(), n, in, out);
    sync();
    return {gW.download(), gX.download()};
}

GatherResult gather(const std::vector<float> &x, const std::vector<std::int32_t> &labels, int f,
                    const std::vector<std::uint32_t> &order, std::size_t start, int n, unsigned long long counterBefore)
{
    const std::size_t count = labels.size();
    require(x.size() == count * std::size_t(f) && start + std::size_t(n) <= order.size(), "gather: shapes");
    for (std::uint32_t i : order)
        require(i < count, "gather: order out of range");
    DeviceBuffer<float> dx = up(x), xb(std::size_t(n) * f);
    DeviceBuffer<std::int32_t> dl = up(labels), yb{std::size_t(n)};
    DeviceBuffer<std::uint32_t> dorder = up(order);
    DeviceBuffer<unsigned long long> counter = up(std::vector<unsigned long long>{counterBefore});
    launchGather(dx.get(), dl.get(), dorder.get(), start, n, f, xb.get(), yb.get(), counter.get(), nullptr);
    sync();
    return {xb.download(), yb.download(), counter.download().at(0)};
}

XentResult softmaxXentGrad(const std::vector<float> &z, const std::vector<std::int32_t> &labels, int n, int classes)
{
    require(z.size() == std::size_t(n) * classes && labels.size() == std::size_t(n), "softmaxXentGrad: shapes");
    DeviceBuffer<float> dz = up(z), grad(z.size()), loss(1);
    DeviceBuffer<std::int32_t> dl = up(labels), correct(1);
    launchSoftmaxXentGrad(dz.get(), dl.get(), n, classes, grad.get(), loss.get(), correct.get(), nullptr);
    sync();
    return {grad.download(), loss.download().at(0), correct.download().at(0)};
}

EvalRows softmaxEval(const std::vector<float> &z, const std::vector<std::int32_t> &labels, int n, int classes)
{
    require(z.size() == std::size_t(n) * classes && labels.size() == std::size_t(n), "softmaxEval: shapes");
    DeviceBuffer<float> dz = up(z), loss{std::size_t(n)};
    DeviceBuffer<std::int32_t> dl = up(labels), correct{std::size_t(n)};
    launchSoftmaxEval(dz.get(), dl.get(), n, classes, dz.get(), loss.get(), correct.get(), nullptr); // in place
    sync();
    return {dz.download(), loss.download(), correct.download()};
}

std::vector<float> softmaxRows(const std::vector<float> &z, int n, int width)
{
    require(z.size() == std::size_t(n) * width, "softmaxRows: shapes");
    DeviceBuffer<float> dz = up(z);
    launchSoftmaxRows(dz.get(), n, width, nullptr);
    sync();
    return dz.download();
}

std::vector<float> biasActivation(const std::vector<float> &z, const std::vector<float> &bias, int n, int width,
                                  Activation act)
{
    require(z.size() == std::size_t(n) * width && (bias.empty() || bias.size() == std::size_t(width)),
            "biasActivation: shapes");
    DeviceBuffer<float> dz = up(z), db = up(bias);
    launchBiasActivation(dz.get(), bias.empty() ? nullptr : db.get(), n, width, act, nullptr);
    sync();
    return dz.download();
}

std::vector<float> dropoutForward(const std::vector<float> &a, float rate, std::uint64_t seed, unsigned long long step,
                                  int layer)
{
    DeviceBuffer<float> da = up(a), out(a.size());
    DeviceBuffer<unsigned long long> counter = up(std::vector<unsigned long long>{step});
    launchDropoutForward(da.get(), out.get(), a.size(), rate, seed, counter.get(), layer, nullptr);
    sync();
    return out.download();
}

std::vector<float> activationBackward(const std::vector<float> &dA, const std::vector<float> &y, int n, int width,
                                      Activation act, float dropoutRate, std::uint64_t seed, unsigned long long step,
                                      int layer)
{
    require(dA.size() == std::size_t(n) * width && y.size() == dA.size(), "activationBackward: shapes");
    DeviceBuffer<float> dda = up(dA), dy = up(y), dz(dA.size());
    DeviceBuffer<unsigned long long> counter = up(std::vector<unsigned long long>{step});
    launchActivationBackward(dda.get(), dy.get(), dz.get(), n, width, act, dropoutRate, seed, counter.get(), layer,
                             nullptr);
    sync();
    return dz.download();
}

void optimizerUpdate(const OptimizerSpec &spec, UpdateState &st, const std::vector<float> &dW,
                     const std::vector<float> &dZ, int batch, unsigned long long step)
{
    const std::size_t nW = st.w.size();
    const int nB = int(st.b.size());
    require(dW.size() == nW && dZ.size() == std::size_t(batch) * std::size_t(nB), "optimizerUpdate: shapes");
    auto slot = [](std::vector<float> &s, std::size_t n) {
        if (s.empty())
            s.assign(n, 0.0f);
        require(s.size() == n, "optimizerUpdate: slot size");
    };
    slot(st.s1, nW);
    slot(st.s2, nW);
    slot(st.bs1, std::size_t(nB));
    slot(st.bs2, std::size_t(nB));
    UpdateParams p;
    p.kind = spec.kind;
    p.lr = spec.learningRate;
    p.rho = spec.rho;
    p.beta1 = spec.beta1;
    p.beta2 = spec.beta2;
    p.epsilon = spec.epsilon;
    p.momentum = spec.momentum;
    p.nesterov = spec.nesterov;
    DeviceBuffer<float> w = up(st.w), s1 = up(st.s1), s2 = up(st.s2), b = up(st.b), bs1 = up(st.bs1), bs2 = up(st.bs2),
                        g = up(dW), dz = up(dZ);
    DeviceBuffer<unsigned long long> counter = up(std::vector<unsigned long long>{step});
    launchOptimizerUpdate(p, w.get(), g.get(), s1.get(), s2.get(), nW, b.get(), dz.get(), batch, bs1.get(), bs2.get(),
                          nB, counter.get(), nullptr);
    sync();
    st.w = w.download();
    st.s1 = s1.download();
    st.s2 = s2.download();
    st.b = b.download();
    st.bs1 = bs1.download();
    st.bs2 = bs2.download();
}

std::unique_ptr<Backend> makeBackend(int device, const std::string &engine, bool useLt)
{
    CudaOptions o;
    if (engine == "graph")
        o.engine = Engine::Graph;
    else if (engine == "eager")
        o.engine = Engine::Eager;
    else if (engine == "fused")
        o.engine = Engine::Fused;
    else
        throw std::invalid_argument("cudatest::makeBackend: unknown engine '" + engine + "'");
    o.useLt = useLt;
    return makeCudaBackendWithOptions(device, o);
}

} // namespace mldesk::gpu::cudatest
