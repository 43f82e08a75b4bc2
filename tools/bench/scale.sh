#!/usr/bin/env bash
# Benchmark A4 (docs/benchmarks.md): how `ofiuco lock` and Bazel's loading of
# the hub grow with the size of the lock. Locks of 1, 2, 3 and 5 renamed
# copies of the benchmark lock (tools/bench/scale_lock.py: 441 to 2,205
# real packages, files and sha256s), each timed with hyperfine (wall and
# CPU), valgrind (instructions) and GNU time (peak RSS); then, in one Bazel
# module under /tmp, `bazel query @hub//:all` after each lock change (the
# module extension runs the helper, declares the file repositories and the
# hub, Bazel loads the hub's BUILD file).
#
# usage: tools/bench/scale.sh HELPER LOCK OUT.md REV
#   HELPER  the `ofiuco` binary to time (also served to Bazel as a prebuilt helper)
# Environment: OFIUCO_BENCH_SCALE_COPIES [1 2 3 5], OFIUCO_BENCH_SCALE_BAZEL [1]: 0 skips Bazel,
# OFIUCO_BENCH_SCALE_ANALYSIS [1]: 0 skips the analysis columns (they download the wheels of
# one platform, about 1 GB, once), OFIUCO_BENCH_SCALE_PLATFORM [the AWS Lambda python3.12
# x86_64 preset].
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
helper=$1 lock=$2 out=$3 rev=$4
read -r -a copies <<<"${OFIUCO_BENCH_SCALE_COPIES:-1 2 3 5}"
# Under /tmp: tools/dev/bazel.sh's chroot sees /tmp.
d=/tmp/ofiuco-bench-scale
rm -rf "$d/locks" "$d/hubs" && mkdir -p "$d/locks" "$d/hubs" "$d/ws"
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

rows=()
before=$(loadavg)
for k in "${copies[@]}"; do
    l=$d/locks/k$k
    python3 "$HERE/scale_lock.py" "$lock" "$l" "$k"
    n=$(grep -c '^\[\[package\]\]' "$l/poetry.lock")
    hyperfine --shell=none --warmup 1 --runs 10 --style none --export-json "$d/k$k.json" \
        "$helper lock $l/poetry.lock --output $d/hubs/k$k" >/dev/null
    ir=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null "$helper" lock "$l/poetry.lock" --output "$d/hubs/ir$k" 2>&1 |
        sed -n 's/.*Collected : //p')
    rss=$(/usr/bin/time -f %M "$helper" lock "$l/poetry.lock" --output "$d/hubs/rss$k" 2>&1 >/dev/null | tail -1)
    mb=$(du -m "$l/poetry.lock" | cut -f1)
    lines=$(wc -l <"$d/hubs/k$k/BUILD.bazel")
    rows+=("$k|$n|$mb|$lines|$(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
print("%.1f ± %.1f|%.1f" % (1000 * r["mean"], 1000 * r["stddev"], 1000 * (r["user"] + r["system"])))
' "$d/k$k.json")|$ir|$rss")
done
after=$(loadavg)

bazel_rows=()
bazel_note=""
if [[ ${OFIUCO_BENCH_SCALE_BAZEL:-1} != 0 ]]; then
    # The helper under test, as the prebuilt helper of this version (no cargo build in Bazel).
    version=$(sed -nE 's/^    version = "([^"]*)",$/\1/p' "$ROOT/MODULE.bazel")
    cp "$helper" "$d/ofiuco"
    sha=$(sha256sum "$d/ofiuco" | cut -d' ' -f1)
    printf '{"version": "%s", "helpers": {"linux_x86_64": {"url": "file://%s", "sha256": "%s"}}}\n' \
        "$version" "$d/ofiuco" "$sha" >"$d/helpers.json"
    # A snapshot of HEAD (git archive), so that edits of the checkout during the run do not
    # reach the module (local_path_override reads the checkout's files live).
    src=$d/ofiuco-src
    rm -rf "$src" && mkdir -p "$src"
    git -C "$ROOT" archive HEAD | tar -x -C "$src"
    cat >"$d/ws/MODULE.bazel" <<EOF
module(name = "ofiuco_bench_scale")

bazel_dep(name = "ofiuco")
local_path_override(
    module_name = "ofiuco",
    path = "$src",
)

poetry = use_extension("@ofiuco//python:extensions.bzl", "poetry")
poetry.parse(
    name = "hub",
    lock = "//:poetry.lock",
)
use_repo(poetry, "hub")
EOF
    : >"$d/ws/BUILD.bazel"
    bazel=("$src/tools/dev/bazel.sh")
    flags=("--repo_env=OFIUCO_HELPER_TABLE=$d/helpers.json" --lockfile_mode=off)
    analyze=${OFIUCO_BENCH_SCALE_ANALYSIS:-1}
    platform=${OFIUCO_BENCH_SCALE_PLATFORM:-@ofiuco//lib/platforms:aws_lambda_python3_12_x86_64}
    aflags=(--nobuild --keep_going "--platforms=$platform")
    printf 'common --noenable_workspace\n' >"$d/ws/.bazelrc"
    cp "$d/locks/k${copies[0]}/poetry.lock" "$d/locks/k${copies[0]}/pyproject.toml" "$d/ws/"
    (cd "$d/ws" && "${bazel[@]}" query "${flags[@]}" @hub//:all >/dev/null)  # server, helper, rules
    bazel_before=$(loadavg)
    for k in "${copies[@]}"; do
        # Each run sees a changed lock (a comment appended): the extension runs again.
        hyperfine --shell=bash --runs 3 --style none --export-json "$d/q$k.json" \
            --prepare "cp $d/locks/k$k/poetry.lock $d/ws/poetry.lock && echo \"# \$RANDOM\$RANDOM\" >>$d/ws/poetry.lock" \
            "cd $d/ws && ${bazel[*]} query ${flags[*]} @hub//:all >$d/q$k.txt 2>/dev/null" >/dev/null
        hyperfine --shell=bash --runs 3 --style none --export-json "$d/w$k.json" \
            "cd $d/ws && ${bazel[*]} query ${flags[*]} @hub//:all >/dev/null 2>&1" >/dev/null
        targets=$(wc -l <"$d/q$k.txt")
        row="$k|$targets|$(python3 -c '
import json, sys
m = [1000 * json.load(open(p))["results"][0]["mean"] for p in sys.argv[1:]]
print("%.0f|%.0f" % tuple(m))
' "$d/q$k.json" "$d/w$k.json")"
        if [[ $analyze != 0 ]]; then
            # Analysis of every target of the hub for one platform. The first build fetches
            # the wheels (the copies share the file repositories of the first); -i: a lock of
            # the real world has targets that cannot be analyzed for this platform (counted).
            (cd "$d/ws" && "${bazel[@]}" build "${flags[@]}" "${aflags[@]}" @hub//:all >"$d/a$k.log" 2>&1) || true
            first=$(sed -nE 's/^INFO: Elapsed time: ([0-9.]+)s.*/\1/p' "$d/a$k.log" | tail -1)
            # A changed --define discards the analysis cache and keeps the loaded packages.
            hyperfine -i --shell=bash --runs 3 --style none --export-json "$d/ao$k.json" \
                "cd $d/ws && ${bazel[*]} build ${flags[*]} ${aflags[*]} --define=ofiuco_bench=\$RANDOM\$RANDOM @hub//:all >$d/ao$k.log 2>&1" >/dev/null
            ok=$(sed -nE 's/.*Analysis succeeded for only ([0-9]+) of ([0-9]+) top-level targets.*/\1 of \2/p; s/^INFO: Analyzed ([0-9]+) targets.*/\1 of \1/p' "$d/ao$k.log" | head -1)
            row="$row|$ok|$(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
print("%.0f|%.0f ± %.0f" % (1000 * float(sys.argv[2] or 0), 1000 * r["mean"], 1000 * r["stddev"]))
' "$d/ao$k.json" "$first")"
        fi
        bazel_rows+=("$row")
    done
    bazel_after=$(loadavg)
    bazel_note="Bazel ($(cd "$d/ws" && "${bazel[@]}" --version)), one server, \`--lockfile_mode=off\`: load average before: $bazel_before, after: $bazel_after. hyperfine: 3 runs per row."
fi

{
    echo "<!-- section: 17-scale -->"
    echo "## A4. Scale: the helper, and Bazel's loading and analysis of the hub, 441 to 2,205 packages"
    echo
    echo "Locks made by \`tools/bench/scale_lock.py\` from \`${lock#"$ROOT"/}\`: K renamed copies of its 441 real packages (the same versions, files, sha256s, markers, dependencies and extras; copy k renames \`<name>\` to \`<name>-x<k>\`), so the work per package is a real lock's. Issue 11 point 6: cost grows linearly."
    echo
    echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') at ofiuco \`$rev\`; load average before: $before, after: $after on $(nproc) CPUs (a shared machine: the CPU time and instructions are the stable columns). hyperfine: \`--shell=none --warmup 1 --runs 10\`; instructions: valgrind \`--tool=callgrind\` (all threads); peak RSS: GNU time \`%M\`."
    echo
    echo "| copies | packages | lock (MB) | BUILD.bazel lines | \`ofiuco lock\` wall, mean ± σ (ms) | CPU user + sys (ms) | instructions | peak RSS (KB) |"
    echo "|---:|---:|---:|---:|---:|---:|---:|---:|"
    for r in "${rows[@]}"; do echo "|$r|"; done
    echo
    python3 - "${rows[@]}" <<'EOF'
import sys
rows = [r.split("|") for r in sys.argv[1:]]
base = rows[0]
for r in rows[1:]:
    print("- %s packages: %.2fx the packages, %.2fx the instructions, %.2fx the peak RSS of %s." % (
        r[1], int(r[1]) / int(base[1]), int(r[6]) / int(base[6]), int(r[7]) / int(base[7]), base[1]))
EOF
    echo
    if [[ ${#bazel_rows[@]} -gt 0 ]]; then
        echo "\`bazel query @hub//:all\` in a module whose only dependency is the hub (\`$d/ws\`): after a change of the lock (the extension runs \`ofiuco lock\`, declares the file repositories, the hub repository is written and its BUILD file loaded), and again with nothing changed (Skyframe's cache). $bazel_note"
        echo
        if [[ $analyze != 0 ]]; then
            echo "Analysis: \`bazel build --nobuild --keep_going --platforms=$platform @hub//:all\` (every package target configured for that platform, its wheel's repository fetched; the copies' file repositories are their own, filled from the repository cache by sha256). The first build of each size (loading and analysis; for the first size also the downloads of the wheels, for the others copies out of the repository cache), and then, timed, with only the analysis cache discarded (a changed \`--define\`: the loaded packages are kept). (A lock change alone does not re-analyze: the hub's BUILD file comes out the same, and Bazel prunes the change.) Some targets of this real lock cannot be analyzed for the platform, and fail fast as they would for a user (a git dependency on github.com, which this machine cannot reach; a wheel deleted from PyPI since the lock was made; packages with no wheel for CPython 3.12 whose source build needs pinned CPython 3.12 headers or build requirements ofiuco does not ship; \`pywin32\`'s own target on linux): the column says how many top-level targets were analyzed; the failed fetches are retried in every run."
            echo
            echo "| copies | targets in @hub | query after a lock change (ms) | query, nothing changed (ms) | top-level targets analyzed | first build: loading + analysis (ms) | analysis only, mean ± σ (ms) |"
            echo "|---:|---:|---:|---:|---:|---:|---:|"
        else
            echo "| copies | targets in @hub | query after a lock change (ms) | query, nothing changed (ms) |"
            echo "|---:|---:|---:|---:|"
        fi
        for r in "${bazel_rows[@]}"; do echo "|$r|"; done
        echo
        python3 - "${bazel_rows[@]}" <<'EOF'
import sys
rows = [r.split("|") for r in sys.argv[1:]]
base = rows[0]
for r in rows[1:]:
    line = "- %sx the packages (%s targets): %.2fx the query time after a lock change" % (r[0], r[1], float(r[2]) / float(base[2]))
    if len(r) > 4:
        line += ", %.2fx the analysis time (analysis only)" % (float(r[6].split()[0]) / float(base[6].split()[0]))
    print(line + ".")
EOF
        echo
    fi
    echo "Reproduce: \`tools/bench/run.sh scale\` (or \`tools/bench/scale.sh HELPER LOCK OUT.md REV\`)."
} >"$out"
