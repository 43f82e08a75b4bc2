#!/usr/bin/env bash
# Benchmark C3: the 25-package AWS Lambda zip of tools/bench/lambda25 (linux arm64,
# CPython 3.11, 98.7 MB unzipped), side by side in one hyperfine run:
#   - ofiuco: `bazel clean` (outputs and action cache gone, repositories and server kept),
#     then `bazel build //:deploy` (25 fragment actions straight from the wheels + 1 zip);
#   - uv: `uv pip install --offline --target` from a warm cache + prune + `zip -qr`
#     (tools/bench/lambda_uv_zip.sh, the same excludes as the py_zip).
#
#   tools/bench/lambda25.sh [RUNS] [OUT_DIR]   (default 5 runs; writes nothing into the checkout)
#
# Both commands get 2 warm-up runs (uv's cache is warm, Bazel's server and JIT are warm), and a
# third row restarts the server before every run (\`bazel shutdown\`: a fresh JVM, as on a CI
# machine's first build). With OUT_DIR, the raw results are kept there for tools/bench/run.sh
# (c3.json, c3.md, aquery.txt, files.txt, sizes.txt, sha256.txt, load.txt).
#
# Needs uv and hyperfine (tools/bench/run.sh installs both into $OFIUCO_BENCH_CACHE/venv);
# the first run warms uv's cache and Bazel (downloads the wheels, builds the helper).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
runs=${1:-5}
keep=${2:-}
cache=${OFIUCO_BENCH_CACHE:-$HOME/.cache/ofiuco-bench}
uv=${UV:-$cache/venv/bin/uv}
bazel=$root/tools/dev/bazel.sh
ws=$here/lambda25
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
python3 "$here/lambda_requirements.py" "$ws/pyproject.toml" "$ws/poetry.lock" >"$out/requirements.txt"
uvz="$here/lambda_uv_zip.sh $uv $cache/uv-cache-lambda25 $out/requirements.txt $ws/lambda_function.py $out/uv $out/uv.zip"
# Warm: uv's cache, Bazel's repositories, server and helper.
$uvz >/dev/null
(cd "$ws" && "$bazel" build //:deploy >/dev/null 2>&1)
before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "load average before: $before"
hyperfine --warmup 2 --runs "$runs" --style basic --export-markdown "$out/c3.md" --export-json "$out/c3.json" \
    --prepare "cd $ws && $bazel clean" -n "ofiuco: bazel clean; bazel build //:deploy" \
    "cd $ws && $bazel build //:deploy" \
    --prepare "rm -rf $out/uv $out/uv.zip" -n "uv pip install --offline + prune + zip -qr" \
    "$uvz --offline" \
    --prepare "cd $ws && $bazel clean && $bazel shutdown" -n "ofiuco: bazel clean; bazel shutdown; bazel build //:deploy" \
    "cd $ws && $bazel build //:deploy"
after=$(cut -d' ' -f1-3 /proc/loadavg)
echo "load average after: $after"
cat "$out/c3.md"
# The actions a build of the zip runs (no OfiucoInstall: fragments come from the wheels).
if (cd "$ws" && "$bazel" aquery 'mnemonic("Ofiuco.*", deps(//:deploy))' --output=summary) >"$out/aquery.txt" 2>/dev/null; then
    grep -E '^(Mnemonics|  Ofiuco)' "$out/aquery.txt"
fi
zipped=$(stat -c %s "$ws/bazel-bin/deploy.zip")
uvzip=$(stat -c %s "$out/uv.zip")
python3 - "$ws/bazel-bin/deploy.zip" "$out/uv.zip" <<'PY' | tee "$out/files.txt"
import sys, zipfile
for path in sys.argv[1:]:
    z = zipfile.ZipFile(path)
    files = [i for i in z.infolist() if not i.is_dir()]
    print(f"{path.rsplit('/', 1)[-1]}: {len(files)} files, {sum(i.file_size for i in files):,} bytes unzipped")
PY
echo "zip sizes: ofiuco $zipped B, uv + zip -qr $uvzip B ($(python3 -c "print(f'{($zipped / $uvzip - 1) * 100:+.2f}')") %)"
sha256sum "$ws/bazel-bin/deploy.zip" | tee "$out/sha256.txt"
if [[ -n $keep ]]; then
    mkdir -p "$keep"
    echo "$zipped $uvzip" >"$out/sizes.txt"
    printf '%s\n%s\n' "$before" "$after" >"$out/load.txt"
    cp "$out"/{c3.json,c3.md,files.txt,sizes.txt,sha256.txt,load.txt} "$keep/"
    grep -E '^(Mnemonics|  Ofiuco)' "$out/aquery.txt" >"$keep/aquery.txt" 2>/dev/null || true
fi
