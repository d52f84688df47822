#!/usr/bin/env python3
"""Prints bench/gpu-check.sh's result table from the logs of its runs.

Usage: gpu-table.py ROW...   with ROW = NAME|train|STDOUT_LOG|METRICS_JSONL|RC|OPTIMISER  (an mldesk-train run)
                                   or NAME|peer|STDOUT_LOG||RC|OPTIMISER                 (a peer printing JSON last)
                                   or NAME|pending|||0|OPTIMISER                         (a row a dry run cannot fill)
OPTIMISER says which RMSprop the row ran: Keras's g/sqrt(v+eps) (mldesk-train's) or the peer's own.
For mldesk-train the median epoch is the trainer's own "Median epoch X s" (train + validation, like the peers);
the median of the differences between consecutive per-epoch "Loss" metric timestamps is shown beside it.
"""
import json
import re
import statistics
import sys


def parse_train(log, metrics):
    text = open(log, errors="replace").read()
    r = {}
    m = re.search(r"Median epoch ([0-9.]+) s; training took ([0-9.]+) s", text)
    if m:
        r["median_epoch"], r["total"] = float(m.group(1)), float(m.group(2))
    epochs = [float(x) for x in re.findall(r"^Epoch \d+/\d+ - ([0-9.]+)s", text, re.M)]
    if epochs and "median_epoch" not in r:
        r["median_epoch"], r["total"] = statistics.median(epochs), sum(epochs)
    m = re.findall(r"^Test accuracy: ([0-9.]+)", text, re.M)
    if m:
        r["test_accuracy"] = float(m[-1])
    try:
        times = []
        for line in open(metrics):
            j = json.loads(line)
            if j.get("name") == "Loss":
                times.append(float(j["time"]))
            if j.get("name") == "Final test accuracy" and "test_accuracy" not in r:
                r["test_accuracy"] = float(j["value"])
        if len(times) >= 3:
            r["metrics_median"] = statistics.median(b - a for a, b in zip(times, times[1:]))
    except (OSError, ValueError, KeyError):
        pass
    return r


def parse_peer(log):
    for line in reversed(open(log, errors="replace").read().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                return json.loads(line)
            except ValueError:
                pass
    return {}


def main():
    rows = []
    for arg in sys.argv[1:]:
        name, kind, log, metrics, rc, optimiser = (arg.split("|") + [""])[:6]
        try:
            r = {} if kind == "pending" else parse_train(log, metrics) if kind == "train" else parse_peer(log)
        except OSError:
            r = {}
        r["name"], r["rc"], r["kind"], r["optimiser"] = name, int(rc), kind, optimiser
        rows.append(r)
    jax = next((r["median_epoch"] for r in rows if r["name"].startswith("JAX") and "median_epoch" in r), None)
    print("| implementation | optimiser | median epoch (ms) | from metrics (ms) | total (s) | test accuracy | vs JAX |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for r in rows:
        if r["kind"] == "pending":
            print(f"| {r['name']} | {r['optimiser']} | not run (dry run: needs a GPU) | | | | |")
            continue
        if "median_epoch" not in r:
            print(f"| {r['name']} | {r['optimiser']} | failed (exit {r['rc']}) | | | | |")
            continue
        med = r["median_epoch"] * 1000
        met = f"{r['metrics_median'] * 1000:.1f}" if "metrics_median" in r else ""
        acc = f"{r['test_accuracy']:.4f}" if "test_accuracy" in r else ""
        ratio = f"{r['median_epoch'] / jax:.2f}x" if jax else ""
        note = "" if r["rc"] == 0 else f" (exit {r['rc']})"
        print(f"| {r['name']}{note} | {r['optimiser']} | {med:.1f} | {met} | {r.get('total', float('nan')):.2f} | {acc} | {ratio} |")


if __name__ == "__main__":
    main()
