// The per-value optimizer update shared by the graph engine's update kernel and the fused engine, so both apply
// exactly the same float arithmetic (Keras 3 forms; see Kernels.h UpdateParams).
#pragma once

#include "Kernels.h"

namespace mldesk::gpu::cuda {

// Adam's step size at step t >= 1: lr * sqrt(1 - beta2^t) / (1 - beta1^t), in double, rounded once.
__device__ inline float adamAlpha(const UpdateParams &p, unsigned long long step)
{
    const double t = double(step);
    return float(double(p.lr) * sqrt(1.0 - pow(double(p.beta2), t)) / (1.0 - pow(double(p.beta1), t)));
}

// One value: param with gradient g and slots m1 (RMSprop v; Adam m; SGD velocity), m2 (Adam v); alpha for Adam.
__device__ inline void applyUpdate(const UpdateParams &p, float *param, float *m1, float *m2, float g, float alpha)
{
    switch (p.kind) {
    case OptimizerKind::RMSprop: {
        // Keras 3 (keras/src/optimizers/rmsprop.py) divides by sqrt(v + epsilon), not sqrt(v) + epsilon.
        const float v = p.rho * *m1 + (1.0f - p.rho) * (g * g);
        *m1 = v;
        *param -= (p.lr * g) / sqrtf(v + p.epsilon);
        break;
    }
    case OptimizerKind::Adam: {
        // Keras 3's form: m += (g - m)(1 - beta1), v += (g^2 - v)(1 - beta2)
        const float m = *m1 + (g - *m1) * (1.0f - p.beta1);
        const float v = *m2 + (g * g - *m2) * (1.0f - p.beta2);
        *m1 = m;
        *m2 = v;
        *param -= (m * alpha) / (sqrtf(v) + p.epsilon);
        break;
    }
    case OptimizerKind::SGD:
        if (p.momentum > 0.0f) {
            const float vel = p.momentum * *m1 - p.lr * g;
            *m1 = vel;
            *param += p.nesterov ? p.momentum * vel - p.lr * g : vel;
        } else {
            *param -= p.lr * g;
        }
        break;
    }
}

} // namespace mldesk::gpu::cuda
