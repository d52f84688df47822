// Engine "fused": one persistent cooperative kernel runs a whole epoch, all blocks resident, grid-wide barriers
// between the phases of each step (2 per layer: forward, head, backward, updates), weights and optimizer state in
// device memory (L2-resident at the seed's size), shared-memory tiled GEMM phases spread over all blocks, no
// atomics in any reduction (bit-reproducible for a fixed grid). Supports Dense relu hidden layers + a softmax output,
// no dropout, every optimizer; CudaBackend falls back to the graph engine otherwise.
#pragma once

#include "Kernels.h"

#include <string>

namespace mldesk::gpu::cuda {

constexpr int kFusedMaxLayers = 8;

struct FusedLayer {
    float *w = nullptr, *b = nullptr;     // (in, out), (out) or null
    float *sw1 = nullptr, *sw2 = nullptr; // optimizer slots of w (null when unused)
    float *sb1 = nullptr, *sb2 = nullptr; // optimizer slots of b
    float *z = nullptr;                   // (batch, out): relu output (hidden layers)
    float *dz = nullptr;                  // (batch, out): dLoss/d(pre-activation)
    int in = 0, out = 0;
};

struct FusedArgs {
    const float *x = nullptr;             // (count, features) training set
    const std::int32_t *y = nullptr;      // (count)
    const std::uint32_t *order = nullptr; // (count) this epoch's permutation
    int features = 0;
    int batch = 0, steps = 0, lastRows = 0;
    int numLayers = 0;
    FusedLayer layers[kFusedMaxLayers];
    float *rowLoss = nullptr;              // (batch) scratch
    std::int32_t *rowCorrect = nullptr;    // (batch) scratch
    float *losses = nullptr;               // (steps) mean loss of each step
    std::int32_t *stepCorrect = nullptr;   // (steps) rows predicted right in each step
    unsigned long long *counter = nullptr; // training steps so far (Adam's t); advanced by `steps`
    UpdateParams opt;
};

// Empty when the model can run on the fused engine, else why not.
std::string fusedUnsupportedReason(const ModelSpec &model);

// Blocks per grid for `device` (all co-resident), or 0 when the device cannot launch cooperative kernels.
int fusedGridSize(int device);

// One epoch as one cooperative launch on `stream`.
void launchFusedEpoch(const FusedArgs &args, int gridSize, cudaStream_t stream);

} // namespace mldesk::gpu::cuda
