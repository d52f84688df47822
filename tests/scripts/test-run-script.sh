#!/usr/bin/env bash
# TestRunScript (issue 17): scripts/run builds only what it runs - the app, the CLI, the trainer, the supervisor,
# never a test or benchmark - and scripts/build's progress reads one line per stage, not one per ninja step.
# Usage: test-run-script.sh SOURCE_DIR BUILD_DIR GENERATOR
set -euo pipefail
src=$1 build=$2 generator=$3
fail() { echo "FAIL: $*" >&2; exit 1; }

# 1. The targets scripts/run builds.
read -ra targets <<<"$("$src/scripts/run" --print-targets)"
[[ "${targets[*]}" == "mldesk mldesk-cli mldesk-train mldesk-supervisor" ]] || fail "targets: ${targets[*]}"

# 2. What building them takes, from this tree's own build graph: nothing under tests/ or bench/, far less than all.
if [[ "$generator" != Ninja* ]]; then
    echo "SKIP: the build graph is read with ninja -t commands; this tree uses $generator"
    exit 77
fi
needed=$(ninja -C "$build" -t commands "${targets[@]}")
all=$(ninja -C "$build" -t commands all)
if grep -E '(^| )[^ ]*(tests|bench)/[^ ]*\.(cpp|cu)( |$)' <<<"$needed" >/dev/null; then
    fail "scripts/run would compile tests or benchmarks: $(grep -E -o '[^ ]*(tests|bench)/[^ ]*\.(cpp|cu)' <<<"$needed" | head -3)"
fi
grep -E -q 'app/gui/main\.cpp' <<<"$needed" || fail "the app's main.cpp is not among the steps"
grep -E -q 'app/supervisor/main\.cpp' <<<"$needed" || fail "the supervisor is not among the steps"
n_needed=$(wc -l <<<"$needed") n_all=$(wc -l <<<"$all")
echo "scripts/run builds $n_needed of $n_all build steps"
(( n_needed * 10 < n_all * 6 )) || fail "$n_needed of $n_all steps is not much less than everything"

# 3. Progress: one line per stage from a recorded ninja output (with a warning in it), and "up to date".
progress=$(awk -f "$src/scripts/build-progress.awk" <<'LOG'
[1/7] Automatic MOC and UIC for target mldesk_core
[2/7] Building CXX object core/CMakeFiles/mldesk_core.dir/store/Database.cpp.o
core/store/Database.cpp:12:5: warning: unused variable 'x'
[3/7] Building CXX object gpu/CMakeFiles/mldesk_gpu.dir/src/CpuBackend.cpp.o
[4/7] Building CXX object core/CMakeFiles/mldesk_core.dir/mldesk_core_autogen/mocs_compilation.cpp.o
[5/7] Linking CXX static library core/libmldesk_core.a
[6/7] Building CXX object app/gui/CMakeFiles/mldesk.dir/main.cpp.o
[7/7] Linking CXX executable app/gui/mldesk
LOG
)
expected='build: [1/7] compiling mldesk_core
build: [3/7] compiling mldesk_gpu
build: [5/7] linking mldesk_core
build: [6/7] compiling mldesk
build: [7/7] linking mldesk'
[[ "$progress" == "$expected" ]] || fail "progress lines:
$progress
expected:
$expected"
[[ "$(awk -f "$src/scripts/build-progress.awk" <<<'ninja: no work to do.')" == "build: up to date" ]] ||
    fail "an up-to-date build says nothing"
echo PASS
