"""The peer of bench/serve-bench: the seed's score.py (init() loads model.json + model.h5, run(raw_data) returns
np.argmax(model.predict(data), axis=1).tolist()) with the forward pass in numpy (Debian has no Keras), behind Flask
the way Azure ML's inference server serves an entry script, run by gunicorn. AZUREML_MODEL_DIR names the model."""
import json
import os

import h5py
import numpy as np
from flask import Flask, Response, request

layers = []


def init():
    global layers
    root = os.environ["AZUREML_MODEL_DIR"]
    with open(os.path.join(root, "model.json")) as f:
        config = json.load(f)
    dense = [l["config"] for l in config["config"]["layers"] if l["class_name"] == "Dense"]
    with h5py.File(os.path.join(root, "model.h5"), "r") as f:
        for l in dense:
            g = f[l["name"]]
            names = [n.decode() if isinstance(n, bytes) else n for n in g.attrs["weight_names"]]
            w = {n.split("/")[-1].split(":")[0]: np.array(g[n]) for n in names}
            layers.append((w["kernel"], w.get("bias", 0.0), l["activation"]))


def predict(x):
    for kernel, bias, activation in layers:
        x = x @ kernel + bias
        if activation == "relu":
            x = np.maximum(x, 0)
        elif activation == "softmax":
            e = np.exp(x - x.max(axis=1, keepdims=True))
            x = e / e.sum(axis=1, keepdims=True)
    return x


def run(raw_data):
    data = np.array(json.loads(raw_data)["data"], dtype=np.float32)
    y_hat = np.argmax(predict(data), axis=1)
    return y_hat.tolist()


app = Flask(__name__)
init()


@app.route("/score", methods=["POST"])
def score():
    return Response(json.dumps(run(request.get_data(as_text=True))), mimetype="application/json")
