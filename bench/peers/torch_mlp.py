#!/usr/bin/env python3
"""PyTorch peer of mldesk-train for the benchmarks: the seed's Keras MLP (Dense relu, Dense relu, Dense softmax,
glorot-uniform kernels, zero biases, RMSprop rho 0.9 eps 1e-7, categorical cross-entropy on the logits as tf.keras
computes it for a softmax output, shuffle each epoch, last partial batch trained, validation on the test set each
epoch). Data resident on the device; no network access; TF32 matmuls off (full float32, as mldesk-train).
--rmsprop torch: PyTorch's own RMSprop, w -= lr g / (sqrt(v) + eps); --rmsprop keras: Keras's (and mldesk-train's)
w -= lr g / sqrt(v + eps), written here as a small optimizer (capturable in a CUDA graph).

Usage: torch_mlp.py --data-folder DIR [--epochs 20] [--batch-size 50] [--device cpu|cuda] [--cuda-graph]
                    [--rmsprop torch|keras] [--threads N] [--first-layer-neurons 300] [--second-layer-neurons 100]
                    [--learning-rate 0.001]
Prints one line per epoch and, last, one JSON line: {"peer": ..., "epoch_seconds": [...], "median_epoch": ...,
"total": ..., "test_accuracy": ..., "test_loss": ...}.
"""
import argparse
import gzip
import json
import os
import statistics
import sys
import time

import numpy as np
import torch


def find(folder, name):
    for root, _dirs, files in os.walk(folder):
        for candidate in (name, name + ".gz"):
            if candidate in files:
                return os.path.join(root, candidate)
    sys.exit(f"torch_mlp.py: {name}[.gz] not found under {folder}")


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    rank = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(rank)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * rank).reshape(dims)


def load(folder, prefix, device):
    x = read_idx(find(folder, f"{prefix}-images-idx3-ubyte")).reshape(-1, 784).astype(np.float32) / np.float32(255.0)
    y = read_idx(find(folder, f"{prefix}-labels-idx1-ubyte")).astype(np.int64)
    return torch.from_numpy(x).to(device), torch.from_numpy(y).to(device)


class KerasRMSprop(torch.optim.Optimizer):
    """Keras 3 / tf.keras RMSprop without momentum: v = rho v + (1 - rho) g^2; w -= lr g / sqrt(v + eps)."""

    def __init__(self, params, lr, rho, eps):
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps))
        for group in self.param_groups:
            for p in group["params"]:
                self.state[p]["v"] = torch.zeros_like(p)

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            for p in group["params"]:
                v = self.state[p]["v"]
                v.mul_(group["rho"]).addcmul_(p.grad, p.grad, value=1 - group["rho"])
                p.addcdiv_(p.grad, v.add(group["eps"]).sqrt_(), value=-group["lr"])


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data-folder", required=True)
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--batch-size", type=int, default=50)
    p.add_argument("--first-layer-neurons", type=int, default=300)
    p.add_argument("--second-layer-neurons", type=int, default=100)
    p.add_argument("--learning-rate", type=float, default=0.001)
    p.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    p.add_argument("--cuda-graph", action="store_true", help="capture the training step in a CUDA graph")
    p.add_argument("--rmsprop", choices=["torch", "keras"], default="torch",
                   help="torch: g / (sqrt(v) + eps) (torch.optim.RMSprop); keras: g / sqrt(v + eps)")
    p.add_argument("--threads", type=int, default=0, help="torch.set_num_threads (0: PyTorch's default)")
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args()

    if a.device == "cuda" and not torch.cuda.is_available():
        sys.exit("torch_mlp.py: --device cuda but torch.cuda.is_available() is False")
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.manual_seed(a.seed)
    dev = torch.device(a.device)
    x_train, y_train = load(a.data_folder, "train", dev)
    x_test, y_test = load(a.data_folder, "t10k", dev)

    model = torch.nn.Sequential(
        torch.nn.Linear(784, a.first_layer_neurons), torch.nn.ReLU(),
        torch.nn.Linear(a.first_layer_neurons, a.second_layer_neurons), torch.nn.ReLU(),
        torch.nn.Linear(a.second_layer_neurons, 10)).to(dev)
    for m in model:
        if isinstance(m, torch.nn.Linear):
            torch.nn.init.xavier_uniform_(m.weight)
            torch.nn.init.zeros_(m.bias)
    opt_kwargs = dict(lr=a.learning_rate, alpha=0.9, eps=1e-7)
    if a.rmsprop == "keras":
        opt = KerasRMSprop(model.parameters(), lr=a.learning_rate, rho=0.9, eps=1e-7)
    elif a.cuda_graph:
        try:
            opt = torch.optim.RMSprop(model.parameters(), capturable=True, **opt_kwargs)
        except TypeError:
            sys.exit("torch_mlp.py: --cuda-graph needs a PyTorch whose RMSprop has capturable=True (>= 2.1)")
    else:
        opt = torch.optim.RMSprop(model.parameters(), **opt_kwargs)
    loss_fn = torch.nn.CrossEntropyLoss()  # softmax + categorical cross-entropy on logits

    def step(xb, yb):
        opt.zero_grad(set_to_none=False)
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()
        return loss

    n = x_train.shape[0]
    bs = a.batch_size
    graph = None
    if a.cuda_graph:
        static_x = x_train[:bs].clone()
        static_y = y_train[:bs].clone()
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):
            for _ in range(3):  # warm-up outside the graph (optimizer state gets allocated)
                step(static_x, static_y)
        torch.cuda.current_stream().wait_stream(side)
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph):
            static_loss = step(static_x, static_y)

    def sync():
        if a.device == "cuda":
            torch.cuda.synchronize()

    def evaluate():
        model.eval()
        total, correct = 0.0, 0
        with torch.no_grad():
            for i in range(0, x_test.shape[0], 2000):
                logits = model(x_test[i:i + 2000])
                total += float(torch.nn.functional.cross_entropy(logits, y_test[i:i + 2000], reduction="sum"))
                correct += int((logits.argmax(1) == y_test[i:i + 2000]).sum())
        model.train()
        return total / x_test.shape[0], correct / x_test.shape[0]

    times = []
    start = time.perf_counter()
    for epoch in range(1, a.epochs + 1):
        sync()
        t0 = time.perf_counter()
        perm = torch.randperm(n, device=dev)
        for i in range(0, n, bs):
            idx = perm[i:i + bs]
            if graph is not None and idx.shape[0] == bs:
                static_x.copy_(x_train[idx])
                static_y.copy_(y_train[idx])
                graph.replay()
            else:
                step(x_train[idx], y_train[idx])
        val_loss, val_acc = evaluate()
        sync()
        times.append(time.perf_counter() - t0)
        print(f"Epoch {epoch}/{a.epochs} - {times[-1]:.3f}s - val_loss: {val_loss:.4f} - val_accuracy: {val_acc:.4f}",
              flush=True)
    total = time.perf_counter() - start
    peer = f"pytorch {torch.__version__} {a.device}" + (" cuda-graph" if graph is not None else "") + \
        f" rmsprop-{a.rmsprop}"
    print(json.dumps({"peer": peer, "rmsprop": a.rmsprop, "threads": torch.get_num_threads(), "epoch_seconds": times,
                      "median_epoch": statistics.median(times), "total": total, "test_loss": val_loss,
                      "test_accuracy": val_acc}))


if __name__ == "__main__":
    main()
