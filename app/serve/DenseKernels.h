// DenseKernels: the forward pass of a few rows through Dense layers on the CPU, for the latency path of mldesk-serve.
// At batch 1 a BLAS sgemm packs the whole kernel (940 KB for the seed's first layer) for one row, and the input is
// mostly zeros (Fashion-MNIST pixels, ReLU outputs): here each row sums only the kernel rows of its non-zero inputs,
// x (in) -> y (out) = b + sum over x[i] != 0 of x[i] * W[i, :], with AVX2/FMA when the CPU has it. Skipping exact
// zeros changes no term of the sum, only the order of the additions (as any BLAS may). Several rows (the small requests
// an I/O loop scores together) go through in tiles of 4 that share each load of the kernel, the kernel packed in panels
// of 24 columns: per tile the weights are streamed once, not once per row, and each output is still b + one fma per
// non-zero input in increasing order, so a row gets the same bits together as alone.
#pragma once

#include "mldesk/gpu/Backend.h"

#include <vector>

namespace mldesk::serve {

class DenseKernels {
public:
    DenseKernels(const gpu::ModelSpec &spec, const gpu::Parameters &params);

    // x (rows, inputs) -> out (rows, outputs): the last layer's activations, each row's bit for bit those it gets
    // alone. Thread-safe (scratch is per thread).
    void predict(const float *x, std::size_t rows, float *out) const;
    static bool vectorized(); // AVX2 + FMA in use

private:
    struct Layer {
        int in = 0, out = 0;
        gpu::Activation activation = gpu::Activation::Linear;
        std::vector<float> kernel;     // (in, out)
        std::vector<float> bias;       // (out), zeros when the layer has none
        std::size_t padded = 0;        // out rounded up to whole panels
        std::vector<float> panels;     // the kernel as panels of columns, each (in, panel width), zero-padded
        std::vector<float> paddedBias; // (padded)
    };
    std::vector<Layer> m_layers;
    std::size_t m_widest = 0; // the widest layer input or padded output
};

} // namespace mldesk::serve
