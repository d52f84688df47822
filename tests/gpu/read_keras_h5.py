#!/usr/bin/env python3
"""Reads a model.h5 written by mldesk-train the way Keras 2's load_weights does (root attribute layer_names, each
group's weight_names, datasets by those names), checks the layout, runs the model in numpy on an IDX test set and
prints one JSON line: {"accuracy": ..., "loss": ..., "layers": [...], "shapes": {...}}.
Usage: read_keras_h5.py model.h5 model.json test-images-idx test-labels-idx
Exit 77 when h5py or numpy is missing (the calling test then skips)."""
import gzip
import json
import sys

try:
    import h5py
    import numpy as np
except ImportError as e:
    print(f"missing module: {e}", file=sys.stderr)
    sys.exit(77)


def read_idx(path):
    with (gzip.open if path.endswith(".gz") else open)(path, "rb") as f:
        data = f.read()
    rank = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(rank)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * rank).reshape(dims)


def as_str(v):
    return v.decode("utf8") if isinstance(v, bytes) else str(v)


def main():
    h5_path, json_path, images, labels = sys.argv[1:5]
    model = json.load(open(json_path))
    assert model["class_name"] == "Sequential", model["class_name"]
    assert model["backend"] == "tensorflow"
    layers_cfg = model["config"]["layers"]
    assert "batch_input_shape" in layers_cfg[0]["config"], "first layer lacks batch_input_shape"
    activations = {l["config"]["name"]: l["config"].get("activation") for l in layers_cfg}

    f = h5py.File(h5_path, "r")
    assert as_str(f.attrs["backend"]) == "tensorflow"
    assert as_str(f.attrs["keras_version"]).startswith("2.")
    layer_names = [as_str(n) for n in f.attrs["layer_names"]]
    assert layer_names == [l["config"]["name"] for l in layers_cfg], (layer_names, "vs model.json")
    shapes = {}
    weights = []
    for name in layer_names:
        g = f[name]
        names = [as_str(n) for n in g.attrs["weight_names"]]
        if layers_cfg[layer_names.index(name)]["class_name"] == "Dropout":
            assert names == [], names
            continue
        assert names[0] == f"{name}/kernel:0", names
        kernel = np.asarray(g[names[0]])
        bias = np.asarray(g[names[1]]) if len(names) > 1 else np.zeros(kernel.shape[1], np.float32)
        assert f"{name}/{name}/kernel:0" in f, "kernel not at <layer>/<layer>/kernel:0"
        assert kernel.dtype == np.float32 and kernel.ndim == 2 and bias.shape == (kernel.shape[1],)
        shapes[name] = [list(kernel.shape), list(bias.shape)]
        weights.append((name, kernel, bias))

    x = read_idx(images).reshape(-1, weights[0][1].shape[0]).astype(np.float32) / np.float32(255.0)
    y = read_idx(labels).astype(np.int64)
    for name, kernel, bias in weights:
        x = x @ kernel + bias
        act = activations[name]
        if act == "relu":
            x = np.maximum(x, 0)
        elif act == "sigmoid":
            x = 1 / (1 + np.exp(-x))
        elif act == "tanh":
            x = np.tanh(x)
        elif act == "softmax":
            # categorical cross-entropy from the logits, as tf.keras 2.13 computes it for a softmax output (no clip)
            shifted = x - x.max(axis=1, keepdims=True)
            log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
            x = np.exp(log_p)
    loss = -log_p[np.arange(len(y)), y]
    print(json.dumps({"accuracy": float((x.argmax(1) == y).mean()), "loss": float(loss.mean()),
                      "layers": layer_names, "shapes": shapes}))


if __name__ == "__main__":
    main()
