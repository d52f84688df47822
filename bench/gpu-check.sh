#!/usr/bin/env bash
# The one GPU check of mldesk-train, for a machine with an H100/H200, CUDA, CMake, Ninja, Python with PyTorch and JAX,
# and no Qt, no -dev packages, no network: builds with -DMLDESK_GPU_ONLY=ON, runs the gpu/ tests (CUDA kernels,
# backends, trainer), then benchmarks the seed configuration (784-300-100-10, batch 50, lr 0.001, RMSprop, 20 epochs,
# Fashion-MNIST) on every CUDA engine of mldesk-train and on the peers (PyTorch eager, PyTorch CUDA graph, JAX
# jit + lax.scan) in the same run, and prints one table. Logs go to $OUT (when set) or <build>/gpu-check.
#
# Usage: bench/gpu-check.sh [--dry-run] [--skip-build] [--skip-tests] [--epochs N] [--build-dir DIR] [--data DIR]
#   --dry-run   for a machine without a GPU: builds (GPU_ONLY, -j2), runs the tests (the CUDA ones skip), checks that
#               --device cuda fails cleanly, and runs mldesk-train on the CPU for 2 epochs to exercise the table.
# Data: $MLDESK_FASHION_MNIST, else .carry/fashion-mnist, else /usr/share/datasets/fashion-mnist (.gz or plain;
# gunzipped with python3 into a temporary folder, so a trainer built without zlib can read them).
# Headers: .carry/include (e.g. nlohmann/json.hpp) is passed as MLDESK_EXTRA_INCLUDE_DIRS when it exists.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DRY=0 SKIP_BUILD=0 SKIP_TESTS=0 EPOCHS=20 BUILD="$ROOT/build-gpu" DATA_IN="${MLDESK_FASHION_MNIST:-}"
while [[ $# -gt 0 ]]; do
    case "$1" in
    --dry-run) DRY=1 ;;
    --skip-build) SKIP_BUILD=1 ;;
    --skip-tests) SKIP_TESTS=1 ;;
    --epochs) EPOCHS="$2"; shift ;;
    --build-dir) BUILD="$2"; shift ;;
    --data) DATA_IN="$2"; shift ;;
    -h | --help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "gpu-check.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
    shift
done
[[ "$BUILD" = /* ]] || BUILD="$ROOT/$BUILD"
LOGS="${OUT:-$BUILD/gpu-check}"
mkdir -p "$LOGS"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/gpu-check.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
STATUS=0
START=$SECONDS

log() { echo "[gpu-check +$((SECONDS - START))s] $*" | tee -a "$LOGS/gpu-check.log"; }
fail() { log "FAILED: $*"; STATUS=1; }

cd "$ROOT" || exit 2
log "repository $ROOT, build $BUILD, logs $LOGS, dry run $DRY"
if command -v nvidia-smi >/dev/null 2>&1; then
    nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.max.sm --format=csv 2>&1 | tee -a "$LOGS/gpu-check.log"
else
    log "nvidia-smi not found"
fi

# ---- build ----------------------------------------------------------------------------------------------------------
JOBS=$(nproc)
[[ $DRY -eq 1 ]] && JOBS=2
if [[ $SKIP_BUILD -eq 0 ]]; then
    CMAKE_ARGS=(-S "$ROOT" -B "$BUILD" -G Ninja -DMLDESK_GPU_ONLY=ON -DCMAKE_BUILD_TYPE=Release)
    [[ -d "$ROOT/.carry/include" ]] && CMAKE_ARGS+=(-DMLDESK_EXTRA_INCLUDE_DIRS="$ROOT/.carry/include")
    log "configure: cmake ${CMAKE_ARGS[*]}"
    if ! cmake "${CMAKE_ARGS[@]}" >"$LOGS/configure.log" 2>&1; then
        tail -30 "$LOGS/configure.log"
        fail "configure (see $LOGS/configure.log)"
        exit 1
    fi
    grep -E "mldesk_gpu:|CUDA" "$LOGS/configure.log" | head -5
    log "build with $JOBS jobs"
    if ! timeout 900 cmake --build "$BUILD" -j "$JOBS" >"$LOGS/build.log" 2>&1; then
        grep -E "error|FAILED" -A3 "$LOGS/build.log" | head -40
        fail "build (see $LOGS/build.log)"
        exit 1
    fi
    log "build done"
fi
TRAIN="$BUILD/app/train/mldesk-train"
[[ -x "$TRAIN" ]] || { fail "$TRAIN was not built"; exit 1; }

# ---- tests ----------------------------------------------------------------------------------------------------------
if [[ $SKIP_TESTS -eq 0 ]]; then
    log "ctest -L gpu (CUDA kernels and backend; these skip without a device)"
    if ! timeout 600 ctest --test-dir "$BUILD" -L gpu --output-on-failure >"$LOGS/ctest-gpu.log" 2>&1; then
        fail "ctest -L gpu (see $LOGS/ctest-gpu.log)"
    fi
    grep -E "tests passed|Test +#|FAIL|SKIP" "$LOGS/ctest-gpu.log" | tail -30
    log "ctest -LE gpu (the trainer's other tests: IDX reader, CPU backend, outputs, CLI)"
    if ! timeout 600 ctest --test-dir "$BUILD" -LE gpu --output-on-failure -j "$JOBS" >"$LOGS/ctest-other.log" 2>&1; then
        fail "ctest -LE gpu (see $LOGS/ctest-other.log)"
    fi
    grep -E "tests passed|Test +#" "$LOGS/ctest-other.log" | tail -30
fi

# ---- data -----------------------------------------------------------------------------------------------------------
if [[ -z "$DATA_IN" ]]; then
    for d in "$ROOT/.carry/fashion-mnist" /usr/share/datasets/fashion-mnist; do
        [[ -d "$d" ]] && { DATA_IN="$d"; break; }
    done
fi
[[ -n "$DATA_IN" && -d "$DATA_IN" ]] || { fail "no Fashion-MNIST folder (set MLDESK_FASHION_MNIST)"; exit 1; }
DATA="$TMP/fashion-mnist"
mkdir -p "$DATA"
if ! python3 - "$DATA_IN" "$DATA" <<'PY'
import gzip, os, shutil, sys
src, dst = sys.argv[1], sys.argv[2]
for base in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):
    found = None
    for root, _dirs, files in os.walk(src):
        for name in (base, base + ".gz"):
            if name in files:
                found = os.path.join(root, name)
                break
        if found:
            break
    if not found:
        sys.exit(f"{base}[.gz] not found under {src}")
    opener = gzip.open if found.endswith(".gz") else open
    with opener(found, "rb") as f, open(os.path.join(dst, base), "wb") as out:
        shutil.copyfileobj(f, out)
PY
then
    fail "could not prepare the data from $DATA_IN"
    exit 1
fi
log "data: $DATA_IN -> $DATA (plain IDX)"

# ---- benchmark ------------------------------------------------------------------------------------------------------
ROWS=()
SEED_ARGS=(--data-folder "$DATA" --batch-size 50 --first-layer-neurons 300 --second-layer-neurons 100
    --learning-rate 0.001 --epochs "$EPOCHS" --seed 1)

run_train() {  # NAME DEVICE ENGINE LT TIMEOUT
    local name="$1" device="$2" engine="$3" lt="$4" limit="$5" tag rc
    tag=$(echo "$name" | tr -c 'A-Za-z0-9\n' '-')
    log "run: $name"
    rm -f "$LOGS/$tag.metrics.jsonl"
    MLDESK_CUDA_ENGINE="$engine" MLDESK_CUDA_LT="$lt" MLDESK_METRICS_FILE="$LOGS/$tag.metrics.jsonl" \
        timeout "$limit" "$TRAIN" --device "$device" "${SEED_ARGS[@]}" --outputs "$TMP/out-$tag" >"$LOGS/$tag.log" 2>&1
    rc=$?
    grep -E "cuda:[0-9]|fused engine|^Epoch (1|$EPOCHS)/|Median epoch|Test accuracy|error" "$LOGS/$tag.log" | tail -7
    [[ $rc -eq 0 ]] || log "  exit $rc (see $LOGS/$tag.log)"
    ROWS+=("$name|train|$LOGS/$tag.log|$LOGS/$tag.metrics.jsonl|$rc")
    return $rc
}

run_peer() {  # NAME TIMEOUT COMMAND...
    local name="$1" limit="$2" tag rc
    shift 2
    tag=$(echo "$name" | tr -c 'A-Za-z0-9\n' '-')
    log "run: $name"
    timeout "$limit" "$@" >"$LOGS/$tag.log" 2>&1
    rc=$?
    grep -E "^Epoch (1|$EPOCHS)/" "$LOGS/$tag.log" | tail -2
    [[ $rc -eq 0 ]] || { log "  exit $rc (see $LOGS/$tag.log)"; tail -3 "$LOGS/$tag.log"; }
    ROWS+=("$name|peer|$LOGS/$tag.log||$rc")
}

if [[ $DRY -eq 1 ]]; then
    log "dry run: --device cuda must fail cleanly without a GPU"
    if "$TRAIN" --device cuda "${SEED_ARGS[@]}" --epochs 1 --outputs "$TMP/out-nogpu" >"$LOGS/nogpu.log" 2>&1; then
        if "$TRAIN" --list-devices 2>/dev/null | grep -q '"name"'; then
            log "  a GPU is present: --device cuda trained"
        else
            fail "--device cuda succeeded without a GPU"
        fi
    else
        log "  refused as expected: $(tail -1 "$LOGS/nogpu.log")"
        [[ -e "$TMP/out-nogpu/model" ]] && fail "--device cuda left outputs/model behind"
    fi
    EPOCHS=2
    SEED_ARGS=(--data-folder "$DATA" --batch-size 50 --first-layer-neurons 300 --second-layer-neurons 100
        --learning-rate 0.001 --epochs 2 --seed 1)
    run_train "mldesk-train cpu (dry run)" cpu auto 1 300 || fail "mldesk-train on the CPU"
    if python3 -c "import jax" 2>/dev/null; then
        run_peer "JAX jit+lax.scan (dry run)" 300 python3 "$ROOT/bench/gpu-peer-jax.py" --data-folder "$DATA" --epochs 2
    else
        log "JAX not installed here: peer skipped"
    fi
else
    "$TRAIN" --list-devices >"$LOGS/list-devices.json" 2>&1
    cat "$LOGS/list-devices.json"
    for engine in graph fused eager; do
        run_train "mldesk-train cuda $engine" cuda "$engine" 1 240 || fail "mldesk-train cuda $engine"
    done
    run_train "mldesk-train cuda graph, no cuBLASLt" cuda graph 0 240 || fail "mldesk-train cuda graph without Lt"
    run_peer "JAX jit+lax.scan" 240 python3 "$ROOT/bench/gpu-peer-jax.py" "${SEED_ARGS[@]}"
    TORCH="$ROOT/bench/peers/torch_mlp.py"
    run_peer "PyTorch CUDA graph" 240 python3 "$TORCH" "${SEED_ARGS[@]}" --device cuda --cuda-graph
    run_peer "PyTorch eager" 240 python3 "$TORCH" "${SEED_ARGS[@]}" --device cuda
fi

log "results (median epoch = train + validation, as Keras times an epoch):"
python3 "$ROOT/bench/gpu-table.py" "${ROWS[@]}" | tee "$LOGS/table.md"
log "done in $((SECONDS - START)) s, status $STATUS; logs in $LOGS"
exit $STATUS
