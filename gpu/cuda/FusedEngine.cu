// The fused engine's persistent kernel (see FusedEngine.h). Per step s with `rows` rows (the last step may be
// partial), layers 0..L-1 (hidden relu, last softmax), phases separated by grid.sync():
//   F_l  (l < L-1): z_l (rows, out_l) = relu(A_l W_l + b_l), A_0 = gathered x rows, A_l = z_{l-1}; 8x16 output tiles
//   H            : logits of layer L-1, softmax, cross-entropy from the logits, dz_{L-1}; one warp per row
//   B_l  (l = L-1..1): dz_{l-1} = (dz_l W_l^T) * relu'(z_{l-1}); and the update of layer l+1 (its W is read no more)
//   U            : the updates of layers 1 and 0; block 0 sums the step's loss and hits in row order
// An update tile (32x32 of W) computes dW = A^T dz for its values and applies the optimizer in place, so dW never
// goes to memory. Every sum runs in a fixed order (no atomics): results are reproducible for a given grid size.
#include "CudaCheck.h"
#include "FusedEngine.h"
#include "OptimizerMath.cuh"

#include <cooperative_groups.h>

#include <algorithm>
#include <stdexcept>

namespace cg = cooperative_groups;

namespace mldesk::gpu::cuda {
namespace {

constexpr int kThreads = 256;
constexpr int kTileRows = 8, kTileCols = 16;         // GEMM output tile: 128 outputs, two threads (K halves) each
constexpr int kChunkK = 1024, kPitchK = kChunkK + 1; // K staged in chunks; +1 avoids bank conflicts
constexpr int kUpd = 32, kUpdRows = 64, kUpdPitch = kUpd + 1; // update tile 32x32, batch rows staged 64 at a time
constexpr std::size_t kSmemBytes = sizeof(float) * (std::size_t(kTileRows + kTileCols) * kPitchK + kThreads);
static_assert(sizeof(float) * 2 * kUpdRows * kUpdPitch <= kSmemBytes, "update tile must fit the same shared memory");

// Rows of an activation matrix: gathered training rows (order != null) or a plain (rows, ld) buffer.
struct RowSource {
    const float *base;
    const std::uint32_t *order;
    std::size_t start;
    int ld;
    __device__ const float *row(int r) const
    {
        return base + (order ? std::size_t(order[start + std::size_t(r)]) : std::size_t(r)) * std::size_t(ld);
    }
};

__device__ inline int ceilDiv(int a, int b)
{
    return (a + b - 1) / b;
}

// One (kTileRows x kTileCols) tile at (r0, c0) of C (rows, cols) = sum_k A(r, k) Q(c, k), K = k, where
// Q(c, k) = w[k * ldw + c] (forward: W (K, cols)) or, with transposedW, w[c * ldw + k] (backward: W^T).
// Returns through `epilogue(r, c, value)` for the valid elements. Ends with no pending shared-memory reads.
// `w` (and updateTile's `dz`) carry no __restrict__: the kernel itself rewrites them between grid barriers, and a
// const __restrict__ pointer lets the compiler use non-coherent (ld.global.nc) loads, valid only for read-only data.
template <typename Epilogue>
__device__ void gemmTile(const RowSource &a, int rows, int K, const float *w, int ldw, bool transposedW, int cols,
                         int r0, int c0, float *smem, Epilogue epilogue)
{
    float *As = smem;                                          // [kTileRows][kPitchK]
    float *Qs = smem + kTileRows * kPitchK;                    // [kTileCols][kPitchK]
    float *partial = smem + (kTileRows + kTileCols) * kPitchK; // [kThreads]
    const int tid = threadIdx.x;
    const int o = tid % (kTileRows * kTileCols), half = tid / (kTileRows * kTileCols);
    const int tr = o / kTileCols, tc = o % kTileCols;
    float acc = 0.0f;
    for (int k0 = 0; k0 < K; k0 += kChunkK) {
        const int kc = min(kChunkK, K - k0);
        __syncthreads(); // the previous chunk / tile is no longer read
#pragma unroll 4
        for (int i = tid; i < kTileRows * kc; i += kThreads) {
            const int r = i / kc, k = i % kc;
            As[r * kPitchK + k] = r0 + r < rows ? a.row(r0 + r)[k0 + k] : 0.0f;
        }
        if (!transposedW) {
#pragma unroll 4
            for (int i = tid; i < kTileCols * kc; i += kThreads) {
                const int k = i / kTileCols, c = i % kTileCols;
                Qs[c * kPitchK + k] = c0 + c < cols ? w[std::size_t(k0 + k) * ldw + c0 + c] : 0.0f;
            }
        } else {
#pragma unroll 4
            for (int i = tid; i < kTileCols * kc; i += kThreads) {
                const int c = i / kc, k = i % kc;
                Qs[c * kPitchK + k] = c0 + c < cols ? w[std::size_t(c0 + c) * ldw + k0 + k] : 0.0f;
            }
        }
        __syncthreads();
        const float *ar = As + tr * kPitchK, *qc = Qs + tc * kPitchK;
        for (int k = half; k < kc; k += 2)
            acc += ar[k] * qc[k];
    }
    partial[tid] = acc;
    __syncthreads();
    if (half == 0) {
        const int r = r0 + tr, c = c0 + tc;
        if (r < rows && c < cols)
            epilogue(r, c, acc + partial[tid + kTileRows * kTileCols]);
    }
}

// One 32x32 tile (i0, j0) of layer L's weights: dW = A^T dz over `rows` rows, then the optimizer update in place;
// the tile with i0 == 0 also updates the bias of its columns (gradient = column sums of dz).
__device__ void updateTile(const RowSource &a, const float *dz, int rows, const FusedLayer &L, const UpdateParams &p,
                           float alpha, int i0, int j0, float *smem)
{
    float *As = smem;                        // [kUpdRows][kUpdPitch]: A(r, i0 + c)
    float *Ds = smem + kUpdRows * kUpdPitch; // [kUpdRows][kUpdPitch]: dz(r, j0 + c)
    const int tid = threadIdx.x;
    const int j = tid % kUpd, iq = tid / kUpd; // this thread: column j0 + j, rows i0 + iq + 8q
    float acc[4] = {0.0f, 0.0f, 0.0f, 0.0f};
    for (int rr = 0; rr < rows; rr += kUpdRows) {
        const int rc = min(kUpdRows, rows - rr);
        __syncthreads();
        for (int i = tid; i < rc * kUpd; i += kThreads) {
            const int r = i / kUpd, c = i % kUpd;
            As[r * kUpdPitch + c] = i0 + c < L.in ? a.row(rr + r)[i0 + c] : 0.0f;
            Ds[r * kUpdPitch + c] = j0 + c < L.out ? dz[std::size_t(rr + r) * L.out + j0 + c] : 0.0f;
        }
        __syncthreads();
        for (int r = 0; r < rc; ++r) {
            const float d = Ds[r * kUpdPitch + j];
#pragma unroll
            for (int q = 0; q < 4; ++q)
                acc[q] += As[r * kUpdPitch + iq + 8 * q] * d;
        }
    }
    const int col = j0 + j;
    if (col < L.out) {
#pragma unroll
        for (int q = 0; q < 4; ++q) {
            const int i = i0 + iq + 8 * q;
            if (i < L.in) {
                const std::size_t e = std::size_t(i) * L.out + col;
                applyUpdate(p, L.w + e, L.sw1 ? L.sw1 + e : nullptr, L.sw2 ? L.sw2 + e : nullptr, acc[q], alpha);
            }
        }
        if (i0 == 0 && L.b && iq == 0) {
            float g = 0.0f;
            for (int r = 0; r < rows; ++r)
                g += dz[std::size_t(r) * L.out + col];
            applyUpdate(p, L.b + col, L.sb1 ? L.sb1 + col : nullptr, L.sb2 ? L.sb2 + col : nullptr, g, alpha);
        }
    }
}

__device__ inline int updateTiles(const FusedLayer &L)
{
    return ceilDiv(L.in, kUpd) * ceilDiv(L.out, kUpd);
}

__device__ inline RowSource inputOf(const FusedArgs &A, int l, std::size_t start)
{
    if (l == 0)
        return RowSource{A.x, A.order, start, A.features};
    return RowSource{A.layers[l - 1].z, nullptr, 0, A.layers[l - 1].out};
}

// Runs the update tiles of the listed layers (-1 = none) as tiles [first, ...) of this phase's tile space.
__device__ void updatePhaseTiles(const FusedArgs &A, int tile, int la, int lb, int rows, std::size_t start, float alpha,
                                 float *smem)
{
    const int which[2] = {la, lb};
    for (int k = 0; k < 2; ++k) {
        const int l = which[k];
        if (l < 0)
            continue;
        const FusedLayer &L = A.layers[l];
        const int n = updateTiles(L);
        if (tile < n) {
            const int tj = ceilDiv(L.out, kUpd);
            updateTile(inputOf(A, l, start), L.dz, rows, L, A.opt, alpha, (tile / tj) * kUpd, (tile % tj) * kUpd, smem);
            return;
        }
        tile -= n;
    }
}

__global__ void __launch_bounds__(kThreads) fusedEpochKernel(const FusedArgs A)
{
    extern __shared__ float smem[];
    cg::grid_group grid = cg::this_grid();
    const unsigned long long base = *A.counter; // read by every thread before the first grid barrier
    const int L = A.numLayers;
    const int lane = threadIdx.x & 31;
    const int warpsTotal = gridDim.x * (kThreads / 32);
    const int warpId = blockIdx.x * (kThreads / 32) + (threadIdx.x >> 5);

    for (int s = 0; s < A.steps; ++s) {
        const int rows = s + 1 == A.steps ? A.lastRows : A.batch;
        const std::size_t start = std::size_t(s) * std::size_t(A.batch);
        const float alpha = A.opt.kind == OptimizerKind::Adam ? adamAlpha(A.opt, base + s + 1) : 0.0f;

        // F_l: hidden forward layers
        for (int l = 0; l + 1 < L; ++l) {
            const FusedLayer &Ly = A.layers[l];
            const RowSource in = inputOf(A, l, start);
            const int tc = ceilDiv(Ly.out, kTileCols), tiles = ceilDiv(rows, kTileRows) * tc;
            for (int t = blockIdx.x; t < tiles; t += gridDim.x)
                gemmTile(in, rows, Ly.in, Ly.w, Ly.out, false, Ly.out, (t / tc) * kTileRows, (t % tc) * kTileCols, smem,
                         [&](int r, int c, float v) {
                             v += Ly.b ? Ly.b[c] : 0.0f;
                             Ly.z[std::size_t(r) * Ly.out + c] = v > 0.0f ? v : 0.0f;
                         });
            grid.sync();
        }

        // H: output layer, softmax, cross-entropy and its gradient; one warp per row
        {
            const FusedLayer &Ly = A.layers[L - 1];
            const RowSource in = inputOf(A, L - 1, start);
            const int C = Ly.out;
            const float invN = 1.0f / float(rows);
            for (int r = warpId; r < rows; r += warpsTotal) {
                const float *a = in.row(r);
                float *drow = Ly.dz + std::size_t(r) * C;
                for (int c = lane; c < C; c += 32) {
                    float v = Ly.b ? Ly.b[c] : 0.0f;
                    for (int k = 0; k < Ly.in; ++k)
                        v += a[k] * Ly.w[std::size_t(k) * C + c];
                    drow[c] = v; // logits, temporarily
                }
                __syncwarp();
                float m = -INFINITY;
                int arg = C;
                for (int c = lane; c < C; c += 32)
                    if (drow[c] > m || (drow[c] == m && c < arg)) {
                        m = drow[c];
                        arg = c;
                    }
                for (int off = 16; off > 0; off >>= 1) {
                    const float om = __shfl_xor_sync(0xffffffffu, m, off);
                    const int oa = __shfl_xor_sync(0xffffffffu, arg, off);
                    if (om > m || (om == m && oa < arg)) {
                        m = om;
                        arg = oa;
                    }
                }
                float sum = 0.0f;
                for (int c = lane; c < C; c += 32)
                    sum += expf(drow[c] - m);
                for (int off = 16; off > 0; off >>= 1)
                    sum += __shfl_xor_sync(0xffffffffu, sum, off);
                const float inv = 1.0f / sum;
                const int label = A.y[A.order[start + std::size_t(r)]];
                // tf.keras's loss for a softmax output, from the logits (no clip); gradient p - onehot
                const float rowLoss = logf(sum) - (drow[label] - m);
                __syncwarp(); // every lane has read drow[label] before its owner overwrites it
                for (int c = lane; c < C; c += 32) {
                    const float p = expf(drow[c] - m) * inv;
                    drow[c] = (p - (c == label ? 1.0f : 0.0f)) * invN;
                }
                if (lane == 0) {
                    A.rowLoss[r] = rowLoss;
                    A.rowCorrect[r] = arg == label ? 1 : 0;
                }
            }
            grid.sync();
        }

        // B_l: gradient into layer l-1 through W_l, and the update of layer l+1
        for (int l = L - 1; l >= 1; --l) {
            const FusedLayer &Ly = A.layers[l];
            const FusedLayer &P = A.layers[l - 1];
            const RowSource dz{Ly.dz, nullptr, 0, Ly.out};
            const int tc = ceilDiv(P.out, kTileCols), gemmTiles = ceilDiv(rows, kTileRows) * tc;
            const int upd = l + 1 < L ? l + 1 : -1;
            const int tiles = gemmTiles + (upd >= 0 ? updateTiles(A.layers[upd]) : 0);
            for (int t = blockIdx.x; t < tiles; t += gridDim.x) {
                if (t < gemmTiles)
                    gemmTile(dz, rows, Ly.out, Ly.w, Ly.out, true, P.out, (t / tc) * kTileRows, (t % tc) * kTileCols,
                             smem, [&](int r, int c, float v) {
                                 const std::size_t e = std::size_t(r) * P.out + c;
                                 P.dz[e] = P.z[e] > 0.0f ? v : 0.0f;
                             });
                else
                    updatePhaseTiles(A, t - gemmTiles, upd, -1, rows, start, alpha, smem);
            }
            grid.sync();
        }

        // U: updates of layers 1 and 0 (their weights were last read above), and the step's loss
        {
            const int la = L >= 2 ? 1 : -1;
            const int tiles = updateTiles(A.layers[0]) + (la >= 0 ? updateTiles(A.layers[1]) : 0);
            for (int t = blockIdx.x; t < tiles; t += gridDim.x)
                updatePhaseTiles(A, t, la, 0, rows, start, alpha, smem);
            if (blockIdx.x == 0 && threadIdx.x == 0) {
                float loss = 0.0f;
                int hits = 0;
                for (int r = 0; r < rows; ++r) {
                    loss += A.rowLoss[r];
                    hits += A.rowCorrect[r];
                }
                A.losses[s] = loss / float(rows);
                A.stepCorrect[s] = hits;
            }
            grid.sync();
        }
    }
    if (blockIdx.x == 0 && threadIdx.x == 0)
        *A.counter = base + (unsigned long long)A.steps;
}

} // namespace

std::string fusedUnsupportedReason(const ModelSpec &model)
{
    if (model.layers.empty() || model.layers.size() > std::size_t(kFusedMaxLayers))
        return "the fused engine takes 1 to " + std::to_string(kFusedMaxLayers) + " Dense layers";
    for (std::size_t l = 0; l < model.layers.size(); ++l) {
        const DenseLayer &d = model.layers[l];
        if (d.dropoutRate > 0.0f)
            return "layer '" + d.name + "' is followed by Dropout";
        if (l + 1 < model.layers.size() && d.activation != Activation::Relu)
            return "hidden layer '" + d.name + "' is not relu";
    }
    return {};
}

int fusedGridSize(int device)
{
    int cooperative = 0, sms = 0;
    MLDESK_CUDA_CHECK(cudaDeviceGetAttribute(&cooperative, cudaDevAttrCooperativeLaunch, device));
    MLDESK_CUDA_CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device));
    if (!cooperative || sms <= 0)
        return 0;
    MLDESK_CUDA_CHECK(
        cudaFuncSetAttribute(fusedEpochKernel, cudaFuncAttributeMaxDynamicSharedMemorySize, int(kSmemBytes)));
    int perSm = 0;
    MLDESK_CUDA_CHECK(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&perSm, fusedEpochKernel, kThreads, kSmemBytes));
    if (perSm <= 0)
        return 0;
    // More than one block per SM adds barrier participants; the phases have at most a few hundred tiles.
    return sms * std::min(perSm, 2);
}

void launchFusedEpoch(const FusedArgs &args, int gridSize, cudaStream_t stream)
{
    if (gridSize <= 0)
        throw std::logic_error("launchFusedEpoch: no grid size (the device cannot run cooperative kernels)");
    void *params[] = {const_cast<FusedArgs *>(&args)};
    MLDESK_CUDA_CHECK(cudaLaunchCooperativeKernel(reinterpret_cast<const void *>(&fusedEpochKernel), dim3(gridSize),
                                                  dim3(kThreads), params, kSmemBytes, stream));
}

} // namespace mldesk::gpu::cuda
