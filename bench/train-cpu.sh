#!/usr/bin/env bash
# CPU benchmark of mldesk-train against PyTorch (both on OpenBLAS), same config, same machine, same run: the seed
# configuration (784-300-100-10, batch 50, lr 0.001, RMSprop) on Debian's Fashion-MNIST. Prints a table of median
# epoch, total time, test accuracy and the ratio to the fastest PyTorch run.
# Usage: bench/train-cpu.sh [EPOCHS]          (default 20; 3 for a quick run)
# Env:   BUILD_DIR (default build-gpu), DATA (default /usr/share/datasets/fashion-mnist), PYTHON (default: a python3
#        that imports torch), SEED (default 1), TORCH_THREADS (default "default": PyTorch's own choice; e.g.
#        "default 2" adds a run with torch.set_num_threads(2) - beware: on a busy 2-core machine OpenMP's spinning
#        made that 30x slower here)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
epochs=${1:-20}
build=${BUILD_DIR:-$root/build-gpu}
train=$build/app/train/mldesk-train
data=${DATA:-/usr/share/datasets/fashion-mnist}
seed=${SEED:-1}
[[ -x $train ]] || { echo "bench: $train not built (cmake --build $build --target mldesk-train)" >&2; exit 1; }
[[ -d $data ]] || { echo "bench: $data missing (apt-get install dataset-fashion-mnist)" >&2; exit 1; }
python=${PYTHON:-}
if [[ -z $python ]]; then
    for p in python3 /usr/bin/python3; do
        if "$p" -c 'import torch' 2>/dev/null; then python=$p; break; fi
    done
fi
[[ -n $python ]] || { echo "bench: no python3 with torch (scripts/setup --bench installs python3-torch)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cores=$(nproc)
# Only here, never in tests: let OpenBLAS pick its kernels for this CPU on both sides.
clean_env=(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE)
args=(--data-folder "$data" --epochs "$epochs" --batch-size 50 --first-layer-neurons 300 --second-layer-neurons 100
      --learning-rate 0.001)

echo "bench: $(date -u +%FT%TZ), $cores cores, load $(cut -d' ' -f1-3 /proc/loadavg), $epochs epochs" >&2
echo "bench: mldesk-train --device cpu" >&2
"${clean_env[@]}" "$train" "${args[@]}" --device cpu --seed "$seed" --outputs "$work/outputs" >"$work/mldesk.log"
peers=()
for t in ${TORCH_THREADS:-default}; do
    echo "bench: PyTorch, threads: $t" >&2
    [[ $t == default ]] && t=0
    "${clean_env[@]}" "$python" "$here/peers/torch_mlp.py" "${args[@]}" --device cpu --threads "$t" --seed "$seed" \
        >"$work/torch$t.log"
    peers+=("torch$t")
done

"$python" - "$work" "$(cut -d' ' -f1-3 /proc/loadavg)" "${peers[@]}" <<'PY'
import json, re, statistics, sys
work, load, peers = sys.argv[1], sys.argv[2], sys.argv[3:]
rows = []
log = open(f"{work}/mldesk.log").read()
times = [float(t) for t in re.findall(r"^Epoch \d+/\d+ - ([0-9.]+)s", log, re.M)]
acc = float(re.search(r"^Test accuracy: ([0-9.]+)", log, re.M).group(1))
device = re.search(r"^Device: (.*)$", log, re.M).group(1)
rows.append((f"mldesk-train {device}", statistics.median(times), sum(times), acc))
for name in peers:
    r = json.loads(open(f"{work}/{name}.log").read().strip().splitlines()[-1])
    rows.append((f"{r['peer']} ({r['threads']} thread{'s' if r['threads'] > 1 else ''})", r["median_epoch"],
                 sum(r["epoch_seconds"]), r["test_accuracy"]))
best_peer = min(r[1] for r in rows[1:])
print(f"{'implementation':58} {'median epoch':>12} {'total':>8} {'test acc':>8} {'speed-up':>8}")
for name, med, total, acc in rows:
    print(f"{name:58} {med:11.3f}s {total:7.1f}s {acc:8.4f} {best_peer / med:7.2f}x")
print(f"(epoch = training + validation on the test set; speed-up = fastest PyTorch median / this median; "
      f"load at end {load})", flush=True)
PY
