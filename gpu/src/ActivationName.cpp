// activationName() in a file of its own: the CUDA plugin links just this object from mldesk_gpu (for its messages),
// not the Keras model code and what that pulls in (HDF5, zlib, the JSON parser).
#include "mldesk/gpu/KerasModel.h"

namespace mldesk::gpu {

const char *activationName(Activation a)
{
    switch (a) {
    case Activation::Linear:
        return "linear";
    case Activation::Relu:
        return "relu";
    case Activation::Sigmoid:
        return "sigmoid";
    case Activation::Tanh:
        return "tanh";
    case Activation::Softmax:
        return "softmax";
    }
    return "linear";
}

} // namespace mldesk::gpu
