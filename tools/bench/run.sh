#!/usr/bin/env bash
# Benchmarks of the ofiuco helper, side by side with reference tools, in one run.
# Results go to tools/bench/results/NN-name.md (one section per benchmark) and are
# assembled into docs/benchmarks.md; numbers are never typed by hand.
#
# usage: tools/bench/run.sh [BENCHMARK...]     (default: all of: lock install)
#
# Environment:
#   OFIUCO_BENCH_CACHE     tools venv (uv, pip), wheels, uv cache, scratch  [~/.cache/ofiuco-bench]
#   OFIUCO_BENCH_LOCK      poetry.lock for benchmark A (skipped if missing)
#                          [/work/shared/corpus/dlt-hub__dlt/@b1cff8cc66/poetry.lock]
#   OFIUCO_BENCH_PYTHON311 a CPython 3.11 interpreter for uv/pip (B)    [python3.11 on PATH or pyenv]
#   OFIUCO_BENCH_LOCK_WARMUP / _LOCK_MIN_RUNS     hyperfine settings of A [3 / 20]
#   OFIUCO_BENCH_INSTALL_WARMUP / _INSTALL_RUNS   hyperfine settings of B [1 / 7]
#   CARGO_TARGET_DIR       respected when building the helper
#
# Adding a benchmark: write a function bench_<name> that writes
# $RESULTS/<NN>-<name>.md (start it with `<!-- section: NN-name -->`), add <name> to ALL.
set -euo pipefail

ALL=(lock install)

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
RESULTS=$HERE/results
DOC=$ROOT/docs/benchmarks.md
CACHE=${OFIUCO_BENCH_CACHE:-$HOME/.cache/ofiuco-bench}
LOCK=${OFIUCO_BENCH_LOCK:-/work/shared/corpus/dlt-hub__dlt/@b1cff8cc66/poetry.lock}
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
OFIUCO=$TARGET_DIR/release/ofiuco
VENV=$CACHE/venv
WHEELS=$CACHE/wheels
SCRATCH=$CACHE/scratch

log() { printf '\033[1m[bench]\033[0m %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
as_root() { if [[ $(id -u) == 0 ]]; then "$@"; else sudo "$@"; fi; }

selected=("$@")
[[ ${#selected[@]} -gt 0 ]] || selected=("${ALL[@]}")
for b in "${selected[@]}"; do
    [[ " ${ALL[*]} " == *" $b "* ]] || die "unknown benchmark '$b' (known: ${ALL[*]})"
done

# --- 1. the helper ---------------------------------------------------------------
log "building the helper: cargo build --release -p ofiuco"
(cd "$ROOT" && cargo build --release -p ofiuco)
[[ -x $OFIUCO ]] || die "no helper at $OFIUCO after the build"
rev=$(git -C "$ROOT" rev-parse --short HEAD)
if ! git -C "$ROOT" diff --quiet HEAD -- Cargo.toml Cargo.lock tools/helper tools/wheel tools/lock tools/hub 2>/dev/null; then
    rev="$rev+local changes"
fi

# --- 2. tools ----------------------------------------------------------------------
need_apt=()
command -v hyperfine >/dev/null || need_apt+=(hyperfine)
command -v zip >/dev/null || need_apt+=(zip)
if [[ ${#need_apt[@]} -gt 0 ]]; then
    log "installing with apt: ${need_apt[*]}"
    as_root apt-get install -y "${need_apt[@]}" >/dev/null
fi
find_python311() {
    local p
    for p in "${OFIUCO_BENCH_PYTHON311:-}" "$(command -v python3.11 || true)" "$(pyenv prefix 3.11 2>/dev/null || true)/bin/python3.11" \
        "$HOME"/.pyenv/versions/3.11*/bin/python3.11; do
        # The real executable, not a pyenv shim (a shell script that would add to every timing).
        [[ -n $p && -x $p ]] && { "$p" -c 'import sys; print(sys.executable)'; return; }
    done
    return 1
}

mkdir -p "$CACHE" "$RESULTS"
if [[ ! -x $VENV/bin/uv || ! -x $VENV/bin/pip ]]; then
    log "creating the tools venv in $VENV (uv, pip)"
    # On CPython 3.11 when there is one: pip installs for the interpreter it runs on.
    "$(find_python311 || command -v python3)" -m venv "$VENV"
    "$VENV/bin/python" -m pip install -q -U pip uv
fi
UV=$VENV/bin/uv
PIP=$VENV/bin/pip
# The interpreter of the Python reference rows (tomllib needs 3.11+).
PY_REF=$("$VENV/bin/python" -c 'import os, sys; print(os.path.realpath(sys.executable))')

"$HERE/report.py" env "$RESULTS/00-environment.md" --ofiuco-rev "$rev" \
    --tool "hyperfine=$(hyperfine --version)" \
    --tool "uv=$("$UV" --version)" \
    --tool "pip=$("$PIP" --version | cut -d' ' -f1-2)" \
    --tool "rustc=$(rustc --version)" \
    --tool "Python of the reference rows=$("$PY_REF" --version 2>&1) (\`$PY_REF\`)"

# --- A. ofiuco lock ------------------------------------------------------------------
bench_lock() {
    local out=$RESULTS/10-lock.md
    if [[ ! -f $LOCK ]]; then
        log "benchmark A skipped: no lock file at $LOCK (set OFIUCO_BENCH_LOCK)"
        return 0
    fi
    local warmup=${OFIUCO_BENCH_LOCK_WARMUP:-3} min_runs=${OFIUCO_BENCH_LOCK_MIN_RUNS:-20}
    local tmp py
    tmp=$(mktemp -d)
    py=$PY_REF
    local packages
    packages=$(grep -c '^\[\[package\]\]' "$LOCK")
    local n_ofiuco="ofiuco lock" n_py="python3: tomllib.load(lock)" n_start="python3: start-up only"
    local before after
    before=$(loadavg)
    log "benchmark A: ofiuco lock on $LOCK ($packages packages)"
    hyperfine --shell=none --warmup "$warmup" --min-runs "$min_runs" --style basic \
        --export-json "$tmp/a.json" --export-markdown "$tmp/a.md" \
        -n "$n_ofiuco" "$OFIUCO lock $LOCK --output $tmp/hub --python-version 3.12" \
        -n "$n_py" "$py -c 'import tomllib; tomllib.load(open(\"$LOCK\", \"rb\"))'" \
        -n "$n_start" "$py -c pass"
    after=$(loadavg)
    "$HERE/report.py" lock "$out" --json "$tmp/a.json" --markdown "$tmp/a.md" --ofiuco-rev "$rev" \
        --load-before "$before" --load-after "$after" --warmup "$warmup" --min-runs "$min_runs" \
        --lock "$LOCK" --packages "$packages" --target-ms 50 \
        --ofiuco-name "$n_ofiuco" --python-parse-name "$n_py"
    cp "$tmp/a.json" "$RESULTS/10-lock.json"  # raw timings, kept beside the section
    rm -rf "$tmp"
}

# --- B. installing ~27 wheels ------------------------------------------------------------
bench_install() {
    local out=$RESULTS/20-install.md
    local warmup=${OFIUCO_BENCH_INSTALL_WARMUP:-1} runs=${OFIUCO_BENCH_INSTALL_RUNS:-7}
    local py311
    py311=$(find_python311) || die "benchmark B needs CPython 3.11 (set OFIUCO_BENCH_PYTHON311)"
    mkdir -p "$WHEELS"
    log "downloading the wheel set into $WHEELS (once)"
    # PIP_FIND_LINKS and friends from the environment would add other sources.
    env -u PIP_FIND_LINKS -u PIP_INDEX_URL -u PIP_EXTRA_INDEX_URL "$PIP" download -q \
        --only-binary=:all: --no-deps --require-hashes \
        --python-version 3.11 --implementation cp \
        --platform manylinux2014_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux_2_28_x86_64 \
        -d "$WHEELS" -r "$HERE/wheels.txt"
    local wheels=() w
    # Exactly the pinned set, even if the cache holds other files.
    while read -r w; do wheels+=("$w"); done < <(
        cd "$WHEELS" && sha256sum ./*.whl | python3 -c '
import re, sys
pinned = set(re.findall(r"sha256:([0-9a-f]{64})", open(sys.argv[1]).read()))
for line in sys.stdin:
    digest, name = line.split(None, 1)
    if digest in pinned:
        print(sys.argv[2] + "/" + name.strip().removeprefix("./"))
' "$HERE/wheels.txt" "$WHEELS")
    local expected
    expected=$(grep -c -- '--hash=sha256:' "$HERE/wheels.txt")
    [[ ${#wheels[@]} == "$expected" ]] || die "expected $expected pinned wheels in $WHEELS, found ${#wheels[@]}"
    local set_dir=$SCRATCH/wheelset
    rm -rf "$set_dir" && mkdir -p "$set_dir" && cp "${wheels[@]}" "$set_dir/"

    local o=$SCRATCH/out uvcache=$CACHE/uv-cache uvcold=$SCRATCH/uv-cold-cache
    local whl="$set_dir/*.whl"
    local uv_args="pip install -q --no-deps --link-mode=copy --python $py311 --offline --no-index"
    log "warming uv's cache"
    rm -rf "$o/uv-warm"
    $UV $uv_args --cache-dir "$uvcache" --target "$o/uv-warm" $whl
    local n_seq="ofiuco install, one action per wheel" n_par="ofiuco install, 2 parallel actions (xargs -P2)"
    local n_uvw="uv (warm cache)" n_uvc="uv (cold cache)" n_pip="pip (compiles .pyc)" n_pipnc="pip --no-compile"
    # The venv (and so pip) runs on CPython 3.11 when one was found; see below.
    local pip_args="install -q --no-deps --no-index --target"
    local before after tmp
    tmp=$(mktemp -d)
    before=$(loadavg)
    log "benchmark B: ${#wheels[@]} wheels"
    hyperfine --warmup "$warmup" --runs "$runs" --style basic \
        --export-json "$tmp/b.json" --export-markdown "$tmp/b.md" \
        --prepare "rm -rf $o/ofiuco-seq" -n "$n_seq" "$HERE/install_each.sh $OFIUCO $o/ofiuco-seq 1 $whl" \
        --prepare "rm -rf $o/ofiuco-par" -n "$n_par" "$HERE/install_each.sh $OFIUCO $o/ofiuco-par 2 $whl" \
        --prepare "rm -rf $o/uv-warm" -n "$n_uvw" "$UV $uv_args --cache-dir $uvcache --target $o/uv-warm $whl" \
        --prepare "rm -rf $o/uv-cold $uvcold" -n "$n_uvc" "$UV $uv_args --cache-dir $uvcold --target $o/uv-cold $whl" \
        --prepare "rm -rf $o/pip" -n "$n_pip" "$PIP $pip_args $o/pip $whl" \
        --prepare "rm -rf $o/pip-nc" -n "$n_pipnc" "$PIP $pip_args $o/pip-nc --no-compile $whl"
    after=$(loadavg)
    "$HERE/report.py" install "$out" --json "$tmp/b.json" --markdown "$tmp/b.md" --ofiuco-rev "$rev" \
        --load-before "$before" --load-after "$after" --warmup "$warmup" --runs "$runs" \
        --wheels-dir "$set_dir" \
        --result "$n_seq=$o/ofiuco-seq" --result "$n_par=$o/ofiuco-par" \
        --result "$n_uvw=$o/uv-warm" --result "$n_uvc=$o/uv-cold" \
        --result "$n_pip=$o/pip" --result "$n_pipnc=$o/pip-nc" \
        --ofiuco-seq "$n_seq" --ofiuco-par "$n_par" --uv-warm "$n_uvw" --uv-cold "$n_uvc"
    cp "$tmp/b.json" "$RESULTS/20-install.json"  # raw timings, kept beside the section
    rm -rf "$tmp"
}

for b in "${selected[@]}"; do
    "bench_$b"
done

"$HERE/report.py" assemble "$RESULTS" "$DOC"
log "wrote $DOC"
