#!/usr/bin/env python3
"""JAX peer of mldesk-train for bench/gpu-check.sh: the seed's Keras MLP (784-300-100-10, relu, relu, softmax,
glorot-uniform kernels, zero biases), categorical cross-entropy on the logits (as tf.keras computes it for a
softmax output, and as mldesk-train does), RMSprop rho 0.9 eps 1e-7 written both ways: --rmsprop keras (default;
w -= lr g / sqrt(v + eps), Keras's and optax's default form) or --rmsprop torch (w -= lr g / (sqrt(v) + eps)),
batch 50, shuffle each epoch, the last partial batch trained with its real size, validation on the test set after
each epoch. One jit-compiled lax.scan per epoch over the full batches, data resident on the device. Matmuls at
jax_default_matmul_precision "highest" (full float32, no TF32) unless --matmul-precision says otherwise.
No network access.

Usage: gpu-peer-jax.py --data-folder DIR [--epochs 20] [--batch-size 50] [--first-layer-neurons 300]
                       [--second-layer-neurons 100] [--learning-rate 0.001] [--seed 1] [--rmsprop keras|torch]
                       [--matmul-precision highest|high|default]
Prints one line per epoch and, last, one JSON line like bench/peers/torch_mlp.py: {"peer": "jax jit+lax.scan", ...,
"epoch_seconds": [...], "median_epoch": s, "total": s, "test_accuracy": a, "test_loss": l}.
"""
import argparse
import gzip
import json
import os
import statistics
import sys
import time

import numpy as np


def find(folder, name):
    for root, _dirs, files in os.walk(folder):
        for candidate in (name, name + ".gz"):
            if candidate in files:
                return os.path.join(root, candidate)
    sys.exit(f"gpu-peer-jax.py: {name}[.gz] not found under {folder}")


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    rank = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(rank)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * rank).reshape(dims)


def load(folder, prefix):
    x = read_idx(find(folder, f"{prefix}-images-idx3-ubyte")).reshape(-1, 784).astype(np.float32) / np.float32(255.0)
    y = read_idx(find(folder, f"{prefix}-labels-idx1-ubyte")).astype(np.int32)
    return x, y


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data-folder", required=True)
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--batch-size", type=int, default=50)
    p.add_argument("--first-layer-neurons", type=int, default=300)
    p.add_argument("--second-layer-neurons", type=int, default=100)
    p.add_argument("--learning-rate", type=float, default=0.001)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--rmsprop", choices=["keras", "torch"], default="keras")
    p.add_argument("--matmul-precision", choices=["highest", "high", "default"], default="highest")
    a = p.parse_args()

    import jax

    jax.config.update("jax_default_matmul_precision", a.matmul_precision)
    import jax.numpy as jnp
    from jax import lax

    dev = jax.devices()[0]
    print(f"jax {jax.__version__} on {dev.platform}: {dev.device_kind}, rmsprop {a.rmsprop}, "
          f"matmul precision {a.matmul_precision}", flush=True)
    xtr, ytr = load(a.data_folder, "train")
    xte, yte = load(a.data_folder, "t10k")
    xtr, ytr, xte, yte = (jax.device_put(v, dev) for v in (xtr, ytr, xte, yte))
    n, bs = xtr.shape[0], a.batch_size
    full = n // bs
    rest = n - full * bs
    sizes = [784, a.first_layer_neurons, a.second_layer_neurons, 10]
    key = jax.random.PRNGKey(a.seed)
    params = []
    for i in range(3):
        key, sub = jax.random.split(key)
        lim = np.sqrt(6.0 / (sizes[i] + sizes[i + 1]))
        params.append((jax.random.uniform(sub, (sizes[i], sizes[i + 1]), jnp.float32, -lim, lim),
                       jnp.zeros((sizes[i + 1],), jnp.float32)))
    params = tuple(params)
    state = jax.tree_util.tree_map(jnp.zeros_like, params)
    lr, rho, eps = a.learning_rate, 0.9, 1e-7

    def logits(ps, x):
        h = x
        for i, (w, b) in enumerate(ps):
            h = h @ w + b
            if i < 2:
                h = jax.nn.relu(h)
        return h

    def xent(z, y):  # mean -log softmax(z)[y], from the logits: no clip, gradient p - y
        return -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(z), y[:, None], axis=1))

    def loss_fn(ps, x, y):
        return xent(logits(ps, x), y)

    if a.rmsprop == "keras":
        def scale(gi, v):
            return gi / jnp.sqrt(v + eps)
    else:
        def scale(gi, v):
            return gi / (jnp.sqrt(v) + eps)

    def step(carry, batch):
        ps, vs = carry
        x, y = batch
        loss, g = jax.value_and_grad(loss_fn)(ps, x, y)
        vs = jax.tree_util.tree_map(lambda v, gi: rho * v + (1 - rho) * gi * gi, vs, g)
        ps = jax.tree_util.tree_map(lambda w, gi, v: w - lr * scale(gi, v), ps, g, vs)
        return (ps, vs), loss

    @jax.jit
    def epoch(ps, vs, perm):
        xs = xtr[perm[:full * bs]].reshape(full, bs, -1)
        ys = ytr[perm[:full * bs]].reshape(full, bs)
        (ps, vs), losses = lax.scan(step, (ps, vs), (xs, ys))
        if rest:
            (ps, vs), last = step((ps, vs), (xtr[perm[full * bs:]], ytr[perm[full * bs:]]))
            losses = jnp.concatenate([losses, last[None]])
        return ps, vs, losses

    @jax.jit
    def evaluate(ps):
        z = logits(ps, xte)
        return xent(z, yte), jnp.mean((jnp.argmax(z, axis=1) == yte).astype(jnp.float32))

    rng = np.random.default_rng(a.seed)
    times = []
    start = time.perf_counter()
    val_loss = val_acc = float("nan")
    for e in range(1, a.epochs + 1):
        perm = jax.device_put(rng.permutation(n).astype(np.int32), dev)
        t0 = time.perf_counter()
        params, state, losses = epoch(params, state, perm)
        vl, va = evaluate(params)
        val_loss, val_acc = float(vl), float(va)  # blocks until the epoch is done
        times.append(time.perf_counter() - t0)
        print(f"Epoch {e}/{a.epochs} - {times[-1]:.3f}s - loss: {float(jnp.mean(losses)):.4f} - "
              f"val_loss: {val_loss:.4f} - val_accuracy: {val_acc:.4f}", flush=True)
    total = time.perf_counter() - start
    print(json.dumps({"peer": f"jax jit+lax.scan rmsprop-{a.rmsprop}", "rmsprop": a.rmsprop,
                      "matmul_precision": a.matmul_precision, "device": dev.device_kind, "epoch_seconds": times,
                      "median_epoch": statistics.median(times), "total": total, "test_accuracy": val_acc,
                      "test_loss": val_loss}), flush=True)


if __name__ == "__main__":
    main()
