#!/usr/bin/env bash
# The one GPU check of mldesk-train, for a machine with an H100/H200, CUDA, CMake, Ninja, Python with PyTorch and JAX,
# and no Qt, no -dev packages, no network: builds with -DMLDESK_GPU_ONLY=ON -DMLDESK_WITH_CUDA=ON, runs the gpu/
# tests (CUDA kernels, backends, trainer) with every skip counted as a failure, then benchmarks the seed
# configuration (784-300-100-10, batch 50, lr 0.001, RMSprop, 20 epochs, Fashion-MNIST) on every CUDA engine of
# mldesk-train and on the peers (PyTorch eager, PyTorch CUDA graph, JAX jit + lax.scan, each with its own RMSprop and
# with Keras's) in the same run, the fused engine last, and prints one table. Logs go to $OUT (when set) or
# <build>/gpu-check. It stops at the first hang, missing CUDA or skipped GPU test, and stays within a budget.
#
# Usage: bench/gpu-check.sh [--dry-run] [--skip-build] [--epochs N] [--build-dir DIR] [--data DIR]
#   --dry-run   for a machine without a GPU: builds (CUDA on, -j2), runs every test (the CUDA ones skip there),
#               checks that --device cuda fails cleanly, trains on the CPU for 2 epochs and prints the whole table
#               it would fill on a GPU machine (the GPU rows marked as not run).
# Environment: GPU_CHECK_BUDGET (s, default 480: the whole script; 2400 with --dry-run), GPU_CHECK_TEST_TIMEOUT (s
#   per ctest test, default 90), GPU_CHECK_RUN_TIMEOUT (s per trainer or peer run, default 60), CUDACXX (nvcc to
#   use; else nvcc on PATH, else $CUDA_HOME/bin/nvcc, else /usr/local/cuda/bin/nvcc).
# Data: $MLDESK_FASHION_MNIST, else .carry/fashion-mnist, else /usr/share/datasets/fashion-mnist (.gz or plain;
# gunzipped with python3 into a temporary folder, so a trainer built without zlib can read them).
# Headers: .carry/include (e.g. nlohmann/json.hpp) is passed as MLDESK_EXTRA_INCLUDE_DIRS when it exists.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DRY=0 SKIP_BUILD=0 EPOCHS=20 BUILD="$ROOT/build-gpu" DATA_IN="${MLDESK_FASHION_MNIST:-}"
while [[ $# -gt 0 ]]; do
    case "$1" in
    --dry-run) DRY=1 ;;
    --skip-build) SKIP_BUILD=1 ;;
    --epochs) EPOCHS="$2"; shift ;;
    --build-dir) BUILD="$2"; shift ;;
    --data) DATA_IN="$2"; shift ;;
    -h | --help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "gpu-check.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
    shift
done
[[ "$BUILD" = /* ]] || BUILD="$ROOT/$BUILD"
# A dry run builds on a small shared machine: it gets a longer budget and build time than a GPU machine's 8 minutes.
BUILD_CAP=300
[[ $DRY -eq 1 ]] && BUILD_CAP=1500
BUDGET=${GPU_CHECK_BUDGET:-$([[ $DRY -eq 1 ]] && echo 2400 || echo 480)}
TEST_TIMEOUT=${GPU_CHECK_TEST_TIMEOUT:-90} RUN_TIMEOUT=${GPU_CHECK_RUN_TIMEOUT:-60}
LOGS="${OUT:-$BUILD/gpu-check}"
mkdir -p "$LOGS"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/gpu-check.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
STATUS=0
START=$SECONDS
ROWS=()

log() { echo "[gpu-check +$((SECONDS - START))s] $*" | tee -a "$LOGS/gpu-check.log"; }
fail() { log "FAILED: $*"; STATUS=1; }
table() {
    [[ ${#ROWS[@]} -gt 0 ]] || return 0
    log "results (median epoch = train + validation, as Keras times an epoch):"
    python3 "$ROOT/bench/gpu-table.py" "${ROWS[@]}" | tee "$LOGS/table.md"
}
# Ends the run now: the rest would spend the GPU budget on a result that cannot count.
die() {
    log "FAILED: $*"
    log "stopped early after $((SECONDS - START)) s; logs in $LOGS"
    table
    exit 1
}
# Sets LIMIT to the seconds a step may take: its own cap, cut to what is left of the budget; dies when nothing is.
capped() {  # CAP STEP
    local left=$((BUDGET - (SECONDS - START) - 5))
    [[ $left -gt 0 ]] || die "out of the ${BUDGET} s budget before $2"
    LIMIT=$(($1 < left ? $1 : left))
}

cd "$ROOT" || exit 2
log "repository $ROOT, build $BUILD, logs $LOGS, dry run $DRY, budget ${BUDGET} s (tests ${TEST_TIMEOUT} s, runs ${RUN_TIMEOUT} s each)"

# ---- CUDA toolkit and device ----------------------------------------------------------------------------------------
NVCC="${CUDACXX:-}"
if [[ -z "$NVCC" ]]; then
    NVCC=$(command -v nvcc || echo "${CUDA_HOME:-/usr/local/cuda}/bin/nvcc")
fi
[[ -x "$NVCC" ]] || die "CUDA toolkit not found: '$NVCC' is not an executable nvcc (set CUDACXX or put nvcc on PATH);" \
    "a build without CUDA would run no CUDA test"
"$NVCC" --version 2>&1 | tail -2 | tee -a "$LOGS/gpu-check.log"
[[ ${PIPESTATUS[0]} -eq 0 ]] || die "'$NVCC --version' failed"
if [[ -r /proc/driver/nvidia/version ]]; then
    head -1 /proc/driver/nvidia/version | tee -a "$LOGS/gpu-check.log"
fi
if command -v nvidia-smi >/dev/null 2>&1; then
    GPUS=$(timeout 30 nvidia-smi --query-gpu=index,name,driver_version,memory.total,clocks.max.sm \
        --format=csv,noheader 2>&1)
    log "nvidia-smi: ${GPUS:-no GPU listed}"
else
    GPUS=""
    log "nvidia-smi not found"
fi
if [[ $DRY -eq 0 ]] && ! grep -q '^[0-9]' <<<"$GPUS"; then
    die "no GPU: nvidia-smi is missing or lists none (use --dry-run on a machine without a GPU)"
fi

# ---- build ----------------------------------------------------------------------------------------------------------
JOBS=$(nproc)
[[ $DRY -eq 1 ]] && JOBS=2
if [[ $SKIP_BUILD -eq 0 ]]; then
    CMAKE_ARGS=(-S "$ROOT" -B "$BUILD" -DMLDESK_GPU_ONLY=ON -DMLDESK_WITH_CUDA:BOOL=ON -DCMAKE_CUDA_COMPILER="$NVCC"
        -DCMAKE_BUILD_TYPE=Release)
    command -v ninja >/dev/null 2>&1 && [[ ! -f "$BUILD/CMakeCache.txt" ]] && CMAKE_ARGS+=(-G Ninja)
    [[ -d "$ROOT/.carry/include" ]] && CMAKE_ARGS+=(-DMLDESK_EXTRA_INCLUDE_DIRS="$ROOT/.carry/include")
    log "configure: cmake ${CMAKE_ARGS[*]}"
    capped 120 configure
    if ! timeout "$LIMIT" cmake "${CMAKE_ARGS[@]}" >"$LOGS/configure.log" 2>&1; then
        tail -30 "$LOGS/configure.log"
        die "configure (see $LOGS/configure.log)"
    fi
    grep -E "mldesk_gpu:|CUDA" "$LOGS/configure.log" | head -5
    log "build with $JOBS jobs"
    capped "$BUILD_CAP" build
    if ! timeout "$LIMIT" cmake --build "$BUILD" -j "$JOBS" >"$LOGS/build.log" 2>&1; then
        grep -E "error|FAILED" -A3 "$LOGS/build.log" | head -40
        die "build (see $LOGS/build.log)"
    fi
    log "build done"
fi
grep -Eq '^MLDESK_WITH_CUDA(:[A-Z]+)?=ON$' "$BUILD/CMakeCache.txt" 2>/dev/null ||
    die "$BUILD is not a CUDA-enabled build (MLDESK_WITH_CUDA is not ON in its CMakeCache.txt)"
TRAIN="$BUILD/app/train/mldesk-train"
[[ -x "$TRAIN" ]] || die "$TRAIN was not built"

# ---- data -----------------------------------------------------------------------------------------------------------
if [[ -z "$DATA_IN" ]]; then
    for d in "$ROOT/.carry/fashion-mnist" /usr/share/datasets/fashion-mnist; do
        [[ -d "$d" ]] && { DATA_IN="$d"; break; }
    done
fi
[[ -n "$DATA_IN" && -d "$DATA_IN" ]] || die "no Fashion-MNIST folder (set MLDESK_FASHION_MNIST)"
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
    die "could not prepare the data from $DATA_IN"
fi
log "data: $DATA_IN -> $DATA (plain IDX)"
export MLDESK_FASHION_MNIST="$DATA" # for TestCudaSeedModel (CPU vs CUDA on the seed model)

# ---- tests ----------------------------------------------------------------------------------------------------------
# ctest_step NAME LOG [MLDESK_REQUIRE_GPU value] -- ctest arguments...: dies on a hang (a test killed at its timeout),
# on a failure, and, with REQUIRE=1, on any skipped test.
ctest_step() {
    local name="$1" logf="$2" require="$3" rc
    shift 4
    log "ctest $* (MLDESK_REQUIRE_GPU=$require, ${TEST_TIMEOUT} s a test)"
    capped 300 "$name"
    MLDESK_REQUIRE_GPU="$require" timeout "$LIMIT" ctest --test-dir "$BUILD" --no-tests=error \
        --timeout "$TEST_TIMEOUT" --output-on-failure "$@" >"$logf" 2>&1
    rc=$?
    grep -E "tests passed|Test +#|\*\*\*" "$logf" | tail -30
    local hung skipped
    hung=$(grep -E "\*\*\*Timeout" "$logf" | sed -E 's/.*Test +#[0-9]+: ([^ ]+).*/\1/' | tr '\n' ' ')
    [[ $rc -eq 124 ]] && die "$name: ctest itself hung (killed by the budget); see $logf"
    [[ -n "$hung" ]] && die "$name: test ${hung}hung (killed after ${TEST_TIMEOUT} s); see $logf"
    skipped=$(grep -E "\*\*\*Skipped|Not Run" "$logf" | sed -E 's/.*Test +#[0-9]+: ([^ ]+).*/\1/' | tr '\n' ' ')
    if [[ -n "$skipped" && "$require" = 1 ]]; then
        die "$name: test ${skipped}skipped on a GPU machine (a skip here means nothing was tested); see $logf"
    fi
    [[ -n "$skipped" ]] && log "  skipped (no GPU here): $skipped"
    [[ $rc -eq 0 ]] || die "$name failed (see $logf)"
}

if [[ $DRY -eq 1 ]]; then
    ctest_step "all tests" "$LOGS/ctest-all.log" 0 -- -j "$JOBS"
else
    ctest_step "GPU tests" "$LOGS/ctest-gpu.log" 1 -- -L gpu -LE fused --stop-on-failure
    ctest_step "trainer tests" "$LOGS/ctest-trainer.log" 0 -- -LE gpu -j "$JOBS"
fi

# ---- benchmark ------------------------------------------------------------------------------------------------------
[[ $DRY -eq 1 ]] && EPOCHS=2
SEED_ARGS=(--data-folder "$DATA" --batch-size 50 --first-layer-neurons 300 --second-layer-neurons 100
    --learning-rate 0.001 --epochs "$EPOCHS" --seed 1)
KERAS="RMSprop g/sqrt(v+eps) (Keras)"
TORCHOPT="RMSprop g/(sqrt(v)+eps) (torch.optim's form)"
tagof() { echo "$1" | tr -c 'A-Za-z0-9\n' '-'; }

run_train() {  # NAME DEVICE ENGINE LT: dies when the run hangs
    local name="$1" device="$2" engine="$3" lt="$4" tag rc limit
    tag=$(tagof "$name")
    capped "$RUN_TIMEOUT" "$name"
    limit=$LIMIT
    log "run: $name"
    rm -f "$LOGS/$tag.metrics.jsonl"
    MLDESK_CUDA_ENGINE="$engine" MLDESK_CUDA_LT="$lt" MLDESK_METRICS_FILE="$LOGS/$tag.metrics.jsonl" \
        timeout "$limit" "$TRAIN" --device "$device" "${SEED_ARGS[@]}" --outputs "$TMP/out-$tag" >"$LOGS/$tag.log" 2>&1
    rc=$?
    grep -E "cuda:[0-9]|engine|^Epoch (1|$EPOCHS)/|Median epoch|Test accuracy|error" "$LOGS/$tag.log" | tail -7
    ROWS+=("$name|train|$LOGS/$tag.log|$LOGS/$tag.metrics.jsonl|$rc|$KERAS")
    [[ $rc -eq 124 ]] && die "$name hung: killed after $limit s (see $LOGS/$tag.log)"
    [[ $rc -eq 0 ]] || fail "$name: exit $rc (see $LOGS/$tag.log)"
}

run_peer() {  # NAME OPTIMISER COMMAND...: a missing peer (no PyTorch, no JAX) is a row that says so, not a failure
    local name="$1" optimiser="$2" tag rc limit
    shift 2
    tag=$(tagof "$name")
    capped "$RUN_TIMEOUT" "$name"
    limit=$LIMIT
    log "run: $name"
    timeout "$limit" "$@" >"$LOGS/$tag.log" 2>&1
    rc=$?
    grep -E "^Epoch (1|$EPOCHS)/" "$LOGS/$tag.log" | tail -2
    [[ $rc -eq 0 ]] || { log "  exit $rc (see $LOGS/$tag.log)"; tail -3 "$LOGS/$tag.log"; }
    [[ $rc -eq 124 ]] && log "  $name was killed after $limit s"
    ROWS+=("$name|peer|$LOGS/$tag.log||$rc|$optimiser")
}

pending() { ROWS+=("$1|pending|||0|$2"); }  # a row the dry run cannot fill
# A peer row's RMSprop, named from the peer's side: PyTorch's own is torch.optim.RMSprop (the torch form); JAX has
# none built in (optax's default is the Keras form), so both of its forms are written out in the peer.
peer_rmsprop() {  # PEER keras|torch
    if [[ $2 = keras ]]; then echo "Keras RMSprop"; elif [[ $1 = PyTorch* ]]; then echo "own RMSprop"; else
        echo "torch-form RMSprop"; fi
}

TORCH="$ROOT/bench/peers/torch_mlp.py"
JAXPEER="$ROOT/bench/gpu-peer-jax.py"
if [[ $DRY -eq 1 ]]; then
    log "dry run: --device cuda must fail cleanly without a GPU"
    if timeout "$RUN_TIMEOUT" "$TRAIN" --device cuda "${SEED_ARGS[@]}" --epochs 1 --outputs "$TMP/out-nogpu" >"$LOGS/nogpu.log" 2>&1; then
        fail "--device cuda succeeded although the dry run found no GPU"
    else
        log "  refused as expected: $(tail -1 "$LOGS/nogpu.log")"
        [[ -e "$TMP/out-nogpu/model" ]] && fail "--device cuda left outputs/model behind"
    fi
    run_train "mldesk-train cpu (dry run, 2 epochs)" cpu auto 1
    for row in "mldesk-train cuda graph" "mldesk-train cuda eager" "mldesk-train cuda graph, no cuBLASLt"; do
        pending "$row" "$KERAS"
    done
    for opt in keras torch; do
        for peer in "JAX jit+lax.scan" "PyTorch CUDA graph" "PyTorch eager"; do
            pending "$peer, $(peer_rmsprop "$peer" $opt)" "$([[ $opt = keras ]] && echo "$KERAS" || echo "$TORCHOPT")"
        done
    done
    pending "mldesk-train cuda fused" "$KERAS"
else
    timeout 30 "$TRAIN" --list-devices >"$LOGS/list-devices.json" 2>&1
    [[ $? -eq 124 ]] && die "mldesk-train --list-devices hung (killed after 30 s)"
    cat "$LOGS/list-devices.json"
    run_train "mldesk-train cuda graph" cuda graph 1
    run_train "mldesk-train cuda eager" cuda eager 1
    run_train "mldesk-train cuda graph, no cuBLASLt" cuda graph 0
    for opt in keras torch; do
        o=$([[ $opt = keras ]] && echo "$KERAS" || echo "$TORCHOPT")
        run_peer "JAX jit+lax.scan, $(peer_rmsprop JAX $opt)" "$o, matmul precision highest" \
            python3 "$JAXPEER" "${SEED_ARGS[@]}" --rmsprop "$opt" --matmul-precision highest
        run_peer "PyTorch CUDA graph, $(peer_rmsprop PyTorch $opt)" "$o, no TF32" \
            python3 "$TORCH" "${SEED_ARGS[@]}" --device cuda --cuda-graph --rmsprop "$opt"
        run_peer "PyTorch eager, $(peer_rmsprop PyTorch $opt)" "$o, no TF32" \
            python3 "$TORCH" "${SEED_ARGS[@]}" --device cuda --rmsprop "$opt"
    done
    # The fused engine last: a deadlocked grid barrier must not cost the rows above.
    ctest_step "fused-engine tests" "$LOGS/ctest-fused.log" 1 -- -L fused
    run_train "mldesk-train cuda fused" cuda fused 1
fi

table
log "done in $((SECONDS - START)) s, status $STATUS; logs in $LOGS"
exit $STATUS
