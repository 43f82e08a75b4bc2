#!/usr/bin/env bash
# Benchmarks of the ofiuco helper, side by side with reference tools, in one run.
# Results go to tools/bench/results/NN-name.md (one section per benchmark) and are
# assembled into docs/benchmarks.md; numbers are never typed by hand.
#
# usage: tools/bench/run.sh [BENCHMARK...]     (default: all of: lock hub hostile scale install lambda pyc helper image)
#
# Environment:
#   OFIUCO_BENCH_CACHE     tools venv (uv, pip), wheels, uv cache, scratch  [~/.cache/ofiuco-bench]
#   OFIUCO_BENCH_LOCK      poetry.lock for benchmark A (skipped if missing)
#                          [tests/corpus/dlt-hub__dlt/@b1cff8cc66/poetry.lock]
#   OFIUCO_BENCH_PYTHON311 a CPython 3.11 interpreter for uv/pip (B)    [python3.11 on PATH or pyenv]
#   OFIUCO_BENCH_LOCK_WARMUP / _LOCK_MIN_RUNS     hyperfine settings of A [3 / 20]
#   OFIUCO_BENCH_INSTALL_WARMUP / _INSTALL_RUNS   hyperfine settings of B [1 / 7]
#   OFIUCO_BENCH_LAMBDA_RUNS / _LAMBDA_INC_RUNS   hyperfine runs of C (clean / incremental) [5 / 7]
#   OFIUCO_BENCH_LAMBDA_WS  run C in this workspace in place [default: a git archive of HEAD's examples/aws_lambda]
#   OFIUCO_BENCH_BASE      the revision benchmark A2 times against [bee9e1d]
#   OFIUCO_BENCH_SIZE_BASE the revision of A2's hub sizes (per-hub environment tables, 2 helper calls per tag) [cb11e1e]
#   OFIUCO_BENCH_HOSTILE_BASE  the revision benchmark A3 compares with (quadratic hub loops there) [2d665e7]
#   OFIUCO_BENCH_HOSTILE_N     size of A3's generated lock (3 N + 1 packages) [2500]
#   OFIUCO_BENCH_SCALE_COPIES  A4's lock sizes, in copies of the benchmark lock [1 2 3 5]
#   OFIUCO_BENCH_SCALE_BAZEL   0: A4 without its Bazel rows [1]
#   OFIUCO_BENCH_HELPER_CARGO_RUNS / _HELPER_MIRROR_RUNS  hyperfine runs of D (cargo / mirror) [2 / 3]
#   OFIUCO_BENCH_IMAGE_RUNS / _IMAGE_INC_RUNS     hyperfine runs of E (clean / incremental) [3 / 5]
#   OFIUCO_BENCH_IMAGE_WS   run E in this workspace in place [default: a git archive of HEAD's examples/aws_batch]
#   OFIUCO_BENCH_LAMBDA25_RUNS hyperfine runs of C3 (per row) [5]
#   OFIUCO_BENCH_PYC_RUNS      hyperfine runs of C4 (imports under emulation, per zip) [5]
#   OFIUCO_BENCH_RUST_RUNS / _RUST_PIP_RUNS  hyperfine runs of G (the Rust wheel / pip under emulation) [2 / 1]
#   OFIUCO_BENCH_SOURCE_RUNS / _SOURCE_PIP_RUNS  hyperfine runs of F (ofiuco warm and cold / pip under emulation) [3 / 2]
#   CARGO_TARGET_DIR       respected when building the helper
#
# Adding a benchmark: write a function bench_<name> that writes
# $RESULTS/<NN>-<name>.md (start it with `<!-- section: NN-name -->`), add <name> to ALL.
set -euo pipefail

ALL=(lock hub hostile scale install lambda lambda25 pyc helper image)
# Only when named: F and G build in an emulated arm64 root (tools/bench/arm64_build_root.sh:
# a binfmt_misc handler, root), G also from a fresh repository cache (tens of minutes, hundreds of MB).
NAMED_ONLY=(source rust)

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
RESULTS=$HERE/results
DOC=$ROOT/docs/benchmarks.md
CACHE=${OFIUCO_BENCH_CACHE:-$HOME/.cache/ofiuco-bench}
LOCK=${OFIUCO_BENCH_LOCK:-$ROOT/tests/corpus/dlt-hub__dlt/@b1cff8cc66/poetry.lock}
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
OFIUCO=$TARGET_DIR/release/ofiuco
VENV=$CACHE/venv
WHEELS=$CACHE/wheels
SCRATCH=$CACHE/scratch

log() { printf '\033[1m[bench]\033[0m %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
as_root() { if [[ $(id -u) == 0 ]]; then "$@"; else sudo "$@"; fi; }
# copy_example NAME DEST: the tracked files of examples/NAME into DEST, its
# local_path_override pointing at this checkout.
copy_example() {
    git -C "$ROOT" ls-files -z "examples/$1" | while IFS= read -r -d '' f; do
        install -D -m 0644 "$ROOT/$f" "$2/${f#examples/"$1"/}"
    done
    sed -i "s|path = \"../..\"|path = \"$ROOT\"|" "$2/MODULE.bazel"
}
# emulated_pip DIR BASE SDIST...: today's workaround for benchmarks F and G.
# Copies the SDISTs (the files Bazel downloaded into BASE/external, checked
# against the lock) into DIR and writes DIR/pip.sh, which builds them with
# `pip wheel` in the emulated arm64 root (tools/bench/arm64_build_root.sh).
emulated_pip() {
    local dir=$1 base=$2 sdist
    shift 2
    mkdir -p "$dir"
    for sdist in "$@"; do
        find -L "$base/external" -maxdepth 2 -name "$sdist" -exec cp {} "$dir/" \;
        [[ -f $dir/$sdist ]] || die "$sdist is not in $base/external"
    done
    cat >"$dir/pip.sh" <<SH
#!/bin/sh
set -e
cd "$dir" && rm -rf out
# pip keeps the wheels it builds from sdists named by version, and would reuse them.
exec "$HERE/arm64_build_root.sh" run sh -c 'rm -rf /tmp/.cache/pip/wheels && exec pip wheel --quiet --no-deps --use-pep517 -w out $*'
SH
    chmod +x "$dir/pip.sh"
}

selected=("$@")
[[ ${#selected[@]} -gt 0 ]] || selected=("${ALL[@]}")
for b in "${selected[@]}"; do
    [[ " ${ALL[*]} ${NAMED_ONLY[*]} " == *" $b "* ]] || die "unknown benchmark '$b' (known: ${ALL[*]} ${NAMED_ONLY[*]})"
done

# --- 1. the helper ---------------------------------------------------------------
log "building the helper: cargo build --release -p ofiuco"
(cd "$ROOT" && cargo build --release -p ofiuco)
[[ -x $OFIUCO ]] || die "no helper at $OFIUCO after the build"
rev=$(git -C "$ROOT" rev-parse --short HEAD)
if ! git -C "$ROOT" diff --quiet HEAD -- Cargo.toml Cargo.lock tools/helper tools/spec tools/install tools/lock tools/hub 2>/dev/null; then
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
        -n "$n_ofiuco" "$OFIUCO lock $LOCK --output $tmp/hub" \
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

# --- A2. the module extension's helper time per tag against a base revision, and hub sizes ---
# Time: one `ofiuco lock` per tag now and at OFIUCO_BENCH_BASE (the extension
# makes one call per tag at both), with CPU time and instructions (callgrind).
# Size: at OFIUCO_BENCH_SIZE_BASE every hub carried its own environment table
# (defs.bzl, _env/BUILD.bazel), and the extension ran `ofiuco lock` twice per tag.
bench_hub() {
    local out=$RESULTS/15-hub.md base=${OFIUCO_BENCH_BASE:-bee9e1d} size_base=${OFIUCO_BENCH_SIZE_BASE:-cb11e1e}
    local tmp old size_old
    tmp=$(mktemp -d)
    old=$(base_helper "$base")
    size_old=$(base_helper "$size_base")
    local before after
    before=$(loadavg)
    log "benchmark A2: helper time per poetry.parse tag, $base vs $rev"
    hyperfine --shell=none --warmup 3 --min-runs 20 --style basic \
        --export-markdown "$tmp/t.md" --export-json "$tmp/t.json" \
        -n "$base: ofiuco lock" "$old lock $LOCK --output $tmp/old" \
        -n "$rev: ofiuco lock" "$OFIUCO lock $LOCK --output $tmp/new"
    after=$(loadavg)
    local same="differ (below: the diff, and why)"
    diff -r "$tmp/old" "$tmp/new" >"$tmp/hub.diff" && same="are byte-identical"
    # CPU time (user + sys) per run: what a loaded machine does not inflate as much as wall time.
    local cpu
    # shellcheck disable=SC2016 # the backquotes are Markdown, in Python code.
    cpu=$(python3 -c '
import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    print("`%s`: %.1f ms" % (r["command"], 1000 * (r["user"] + r["system"])))
' "$tmp/t.json" | paste -sd ';' | sed 's/;/; /g')
    # The goal, judged on the current helper's mean wall time and its mean CPU time.
    local verdict
    verdict=$(python3 -c '
import json, sys
now = json.load(open(sys.argv[1]))["results"][-1]
wall, cpu = 1000 * now["mean"], 1000 * (now["user"] + now["system"])
met = wall <= 60 and cpu <= 60
print("Goal (one helper call, at most 60 ms): **%s**, %.1f ms mean wall time and %.1f ms CPU time per tag." % ("met" if met else "not met", wall, cpu))
' "$tmp/t.json")
    local ir_old="" ir_new=""
    if command -v valgrind >/dev/null; then
        log "benchmark A2: instructions (callgrind) of ofiuco lock on $LOCK, $base vs $rev"
        ir_old=$(ir "$old" lock "$LOCK" --output "$tmp/ir-old")
        ir_new=$(ir "$OFIUCO" lock "$LOCK" --output "$tmp/ir-new")
    fi
    lines() { cat "$@" | wc -l; }
    local small=$ROOT/tests/hub/poetry.lock
    "$size_old" lock "$small" --output "$tmp/small-old" --host-python 3.12
    "$size_old" lock "$LOCK" --output "$tmp/size-old" --host-python 3.12
    "$OFIUCO" lock "$small" --output "$tmp/small-new"
    {
        echo "<!-- section: 15-hub -->"
        echo "## A2. The module extension per \`poetry.parse\` tag, and hub size"
        echo
        echo "The extension's helper time for one tag on \`${LOCK#"$ROOT"/}\` ($(grep -c '^\[\[package\]\]' "$LOCK") packages): one \`ofiuco lock\` (the extension hands its BUILD file to the hub repository), now and at \`$base\`. The two hubs $same. Issue 6's goal: one helper call, at most 60 ms."
        echo
        echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') at ofiuco \`$rev\` against \`$base\`; load average before: $before, after: $after on $(nproc) CPUs. hyperfine: \`--shell=none --warmup 3 --min-runs 20\`."
        echo
        cat "$tmp/t.md"
        echo
        echo "CPU time (user + sys) per run, mean: $cpu."
        echo
        echo "$verdict"
        echo
        if [[ -s $tmp/hub.diff ]]; then
            echo "The hubs are expected to differ: since \`6f34671\` a project extra depends on the version of a package its own edge resolves to (here \`qdrant-client[fastembed]\` on \`fastembed__0.3.6\`, one of the two locked versions), where \`$base\` pointed at the package's top-level target (which is \`_not_needed\` in those environments: the extra got nothing). \`diff -r\` of the two hubs:"
            echo
            echo '```diff'
            head -20 "$tmp/hub.diff"
            echo '```'
            echo
        fi
        if [[ -n $ir_old ]]; then
            echo "Instructions of one run (valgrind \`--tool=callgrind\`, all threads; stable under load): $ir_old at \`$base\`, $ir_new now."
            echo
        fi
        echo "Hub size: every generated file of the hub (\`files.json\` excluded), in lines. At \`$size_base\` each hub also carried the environment table (\`defs.bzl\`, \`_env/BUILD.bazel\`), which now exists once in \`@ofiuco\`, and the extension ran \`ofiuco lock\` twice per tag."
        echo
        echo "| hub | lines at \`$size_base\` | lines now |"
        echo "|---|---:|---:|"
        echo "| \`tests/hub/poetry.lock\` | $(lines "$tmp/small-old/BUILD.bazel" "$tmp/small-old/defs.bzl" "$tmp/small-old/_env/BUILD.bazel") | $(lines "$tmp/small-new/BUILD.bazel") |"
        echo "| \`${LOCK#"$ROOT"/}\` | $(lines "$tmp/size-old/BUILD.bazel" "$tmp/size-old/defs.bzl" "$tmp/size-old/_env/BUILD.bazel") | $(lines "$tmp/new/BUILD.bazel") |"
        echo
        echo "Reproduce: \`tools/bench/run.sh hub\`."
    } >"$out"
    rm -rf "$tmp"
}

# Instructions of one command (callgrind, all threads).
ir() { valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 | sed -n 's/.*Collected : //p'; }

# --- A3. a generated hostile lock, and instructions per run on the benchmark lock, against a base revision ---
# Before: resolve_edges checked every constraint against every version of a name,
# extras scanned every dependency, and package markers were evaluated once per project extra.
base_helper() { # REV -> path of the helper built at REV (built once into the cache)
    local base=$1 base_dir=$CACHE/base-$1
    if [[ ! -x $base_dir/target/release/ofiuco ]]; then
        log "building the helper of $base into $base_dir (once)"
        rm -rf "$base_dir" && mkdir -p "$base_dir/src"
        git -C "$ROOT" archive "$base" | tar -x -C "$base_dir/src"
        (cd "$base_dir/src" && CARGO_TARGET_DIR=$base_dir/target cargo build -q --release --locked --bin ofiuco)
    fi
    echo "$base_dir/target/release/ofiuco"
}
bench_hostile() {
    local out=$RESULTS/16-hostile.md base=${OFIUCO_BENCH_HOSTILE_BASE:-2d665e7} n=${OFIUCO_BENCH_HOSTILE_N:-2500}
    local tmp old
    tmp=$(mktemp -d)
    old=$(base_helper "$base")
    "$HERE/hostile_lock.py" "$tmp/g" "$n"
    local before after
    before=$(loadavg)
    log "benchmark A3: ofiuco lock on a generated lock of $((3 * n + 1)) packages, $base vs $rev"
    hyperfine --shell=none --runs 1 --style basic --export-markdown "$tmp/old.md" \
        -n "$base: ofiuco lock" "$old lock $tmp/g/poetry.lock --output $tmp/old"
    hyperfine --shell=none --warmup 1 --runs 5 --style basic --export-markdown "$tmp/new.md" \
        -n "$rev: ofiuco lock" "$OFIUCO lock $tmp/g/poetry.lock --output $tmp/new"
    after=$(loadavg)
    local same="differ (below: the diff, and why)"
    diff -r "$tmp/old" "$tmp/new" >"$tmp/hub.diff" && same="are byte-identical"
    local ir_old="" ir_new=""
    if command -v valgrind >/dev/null; then
        log "benchmark A3: instructions (callgrind) of ofiuco lock on $LOCK, $base vs $rev"
        ir_old=$(ir "$old" lock "$LOCK" --output "$tmp/ir-old")
        ir_new=$(ir "$OFIUCO" lock "$LOCK" --output "$tmp/ir-new")
    fi
    {
        echo "<!-- section: 16-hostile -->"
        echo "## A3. Linear work on a hostile lock; instructions per run"
        echo
        echo "A lock generated by \`tools/bench/hostile_lock.py\` ($((3 * n + 1)) packages): \`a\` locked at $n versions and $n packages each pinning one of them with its own constraint; \`x\` with $n extras over $n dependencies; $n project extras and $n packages whose markers test one extra each (the shape of the test \`large_lock_with_many_versions_extras_and_markers_is_linear\` in \`tools/hub/tests/hostile.rs\`). At \`$base\` each of the three was quadratic. The two hubs $same."
        echo
        echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') at ofiuco \`$rev\` against \`$base\`; load average before: $before, after: $after on $(nproc) CPUs. hyperfine: \`--shell=none\`, 1 run of the base (it takes long), 5 runs (1 warm-up) now."
        echo
        cat "$tmp/old.md"
        echo
        cat "$tmp/new.md"
        echo
        if [[ -n $ir_old ]]; then
            echo "Instructions of one \`ofiuco lock\` on \`${LOCK#"$ROOT"/}\` (valgrind \`--tool=callgrind\`, all threads; stable under load): $ir_old at \`$base\`, $ir_new now."
            echo
        fi
        echo "Reproduce: \`tools/bench/run.sh hostile\`."
    } >"$out"
    rm -rf "$tmp"
}

# --- A4. scale: the helper and `bazel query @hub//:all` on 1 to 5 copies of the benchmark lock ---
bench_scale() {
    [[ -f $LOCK ]] || { log "benchmark A4 skipped: no lock file at $LOCK (set OFIUCO_BENCH_LOCK)"; return 0; }
    log "benchmark A4: ofiuco lock and bazel query @hub//:all on copies of $LOCK"
    "$HERE/scale.sh" "$OFIUCO" "$LOCK" "$RESULTS/17-scale.md" "$rev"
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
    # A pattern, not a list: the shell of each hyperfine command expands it.
    local whl="$set_dir/*.whl"
    local uv_args=(pip install -q --no-deps --link-mode=copy --python "$py311" --offline --no-index)
    log "warming uv's cache"
    rm -rf "$o/uv-warm"
    "$UV" "${uv_args[@]}" --cache-dir "$uvcache" --target "$o/uv-warm" "$set_dir"/*.whl
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
        --prepare "rm -rf $o/uv-warm" -n "$n_uvw" "$UV ${uv_args[*]} --cache-dir $uvcache --target $o/uv-warm $whl" \
        --prepare "rm -rf $o/uv-cold $uvcold" -n "$n_uvc" "$UV ${uv_args[*]} --cache-dir $uvcold --target $o/uv-cold $whl" \
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

# --- C. the AWS Lambda zip (linux arm64) of examples/aws_lambda ----------------------------
bench_lambda() {
    local out=$RESULTS/30-lambda.md label=//:deploy_python3_11
    local runs=${OFIUCO_BENCH_LAMBDA_RUNS:-5} inc_runs=${OFIUCO_BENCH_LAMBDA_INC_RUNS:-7}
    local ws bazel handler lambda_rev
    if [[ -n ${OFIUCO_BENCH_LAMBDA_WS:-} ]]; then
        # In place: the helper repository watches this checkout's tools/, so any edit there
        # during the run rebuilds the helper inside a timed run (the profiles show it).
        ws=$OFIUCO_BENCH_LAMBDA_WS bazel=$ROOT/tools/dev/bazel.sh lambda_rev=$rev
        export CARGO_TARGET_DIR=$TARGET_DIR
    else
        # A snapshot of HEAD (`git archive`, no worktree): edits of the checkout during the run
        # cannot rebuild the helper in the middle of a timed build, and the numbers belong to
        # one commit. Its own cargo target directory, so `cargo build` above and the helper
        # repository do not invalidate each other.
        local src=$SCRATCH/lambda-src head
        head=$(git -C "$ROOT" rev-parse HEAD)
        if [[ $(cat "$src/.ofiuco-rev" 2>/dev/null) != "$head" ]]; then
            log "benchmark C: snapshot of HEAD in $src"
            rm -rf "$src" && mkdir -p "$src"
            git -C "$ROOT" archive HEAD | tar -x -C "$src"
            echo "$head" >"$src/.ofiuco-rev"
        fi
        ws=$src/examples/aws_lambda bazel=$src/tools/dev/bazel.sh
        lambda_rev="$(git -C "$ROOT" rev-parse --short HEAD) (a git archive of HEAD)"
        export CARGO_TARGET_DIR=$CACHE/lambda-target
        mkdir -p "$CARGO_TARGET_DIR"
    fi
    handler=$ws/lambda_function.py
    if git -C "$ws" rev-parse --git-dir >/dev/null 2>&1; then
        git -C "$ws" diff --quiet -- "$handler" || die "benchmark C edits $handler and restores it: commit or stash its changes first"
    fi
    local tmp o=$SCRATCH/lambda uvcache=$CACHE/uv-cache-lambda
    tmp=$(mktemp -d)
    mkdir -p "$o"
    cp "$handler" "$tmp/handler.orig"
    # Whatever happens, the example's handler is restored byte for byte.
    # Expanded now on purpose: $tmp and $handler are locals, gone when the trap runs.
    # shellcheck disable=SC2064
    trap "cp '$tmp/handler.orig' '$handler'" EXIT
    "$PY_REF" "$HERE/lambda_requirements.py" "$ws/pyproject.toml" "$ws/poetry.lock" --exclude boto3 >"$tmp/requirements.txt"

    log "benchmark C: warming uv's cache ($uvcache) and Bazel (server, repositories, helper)"
    LAMBDA_UV_TAGS=$tmp/uv-tags.txt "$HERE/lambda_uv_zip.sh" "$UV" "$uvcache" "$tmp/requirements.txt" "$handler" "$o/uv" "$o/uv.zip"
    (cd "$ws" && "$bazel" build "$label")
    local bazel_version
    bazel_version=$(cd "$ws" && "$bazel" --version)

    local uvz="$HERE/lambda_uv_zip.sh $UV $uvcache $tmp/requirements.txt $handler $o/uv $o/uv.zip"
    local bz="$HERE/lambda_bazel.sh $bazel $ws"
    local n_bz="ofiuco: bazel clean; bazel build (server running)"
    local n_bzcold="ofiuco: bazel clean; bazel shutdown; bazel build"
    local n_uv="uv pip install + prune + zip -qr (warm cache)"
    local n_uvoff="uv pip install --offline + prune + zip -qr (warm cache)"
    local n_uvinst="uv pip install --offline only (reference: no prune, no zip)"
    local uvinst="$UV pip install -q --no-deps --require-hashes --only-binary :all: --python-platform aarch64-manylinux_2_28 --python-version 3.11 --index-url https://pypi.org/simple --link-mode=copy --cache-dir $uvcache --offline"
    local before after
    before=$(loadavg)
    log "benchmark C1: the zip from clean outputs, $runs runs"
    hyperfine --warmup 1 --runs "$runs" --style basic \
        --export-json "$tmp/c1.json" --export-markdown "$tmp/c1.md" \
        --prepare "cd $ws && $bazel clean" -n "$n_bz" "$bz $tmp/prof-clean $label" \
        --prepare "cd $ws && $bazel clean && $bazel shutdown" -n "$n_bzcold" "$bz $tmp/prof-cold $label" \
        --prepare "rm -rf $o/uv $o/uv.zip" -n "$n_uv" "$uvz" \
        --prepare "rm -rf $o/uv $o/uv.zip" -n "$n_uvoff" "$uvz --offline" \
        --prepare "rm -rf $o/uv-only" -n "$n_uvinst" "$uvinst --target $o/uv-only -r $tmp/requirements.txt" ||
        die "hyperfine failed; Bazel's output of each run is in $tmp/prof-*/run-*.log"
    after=$(loadavg)
    cp "$ws/bazel-bin/deploy_python3_11.zip" "$o/ofiuco.zip"
    cp "$ws/bazel-bin/deploy_python3_11.report.txt" "$o/ofiuco.report.txt"

    log "benchmark C2: one edited .py file, $inc_runs runs"
    local n_inc="ofiuco: bazel build after editing lambda_function.py"
    local n_naive="zip -qr of the pruned uv tree into a new archive"
    local n_upd="zip -q of the one changed file into the previous archive"
    cp "$o/uv.zip" "$o/update.zip"
    local before2 after2
    before2=$(loadavg)
    hyperfine --warmup 1 --runs "$inc_runs" --style basic \
        --export-json "$tmp/c2.json" --export-markdown "$tmp/c2.md" \
        --prepare "$HERE/lambda_edit.sh $tmp/handler.orig $handler" -n "$n_inc" "$bz $tmp/prof-inc $label" \
        --prepare "$HERE/lambda_edit.sh $tmp/handler.orig $o/uv/lambda_function.py && rm -f $o/naive.zip" \
        -n "$n_naive" "cd $o/uv && zip -qr $o/naive.zip ." \
        --prepare "$HERE/lambda_edit.sh $tmp/handler.orig $o/uv/lambda_function.py" \
        -n "$n_upd" "cd $o/uv && zip -q $o/update.zip lambda_function.py" ||
        die "hyperfine failed; Bazel's output of each run is in $tmp/prof-inc/run-*.log"
    after2=$(loadavg)
    cp "$tmp/handler.orig" "$handler"
    trap - EXIT
    cmp -s "$tmp/handler.orig" "$handler" || die "$handler was not restored"

    "$HERE/report.py" lambda "$out" --ofiuco-rev "$lambda_rev" --label "$label" --bazel-version "$bazel_version" --workspace "examples/aws_lambda" \
        --json "$tmp/c1.json" --markdown "$tmp/c1.md" --warmup 1 --runs "$runs" \
        --load-before "$before" --load-after "$after" \
        --inc-json "$tmp/c2.json" --inc-markdown "$tmp/c2.md" --inc-runs "$inc_runs" \
        --inc-load-before "$before2" --inc-load-after "$after2" \
        --profiles "$n_bz=$tmp/prof-clean" --profiles "$n_bzcold=$tmp/prof-cold" --profiles "$n_inc=$tmp/prof-inc" \
        --ofiuco-zip "$o/ofiuco.zip" --ofiuco-report "$o/ofiuco.report.txt" \
        --uv-zip "$o/uv.zip" --uv-dir "$o/uv" --uv-tags "$tmp/uv-tags.txt" --requirements "$tmp/requirements.txt" \
        --clean-bazel "$n_bz" --clean-bazel-cold "$n_bzcold" --clean-uv "$n_uv" --clean-uv-offline "$n_uvoff" --clean-uv-install "$n_uvinst" \
        --inc-bazel "$n_inc" --inc-naive "$n_naive" --inc-update "$n_upd" --target-zip-ms 500
    cp "$tmp/c1.json" "$RESULTS/30-lambda-clean.json"  # raw timings, kept beside the section
    cp "$tmp/c2.json" "$RESULTS/30-lambda-incremental.json"
    rm -rf "$tmp"
}

# --- C3. the 25-package Lambda zip against uv + zip -qr ----------------------------------
bench_lambda25() {
    local out=$RESULTS/35-lambda25.md runs=${OFIUCO_BENCH_LAMBDA25_RUNS:-5} d
    d=$(mktemp -d)
    export CARGO_TARGET_DIR=$TARGET_DIR UV
    log "benchmark C3: the 25-package Lambda zip (tools/bench/lambda25.sh $runs)"
    "$HERE/lambda25.sh" "$runs" "$d" >&2 || die "benchmark C3: tools/bench/lambda25.sh failed"
    python3 - "$d" "$rev" "$runs" >"$out" <<'PY'
import datetime, json, os, sys
d, rev, runs = sys.argv[1:4]
res = {r["command"]: r for r in json.load(open(os.path.join(d, "c3.json")))["results"]}
bz = res["ofiuco: bazel clean; bazel build //:deploy"]
uv = res["uv pip install --offline + prune + zip -qr"]
cold = res["ofiuco: bazel clean; bazel shutdown; bazel build //:deploy"]
before, after = open(os.path.join(d, "load.txt")).read().split("\n")[:2]
zipped, uvzip = (int(x) for x in open(os.path.join(d, "sizes.txt")).read().split())
files = open(os.path.join(d, "files.txt")).read().strip().split("\n")
sha = open(os.path.join(d, "sha256.txt")).read().split()[0]
aquery = open(os.path.join(d, "aquery.txt")).read().strip()
ratio, ratio_min = bz["mean"] / uv["mean"], bz["min"] / uv["min"]
size = 100 * (zipped / uvzip - 1)
now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
print("<!-- section: 35-lambda25 -->")
print("## C3. A 25-package Lambda zip: fragments straight from the wheels (issue 11, point 4)")
print()
print("`//:deploy` of `tools/bench/lambda25`: `py_zip` of 25 locked packages (numpy 2.2.6, shapely, pydantic and pydantic-core, cryptography and cffi, pillow 11.3, pyyaml, jinja2, requests and its four, attrs, click, python-dateutil, six, pytz, tzdata, …) for `@ofiuco//lib/platforms:aws_lambda_python3_11_arm64` (`*.dist-info`, `__pycache__`, the numpy and shapely tests excluded). Each package's fragment is made by `ofiuco fragment --wheel`: the wheel's compressed entries are verified (inflated once: size, CRC-32, RECORD hash, ELF checks) and copied; only RECORD, INSTALLER and entries the wheel stores uncompressed are deflated. A build of the zip runs 25 OfiucoFragment actions and one OfiucoZip and no OfiucoInstall (`aquery` below lists the install actions of the package targets too, which a zip does not need).")
print()
print("Rows, side by side in one hyperfine run: `bazel clean` (outputs and action cache gone; repositories, helper and server kept) then `bazel build //:deploy`; `tools/bench/lambda_uv_zip.sh --offline` (`uv pip install --target` from a warm cache, the same excludes, `zip -qr`); and the Bazel row again with `bazel shutdown` before each run (a fresh server and JVM, as on a CI machine's first build of the day). Every row has 2 warm-up runs: uv's cache and Bazel's server are warm in the first two rows.")
print()
print(f"Measured {now} at ofiuco `{rev}`, {runs} runs each; load average before: {before}, after: {after} on {os.cpu_count()} CPUs.")
print()
print(open(os.path.join(d, "c3.md")).read().strip())
print()
verdict = "met" if ratio <= 0.5 else "**not met**"
print(f"With the server running, the rebuild takes **{ratio:.2f}×** the time of uv + `zip -qr` (means; {ratio_min:.2f}× by minimum): issue 11's goal of ≤ 0.5× is {verdict}. With a fresh server every time it takes {cold['mean'] / uv['mean']:.2f}× (the JVM's start and warm-up are most of the difference).")
print()
print("| | ofiuco (`py_zip`) | uv + `zip -qr` |")
print("|---|---:|---:|")
print(f"| zip size | {zipped:,} B | {uvzip:,} B |")
print()
for line in files:
    print(f"- {line}")
print()
print(f"The zip is {size:+.2f} % against `zip -qr` (goal ≤ 3 %: {'met' if size <= 3 else '**not met**'}; the wheels' own deflate streams are kept, and uv's tree also holds `bin/` scripts). sha256 of the zip: `{sha}`.")
if aquery:
    print()
    print("```")
    print(aquery)
    print("```")
print()
print("Reproduce: `tools/bench/run.sh lambda25` (`OFIUCO_BENCH_LAMBDA25_RUNS`, default 5), or `tools/bench/lambda25.sh [RUNS]` for the raw output (the first call warms uv's cache and Bazel; set `CARGO_TARGET_DIR` the same for every call, or the helper repository is rebuilt).")
PY
    rm -rf "$d"
}

# --- G. a Rust extension from its sdist: SudachiPy 0.7.0 for linux aarch64 -------------
bench_rust() {
    local out=$RESULTS/65-rust.md runs=${OFIUCO_BENCH_RUST_RUNS:-2} pip_runs=${OFIUCO_BENCH_RUST_PIP_RUNS:-1}
    local d=/tmp/ofiuco-bench-rust zip=deploy_python3_11_arm64 before after first_s first_load t0 outputs
    rm -rf "$d" && mkdir -p "$d/ws" "$d/repos"
    copy_example rust_build "$d/ws"
    export CARGO_TARGET_DIR=$TARGET_DIR
    local rbazel=("$ROOT/tools/dev/bazel.sh" --output_user_root="$d/our")
    local build=(build --repository_cache="$d/repos" --sandbox_default_allow_network=false "//:$zip")
    log "benchmark G: the first build on this machine (fresh output base and repository cache)"
    first_load=$(loadavg)
    t0=$(date +%s.%N)
    (cd "$d/ws" && "${rbazel[@]}" "${build[@]}" >"$d/first.log" 2>&1) || { tail -40 "$d/first.log" >&2; die "benchmark G: the first build failed"; }
    first_s=$(python3 -c "import sys, time; print(f'{time.time() - float(sys.argv[1]):.0f}')" "$t0")
    local downloads
    downloads=$(du -sm "$d/repos" | cut -f1)
    outputs=$(cd "$d/ws" && "${rbazel[@]}" info output_path 2>/dev/null)
    # Each run deletes the built wheel (built, checked, named), so Bazel builds it again.
    cat >"$d/again.sh" <<SH
#!/bin/sh
find "$outputs" -path '*/_ofiuco_build/sudachipy__*' -prune -exec rm -rf {} + 2>/dev/null
exit 0
SH
    chmod +x "$d/again.sh"
    before=$(loadavg)
    log "benchmark G: $runs builds of the wheel (everything else cached)"
    (cd "$d/ws" && hyperfine --runs "$runs" --style basic --export-json "$d/g.json" \
        --prepare "$d/again.sh" -n "ofiuco: SudachiPy 0.7.0 for linux aarch64, glibc 2.26 (135 crates)" "${rbazel[*]} ${build[*]}")
    # Today's workaround, side by side: pip wheel of the same sdist (the file
    # Bazel downloaded, checked against the lock) in the emulated arm64 root,
    # with Rust 1.99.1 for aarch64 there. Its caches are warmed first without
    # compiling (cargo fetch of the sdist's Cargo.lock, pip download of
    # maturin), so that the timed runs download nothing.
    local base
    base=$(cd "$d/ws" && "${rbazel[@]}" info output_base 2>/dev/null)
    emulated_pip "$d/pip" "$base" sudachipy-0.7.0.tar.gz
    (cd "$d/ws" && "${rbazel[@]}" shutdown >/dev/null 2>&1) || true
    "$HERE/arm64_build_root.sh" setup --rust
    log "benchmark G: warming the emulated root's cargo and pip caches (no compiling)"
    (cd "$d/pip" && "$HERE/arm64_build_root.sh" run sh -ec 'rm -rf /tmp/warm && mkdir -p /tmp/warm && tar -xzf sudachipy-0.7.0.tar.gz -C /tmp/warm && cargo fetch -q --manifest-path /tmp/warm/sudachipy-0.7.0/Cargo.toml && pip download -q -d /tmp/warm/pip "maturin>=1.9.4,<2"')
    log "benchmark G: $pip_runs emulated pip wheel runs (tens of minutes each)"
    hyperfine --runs "$pip_runs" --style basic --export-json "$d/g-pip.json" \
        -n "pip wheel of the same sdist under the emulated arm64 CPython 3.11 (qemu, binfmt_misc; Rust 1.99.1 for aarch64)" "$d/pip/pip.sh"
    local pip_wheel
    pip_wheel=$(cd "$d/pip/out" && printf '%s' *.whl)
    after=$(loadavg)
    python3 - "$d/g.json" "$rev" "$first_s" "$first_load" "$before" "$after" "$downloads" "$runs" "$d/g-pip.json" "$pip_wheel" >"$out" <<'PY'
import datetime, json, os, sys
path, rev, first_s, first_load, before, after, downloads, runs, pip_path, pip_wheel = sys.argv[1:11]
r = json.load(open(path))["results"][0]
p = json.load(open(pip_path))["results"][0]
now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
print("<!-- section: 65-rust -->")
print("## G. A Rust extension from its sdist: SudachiPy 0.7.0 for AWS Lambda python3.11 arm64 (issue 8, point 8)")
print()
print("`//:deploy_python3_11_arm64` of `examples/rust_build` (SudachiPy 0.7.0, maturin and PyO3, 135 crates of its Cargo.lock; PyPI's only linux aarch64 wheels need glibc 2.28) cross-built on this x86_64 host for glibc 2.26, with the network off in build actions (`--sandbox_default_allow_network=false`).")
print()
print(f"Measured {now} at ofiuco `{rev}` on {os.cpu_count()} CPUs.")
print()
print(f"- The first build on this machine (fresh output base and repository cache: Rust 1.99.1's archives, the 135 crates, zig, the build tools, the python3.11 headers, the dictionary wheel and the SudachiPy sdist downloaded; the wheel built and checked; the zip): **{first_s} s**, {downloads} MB of downloads in the repository cache; load average before: {first_load}.")
print(f"- The wheel alone (everything else cached; each run deletes the built wheel): **{r['mean']:.0f} ± {r['stddev']:.0f} s** (min {r['min']:.0f} s, {runs} runs); load average before: {before}, after: {after}. cargo compiles the 135 crates for the target (and the build scripts and proc macros for the host) on the machine's {os.cpu_count()} cores.")
print()
print(f"- Today's workaround, side by side: `pip wheel --no-deps` of the same sdist in the emulated linux/arm64 Debian bookworm of benchmark F, with Rust 1.99.1 for aarch64 (`tools/bench/arm64_build_root.sh setup --rust`), cargo's and pip's caches warm: **{p['mean']:.0f} s** ({len(p['times'])} run{'s' if len(p['times']) > 1 else ''}; cargo and rustc run under qemu). It built `{pip_wheel}` (glibc 2.36: too new for Amazon Linux 2 without an older root and auditwheel).")
print()
print(f"pip under emulation takes **{p['mean'] / r['mean']:.1f}x** the time of ofiuco's cross build.")
print()
print("Reproduce: `tools/bench/run.sh rust` (`OFIUCO_BENCH_RUST_RUNS`, default 2; `OFIUCO_BENCH_RUST_PIP_RUNS`, default 1).")
PY
}

# --- D. the cold first build: the helper built by cargo vs downloaded ------------------
bench_helper() {
    local out=$RESULTS/40-helper.md cargo_runs=${OFIUCO_BENCH_HELPER_CARGO_RUNS:-2} mirror_runs=${OFIUCO_BENCH_HELPER_MIRROR_RUNS:-3}
    local d=/tmp/ofiuco-bench-helper version port server before after
    # Under /tmp: tools/dev/bazel.sh's chroot sees /tmp (and not $CACHE).
    rm -rf "$d/ws" "$d/mirror" && mkdir -p "$d/cargo" "$d/mirror-run" "$d/repos"
    version=$(sed -nE 's/^    version = "([^"]*)",$/\1/p' "$ROOT/MODULE.bazel")
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    log "benchmark D: the static musl helpers (tools/release/helpers.sh) and a mirror on 127.0.0.1:$port"
    (cd "$ROOT" && tools/release/helpers.sh --version "$version" --base-url "http://127.0.0.1:$port" --out "$d/mirror")
    cp "$d/mirror/SHA256SUMS" "$d/mirror-run/SHA256SUMS"
    python3 -m http.server "$port" --bind 127.0.0.1 --directory "$d/mirror" 2>"$d/mirror.log" &
    server=$!
    # shellcheck disable=SC2064 # expanded now: $server is a local
    trap "kill $server 2>/dev/null || true" EXIT
    mkdir -p "$d/ws"
    copy_example basic "$d/ws"
    log "benchmark D: warming the repository cache with examples/basic's wheels"
    "$HERE/helper_cold.sh" prepare "$d/mirror-run"
    "$HERE/helper_cold.sh" build "$d/mirror-run" "$d/ws" "$d/repos" "--repo_env=OFIUCO_HELPER_TABLE=$d/mirror/prebuilt_helpers.json"
    local n_cargo="cargo build of the helper (no prebuilt helper)" n_mirror="prebuilt helper from the 127.0.0.1 mirror"
    before=$(loadavg)
    log "benchmark D: cold first builds of examples/basic, $cargo_runs + $mirror_runs runs"
    hyperfine --runs "$cargo_runs" --style basic --export-json "$d/d-cargo.json" --export-markdown "$d/d-cargo.md" \
        --prepare "$HERE/helper_cold.sh prepare $d/cargo" --cleanup "$HERE/helper_cold.sh prepare $d/cargo" \
        -n "$n_cargo" "$HERE/helper_cold.sh build $d/cargo $d/ws $d/repos"
    hyperfine --runs "$mirror_runs" --style basic --export-json "$d/d-mirror.json" --export-markdown "$d/d-mirror.md" \
        --prepare "$HERE/helper_cold.sh prepare $d/mirror-run" --cleanup "$HERE/helper_cold.sh prepare $d/mirror-run" \
        -n "$n_mirror" "$HERE/helper_cold.sh build $d/mirror-run $d/ws $d/repos --repo_env=OFIUCO_HELPER_TABLE=$d/mirror/prebuilt_helpers.json"
    after=$(loadavg)
    kill "$server" 2>/dev/null || true
    trap - EXIT
    local served
    served=$(grep -c "GET /ofiuco-$version-linux_x86_64 HTTP/1.1\" 200" "$d/mirror.log" || true)
    {
        echo "<!-- section: 40-helper -->"
        echo "## D. The cold first build of examples/basic: the helper built by cargo vs downloaded"
        echo
        echo "\`bazel build //...\` in a copy of \`examples/basic\`, each run with a fresh output user root (fresh output base and install base; the cargo path builds the helper from nothing: no \`CARGO_TARGET_DIR\`, crate sources already in \`~/.cargo/registry\`). The wheels come from a warm repository cache shared by the runs; the prebuilt helper is removed from it before each run, so it is downloaded from the mirror (\`python3 -m http.server\` on 127.0.0.1, $served downloads of the x86_64 helper, $(wc -c <"$d/mirror/ofiuco-$version-linux_x86_64") bytes, served over $((mirror_runs + 1)) builds). A new user's first download comes from GitHub's release assets instead."
        echo
        echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') at ofiuco \`$rev\`; load average before: $before, after: $after on $(nproc) CPUs (a machine shared with other sessions). hyperfine: \`--runs $cargo_runs\` (cargo), \`--runs $mirror_runs\` (mirror)."
        echo
        # One table: hyperfine ran the two commands separately (its Relative column is per run).
        cut -d'|' -f1-5 "$d/d-cargo.md" | sed 's/$/|/'
        tail -n +3 "$d/d-mirror.md" | cut -d'|' -f1-5 | sed 's/$/|/'
        echo
        python3 -c 'import json, sys; m = [json.load(open(p))["results"][0]["mean"] for p in sys.argv[1:]]; print(f"The download path takes {m[1] / m[0]:.2f}x the time of the cargo path (means: {m[0]:.0f} s, {m[1]:.0f} s).")' "$d/d-cargo.json" "$d/d-mirror.json"
        echo
        echo "Reproduce: \`tools/bench/run.sh helper\`."
    } >"$out"
    cp "$d/d-cargo.json" "$RESULTS/40-helper-cargo.json"
    cp "$d/d-mirror.json" "$RESULTS/40-helper-mirror.json"
}

# --- C4. bytecode for cold starts: py_zip's none / pyc / pyc-only zips under emulation ---
# The three python3.11 arm64 zips of examples/aws_lambda (built in place), each
# unpacked, and `import lambda_function` in fresh processes of the emulated
# linux/arm64 CPython 3.11, boto3 beside it as the Lambda runtime provides it.
bench_pyc() {
    local out=$RESULTS/38-pyc.md runs=${OFIUCO_BENCH_PYC_RUNS:-5}
    local ws=$ROOT/examples/aws_lambda bazel=$ROOT/tools/dev/bazel.sh py=$ROOT/tools/dev/arm64-python.sh
    local d=/tmp/ofiuco-bench-pyc before after bin
    export CARGO_TARGET_DIR=$TARGET_DIR
    "$ROOT/tools/dev/arm64-python.sh" --setup >/dev/null
    log "benchmark C4: building the python3.11 zips of examples/aws_lambda (none, pyc, pyc-only)"
    (cd "$ws" && "$bazel" build //:deploy_python3_11 //:deploy_python3_11_pyc //:deploy_python3_11_pyc_only //:runtime_boto3_python3_11 >/dev/null 2>&1) \
        || die "benchmark C4: bazel build in $ws failed"
    bin=$(cd "$ws" && "$bazel" info bazel-bin 2>/dev/null)
    rm -rf "$d" && mkdir -p "$d/empty"
    local variant zip
    for variant in none pyc pyc-only; do
        zip=$bin/deploy_python3_11.zip
        [[ $variant == none ]] || zip=$bin/deploy_python3_11_${variant//-/_}.zip
        cp "$zip" "$d/$variant.zip"
        python3 -m zipfile -e "$zip" "$d/$variant"
    done
    python3 -m zipfile -e "$bin/runtime_boto3_python3_11.zip" "$d/runtime"
    "$py" -c 'import sys; assert sys.version_info[:2] == (3, 11), sys.version'
    before=$(loadavg)
    log "benchmark C4: import lambda_function under the emulated arm64 CPython 3.11, $runs runs per zip"
    # From an empty directory: `-c` puts the current directory first on sys.path.
    (cd "$d/empty" && hyperfine --shell=none --warmup 1 --runs "$runs" --style basic \
        --export-json "$d/t.json" --export-markdown "$d/t.md" \
        -n "none" "env PYTHONDONTWRITEBYTECODE=1 PYTHONPATH=$d/none:$d/runtime $py -c 'import lambda_function'" \
        -n "pyc" "env PYTHONDONTWRITEBYTECODE=1 PYTHONPATH=$d/pyc:$d/runtime $py -c 'import lambda_function'" \
        -n "pyc-only" "env PYTHONDONTWRITEBYTECODE=1 PYTHONPATH=$d/pyc-only:$d/runtime $py -c 'import lambda_function'")
    after=$(loadavg)
    {
        echo "<!-- section: 38-pyc -->"
        echo "## C4. Bytecode for cold starts: the example handler's import under the emulated arm64 CPython 3.11 (issue 11, point 5)"
        echo
        echo "\`import lambda_function\` (the handler of \`examples/aws_lambda\`: numpy, shapely, pydantic and pydantic-core, linux aarch64 cp311 wheels) from the three python3.11 zips that \`py_zip\` builds there: \`//:deploy_python3_11\` (\`bytecode = \"none\"\`: every process compiles every module it imports), \`//:deploy_python3_11_pyc\` (PEP 552 unchecked-hash pycs in \`__pycache__/*.cpython-311.pyc\` beside the sources) and \`//:deploy_python3_11_pyc_only\` (\`mod.pyc\` in place of \`mod.py\`). Each zip unpacked, boto3 beside it (\`//:runtime_boto3_python3_11\`, as the Lambda runtime provides it), fresh processes of the emulated linux/arm64 CPython 3.11 (\`tools/dev/arm64-python.sh\`, qemu-aarch64 user mode), \`PYTHONDONTWRITEBYTECODE=1\` as on Lambda's read-only \`/var/task\`. The pycs are compiled by the Python 3.11 toolchain of the example (x86_64), the bytes any 3.11 would write. \`py_image_layer(bytecode = ...)\` ships the same pycs (\`smoke_test_arm64.sh\` compares them)."
        echo
        echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') at ofiuco \`$rev\`; load average before: $before, after: $after on $(nproc) CPUs. hyperfine: \`--warmup 1 --runs $runs\`."
        echo
        python3 - "$d" <<'PY'
import json, os, sys
d = sys.argv[1]
results = {r["command"]: r for r in json.load(open(os.path.join(d, "t.json")))["results"]}
def unzipped(name):
    total = 0
    for root, _, files in os.walk(os.path.join(d, name)):
        total += sum(os.path.getsize(os.path.join(root, f)) for f in files)
    return total
base = results["none"]["mean"]
base_zip = os.path.getsize(os.path.join(d, "none.zip"))
print("| zip | bytes | unzipped bytes | import, mean ± σ [s] | vs none |")
print("|---|---:|---:|---:|---:|")
for name in ("none", "pyc", "pyc-only"):
    r, z = results[name], os.path.getsize(os.path.join(d, name + ".zip"))
    size = f"{z:,}" if name == "none" else f"{z:,} ({100 * (z - base_zip) / base_zip:+.1f} %)"
    print(f"| {name} | {size} | {unzipped(name):,} | {r['mean']:.2f} ± {r['stddev']:.2f} | {r['mean'] / base:.2f}× |")
print()
best = min(results["pyc"]["mean"], results["pyc-only"]["mean"])
print(f"Shipped bytecode takes {100 * (1 - results['pyc']['mean'] / base):.0f} % (pyc) and {100 * (1 - results['pyc-only']['mean'] / base):.0f} % (pyc-only) off this handler's import under emulation. The absolute times are qemu's (roughly 10 to 20 times native); the ratio, compiling against unmarshalling, is what carries over, as an indication.")
PY
        echo
        echo "Reproduce: \`tools/bench/run.sh pyc\` (\`OFIUCO_BENCH_PYC_RUNS\`, default 5)."
    } >"$out"
    cp "$d/t.json" "$RESULTS/38-pyc.json"
    rm -rf "$d"
}

# --- E. the OCI image of examples/aws_batch (linux arm64): clean and after one .py edit ---
bench_image() {
    local out=$RESULTS/50-image.md label=//:image_arm64
    local runs=${OFIUCO_BENCH_IMAGE_RUNS:-3} inc_runs=${OFIUCO_BENCH_IMAGE_INC_RUNS:-5}
    "$ROOT/tools/dev/oci-base.sh" --setup
    local ws bazel image_rev
    if [[ -n ${OFIUCO_BENCH_IMAGE_WS:-} ]]; then
        # In place (as OFIUCO_BENCH_LAMBDA_WS for C): this checkout's examples/aws_batch and its
        # output base, whose helper is already built.
        ws=$OFIUCO_BENCH_IMAGE_WS bazel=$ROOT/tools/dev/bazel.sh image_rev="$rev (in place)"
        export CARGO_TARGET_DIR=$TARGET_DIR
    else
        # A snapshot of HEAD, as for C, with the Debian base layouts of tools/dev/oci-base.sh copied in.
        local src=$SCRATCH/image-src head bases
        bases=$("$ROOT/tools/dev/oci-base.sh" --dir)
        head=$(git -C "$ROOT" rev-parse HEAD)
        if [[ $(cat "$src/.ofiuco-rev" 2>/dev/null) != "$head" ]]; then
            log "benchmark E: snapshot of HEAD in $src"
            rm -rf "$src" && mkdir -p "$src/.cache/oci-base"
            git -C "$ROOT" archive HEAD | tar -x -C "$src"
            cp "$bases"/bookworm-python3.11-{amd64,arm64}.tar "$src/.cache/oci-base/"
            echo "$head" >"$src/.ofiuco-rev"
        fi
        ws=$src/examples/aws_batch bazel=$src/tools/dev/bazel.sh
        image_rev="$(git -C "$ROOT" rev-parse --short HEAD) (a git archive of HEAD)"
        export CARGO_TARGET_DIR=$CACHE/image-target
        mkdir -p "$CARGO_TARGET_DIR"
    fi
    if git -C "$ws" rev-parse --git-dir >/dev/null 2>&1; then
        git -C "$ws" diff --quiet -- worker.py || die "benchmark E edits $ws/worker.py and restores it: commit or stash its changes first"
    fi
    local app=$ws/worker.py tmp o=$SCRATCH/image uvcache=$CACHE/uv-cache-image
    tmp=$(mktemp -d)
    mkdir -p "$o"
    cp "$app" "$tmp/worker.py.orig"
    # shellcheck disable=SC2064 # expanded now: $tmp and $app are locals
    trap "cp '$tmp/worker.py.orig' '$app'" EXIT
    # The worker's py_library takes numpy and pydantic: the lock's other roots are left out.
    "$PY_REF" "$HERE/lambda_requirements.py" "$ws/pyproject.toml" "$ws/poetry.lock" --exclude boto3 --exclude shapely >"$tmp/requirements.txt"

    log "benchmark E: warming uv's cache ($uvcache) and Bazel (server, repositories, helper)"
    "$HERE/image_tar.sh" all "$UV" "$uvcache" "$tmp/requirements.txt" "$app" "$o/tar"
    (cd "$ws" && "$bazel" build "$label")
    local bz="$HERE/lambda_bazel.sh $bazel $ws"
    local n_bz="ofiuco: bazel clean; bazel build $label (server running)"
    local n_tar="uv pip install --offline + tar + gzip -n of the 3 layers (warm cache)"
    local n_tar_only="tar + gzip -n of the 3 layers of the installed tree (reference: no install)"
    local before after
    before=$(loadavg)
    log "benchmark E1: the arm64 image from clean outputs, $runs runs"
    hyperfine --warmup 1 --runs "$runs" --style basic \
        --export-json "$tmp/e1.json" --export-markdown "$tmp/e1.md" \
        --prepare "cd $ws && $bazel clean" -n "$n_bz" "$bz $tmp/prof-clean $label" \
        -n "$n_tar" "$HERE/image_tar.sh all $UV $uvcache $tmp/requirements.txt $app $o/tar --offline" \
        -n "$n_tar_only" "$HERE/image_tar.sh layers $o/tar" ||
        die "hyperfine failed; Bazel's output of each run is in $tmp/prof-*/run-*.log"
    after=$(loadavg)
    local layout
    layout="$(cd "$ws" && "$bazel" info execution_root 2>/dev/null)/$(cd "$ws" && "$bazel" cquery --output=files "$label" 2>/dev/null | head -1)"

    log "benchmark E2: one edited .py file, $inc_runs runs"
    local n_inc="ofiuco: bazel build $label after editing worker.py"
    local n_app="tar + gzip -n of the app layer only"
    local n_all="tar + gzip -n of the 3 layers again (no layer cache)"
    local before2 after2
    before2=$(loadavg)
    hyperfine --warmup 1 --runs "$inc_runs" --style basic \
        --export-json "$tmp/e2.json" --export-markdown "$tmp/e2.md" \
        --prepare "$HERE/lambda_edit.sh $tmp/worker.py.orig $app" -n "$n_inc" "$bz $tmp/prof-inc $label" \
        --prepare "$HERE/lambda_edit.sh $tmp/worker.py.orig $app" -n "$n_app" "$HERE/image_tar.sh app $o/tar $app" \
        --prepare "$HERE/lambda_edit.sh $tmp/worker.py.orig $o/tar/app-root/var/task/worker.py" -n "$n_all" "$HERE/image_tar.sh layers $o/tar" ||
        die "hyperfine failed; Bazel's output of each run is in $tmp/prof-inc/run-*.log"
    after2=$(loadavg)
    # What one more edit runs (not timed): the actions from Bazel's execution log.
    "$HERE/lambda_edit.sh" "$tmp/worker.py.orig" "$app"
    (cd "$ws" && "$bazel" build --execution_log_json_file="$tmp/exec.json" "$label" >/dev/null 2>&1)
    cp "$tmp/worker.py.orig" "$app"
    trap - EXIT
    cmp -s "$tmp/worker.py.orig" "$app" || die "$app was not restored"
    local actions
    actions=$(python3 -c '
import collections, json, sys
decoder, text, pos, counts = json.JSONDecoder(), open(sys.argv[1]).read(), 0, collections.Counter()
while True:
    while pos < len(text) and text[pos].isspace():
        pos += 1
    if pos >= len(text):
        break
    entry, pos = decoder.raw_decode(text, pos)
    counts[entry.get("mnemonic", "?")] += 1
print(", ".join("%s x%d" % kv for kv in sorted(counts.items())))
' "$tmp/exec.json")
    sizes() { # DIR: the three layers
        local f
        for f in numpy packages app; do
            printf '%s %s B; ' "$f" "$(stat -c %s "$1/$f.tar.gz")"
        done | sed 's/; $//'
    }
    # ofiuco's layers: the last three of the image's manifest (above the base's).
    local bz_layers files_tar
    bz_layers=$(python3 - "$layout" <<'PY'
import json, subprocess, sys
layout = sys.argv[1]
blob = lambda d: f"{layout}/blobs/sha256/{d.split(':')[1]}"
index = json.load(open(f"{layout}/index.json"))
manifest = json.load(open(blob(index["manifests"][0]["digest"])))
layers = manifest["layers"][-3:]
files = 0
for layer in layers:
    names = subprocess.run(["tar", "-tzf", blob(layer["digest"])], capture_output=True, text=True, check=True).stdout.split()
    files += sum(1 for n in names if not n.endswith("/"))
print("; ".join(f"{n} {l['size']} B" for n, l in zip(["numpy", "packages", "app"], layers)) + f" ({files} files)")
PY
)
    files_tar=$(for f in "$o"/tar/layers/*.tar.gz; do tar -tzf "$f"; done | grep -vc '/$' || true)
    {
        echo "<!-- section: 50-image -->"
        echo "## E. The OCI image of examples/aws_batch (linux arm64), from clean outputs and after one \`.py\` edit"
        echo
        echo "\`bazel build $label\` in \`examples/aws_batch\` (a git archive of HEAD, or in place with \`OFIUCO_BENCH_IMAGE_WS\`) on this x86_64 host: the arm64 wheels of numpy and pydantic (and their dependencies) installed by the helper, three \`py_image_layer\` layers (numpy; the other packages; the application), and the OCI layout on the 45 MB Debian base of \`tools/dev/oci-base.sh\` (its blobs copied and checked, config and manifest written). Wheels, the base and the helper are warm (\`bazel clean\` keeps the repositories). The alternative in the same run (\`tools/bench/image_tar.sh\`): \`uv pip install --target\` of the same pinned requirements for aarch64-manylinux_2_28 / CPython 3.11 from uv's warm cache, \`__pycache__\` and \`bin/\` removed, then the same three layers by \`tar --sort=name --mtime=@0 --owner=0\` piped to \`gzip -n -6\`; it writes no layout (no base copy, config or manifest). A \`docker build\` is not available here."
        echo
        echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') at ofiuco \`$image_rev\` with $(cd "$ws" && "$bazel" --version); load average before: $before, after: $after on $(nproc) CPUs (a machine shared with other sessions). hyperfine: \`--warmup 1 --runs $runs\`."
        echo
        cat "$tmp/e1.md"
        echo
        echo "Layers: ofiuco $bz_layers; tar $(sizes "$o/tar/layers") ($files_tar files). The ofiuco layers hold each wheel's installed files (with its \`.dist-info\`), mtime 0, modes normalized, zlib-rs level 6."
        echo
        echo "### After editing \`worker.py\`"
        echo
        echo "Each run appends a new comment line to \`worker.py\` first (outside the timing). Load average before: $before2, after: $after2. hyperfine: \`--warmup 1 --runs $inc_runs\`. The actions Bazel runs for one such edit (execution log): $actions."
        echo
        cat "$tmp/e2.md"
        echo
        echo "Reproduce: \`tools/bench/run.sh image\` (needs root once for \`tools/dev/oci-base.sh --setup\`)."
    } >"$out"
    cp "$tmp/e1.json" "$RESULTS/50-image-clean.json"
    cp "$tmp/e2.json" "$RESULTS/50-image-incremental.json"
    ls "$layout/index.json" >/dev/null
    rm -rf "$tmp"
}

# --- F. building cwcwidth and crcmod from their sdists for linux aarch64 ----------
bench_source() {
    local out=$RESULTS/60-source.md runs=${OFIUCO_BENCH_SOURCE_RUNS:-3} pip_runs=${OFIUCO_BENCH_SOURCE_PIP_RUNS:-2}
    local d=/tmp/ofiuco-bench-source zip=deploy_python3_11_arm64 before after first_s first_load
    # Under /tmp: tools/dev/bazel.sh's chroot sees /tmp (and not $CACHE).
    rm -rf "$d" && mkdir -p "$d/ws" "$d/repos" "$d/pip"
    copy_example source_builds "$d/ws"
    local bazel=("$ROOT/tools/dev/bazel.sh" --output_user_root="$d/our")
    local build=(build --repository_cache="$d/repos" --sandbox_default_allow_network=false "//:$zip")
    log "benchmark F: the first build on this machine (fresh output base and repository cache; the helper from CARGO_TARGET_DIR)"
    first_load=$(loadavg)
    local t0
    t0=$(date +%s.%N)
    (cd "$d/ws" && "${bazel[@]}" "${build[@]}" >"$d/first.log" 2>&1) || { cat "$d/first.log" >&2; die "benchmark F: the first build failed"; }
    first_s=$(python3 -c "import sys, time; print(f'{time.time() - float(sys.argv[1]):.0f}')" "$t0")
    local outputs
    outputs=$(cd "$d/ws" && "${bazel[@]}" info output_path 2>/dev/null)
    # What each run deletes, so that Bazel runs those actions again: the two
    # wheels (built and checked), and for the cold runs zig's seeded cache too.
    cat >"$d/warm.sh" <<SH
#!/bin/sh
for dir in \$(find "$outputs" -path '*/_ofiuco_build/*' \( -name 'cwcwidth-*_aarch64.whl' -o -name 'crcmod-*_aarch64.whl' \) ! -path '*/raw/*' -exec dirname {} \;); do
  rm -rf "\$dir"
done
exit 0
SH
    cat >"$d/cold.sh" <<SH
#!/bin/sh
"$d/warm.sh"
find "$outputs" -path '*/python/private/build/zig_cache' -prune -exec rm -rf {} + 2>/dev/null
exit 0
SH
    chmod +x "$d/warm.sh" "$d/cold.sh"
    # The same sdists (the files Bazel downloaded, checked against the lock's
    # sha256) for the emulated pip; its build dependencies come from PyPI.
    local base
    base=$(cd "$d/ws" && "${bazel[@]}" info output_base 2>/dev/null)
    emulated_pip "$d/pip" "$base" cwcwidth-0.1.9.tar.gz crcmod-1.7.tar.gz
    "$HERE/arm64_build_root.sh" setup
    local n_warm="ofiuco: cwcwidth + crcmod for linux aarch64, zig cache warm" n_cold="ofiuco: the same, zig cache cold (seeded again)"
    local n_pip="pip wheel of the same sdists under the emulated arm64 CPython 3.11 (qemu, binfmt_misc)"
    log "benchmark F: $runs + $runs ofiuco runs, $pip_runs pip runs (after one warm-up each)"
    before=$(loadavg)
    (cd "$d/ws" && hyperfine --runs "$runs" --warmup 1 --style basic --export-json "$d/f-warm.json" --export-markdown "$d/e-warm.md" \
        --prepare "$d/warm.sh" -n "$n_warm" "${bazel[*]} ${build[*]}")
    (cd "$d/ws" && hyperfine --runs "$runs" --style basic --export-json "$d/f-cold.json" --export-markdown "$d/e-cold.md" \
        --prepare "$d/cold.sh" -n "$n_cold" "${bazel[*]} ${build[*]}")
    # The warm-up run outside hyperfine, so that a failure shows pip's output
    # (it fetches the build dependencies, setuptools and Cython, from PyPI).
    "$d/pip/pip.sh" >"$d/pip-warmup.log" 2>&1 || { tail -n 40 "$d/pip-warmup.log" >&2; die "benchmark F: the emulated pip wheel failed"; }
    hyperfine --runs "$pip_runs" --style basic --export-json "$d/f-pip.json" --export-markdown "$d/e-pip.md" \
        -n "$n_pip" "$d/pip/pip.sh"
    after=$(loadavg)
    local pip_wheels
    pip_wheels=$(cd "$d/pip/out" && printf '%s ' *.whl)
    (cd "$d/ws" && "${bazel[@]}" shutdown >/dev/null 2>&1) || true
    {
        echo "<!-- section: 60-source -->"
        echo "## F. Building cwcwidth and crcmod from their sdists for linux aarch64 (AWS Lambda python3.11)"
        echo
        echo "\`bazel build --sandbox_default_allow_network=false //:$zip\` in a copy of \`examples/source_builds\` (CPython 3.11, glibc 2.26; the exec interpreter is bookworm's python3.11). Each ofiuco run first deletes the two built wheels, so that Bazel builds both again (two \`OfiucoBuildWheel\` and two \`OfiucoCheckWheel\` actions, and the zip when a wheel changed); the cold runs also delete zig's seeded cache (\`OfiucoZigCache\`, once per target CPU and glibc). Today's workaround, side by side: \`pip wheel --no-deps\` of the same two sdists in an emulated linux/arm64 Debian bookworm (CPython 3.11, gcc 12; \`tools/bench/arm64_build_root.sh\`: a chroot whose arm64 processes run under qemu-aarch64-static through binfmt_misc, as \`docker run --platform linux/arm64\` runs them), pip's cache warm (its build dependencies, setuptools and Cython, come from PyPI on the first run). It built: $pip_wheels(linux_aarch64, glibc 2.36: too new for Amazon Linux 2 without auditwheel and an older root)."
        echo
        echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') at ofiuco \`$rev\`; load average before: $before, after: $after on $(nproc) CPUs (a machine shared with other sessions)."
        echo
        cut -d'|' -f1-5 "$d/e-warm.md" | sed 's/$/|/'
        tail -n +3 "$d/e-cold.md" | cut -d'|' -f1-5 | sed 's/$/|/'
        tail -n +3 "$d/e-pip.md" | cut -d'|' -f1-5 | sed 's/$/|/'
        echo
        python3 -c 'import json, sys; w, c, p = [json.load(open(f))["results"][0]["mean"] for f in sys.argv[1:]]; print(f"pip under emulation takes {p / w:.1f}x the time of ofiuco warm and {p / c:.1f}x of ofiuco cold (means: {w:.1f} s, {c:.1f} s, {p:.1f} s; the goal is 10x warm).")' "$d/f-warm.json" "$d/f-cold.json" "$d/f-pip.json"
        echo
        echo "The first build on this machine, once (fresh output base and repository cache: downloading zig's wheel, the build tools' wheels, the CPython 3.11 arm64 headers and the sdists; fetching and analysing; installing the build tools; seeding zig's cache; the two builds and the zip; the helper came from \`CARGO_TARGET_DIR\`, see D): $first_s s (load average before: $first_load)."
        echo
        echo "Reproduce: \`tools/bench/run.sh source\`."
    } >"$out"
    cp "$d/f-warm.json" "$RESULTS/60-source-warm.json"
    cp "$d/f-cold.json" "$RESULTS/60-source-cold.json"
    cp "$d/f-pip.json" "$RESULTS/60-source-pip.json"
}

for b in "${selected[@]}"; do
    "bench_$b"
done

"$HERE/report.py" assemble "$RESULTS" "$DOC"
log "wrote $DOC"
