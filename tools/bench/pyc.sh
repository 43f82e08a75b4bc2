#!/usr/bin/env bash
# Import time of a Lambda handler under the emulated linux/arm64 CPython 3.11,
# without bytecode, with hash-based pycs (__pycache__) and pyc-only, and the
# zip size of each (python/private/build/bytecode.py compiles, under that interpreter).
#
#   tools/bench/pyc.sh FUNCTION.zip [MODULE [RUNS]]
#
# FUNCTION.zip: a function-layout zip (e.g. bazel-bin/deploy_aws_lambda_arm64.zip
# of examples/aws_lambda); MODULE: the handler module (lambda_function); RUNS:
# fresh processes per variant (10). PYTHONDONTWRITEBYTECODE=1 as on Lambda,
# whose /var/task is read-only: without shipped pycs every cold start compiles.
set -euo pipefail
ZIP="$(realpath "${1:?give a function zip}")"
MODULE="${2:-lambda_function}"
RUNS="${3:-10}"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
PY="$ROOT/tools/dev/arm64-python.sh"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$PY" -c 'import sys; assert sys.version_info[:2] == (3, 11)'
mkdir "$work/none" "$work/pyc" "$work/pyc-only"
python3 -m zipfile -e "$ZIP" "$work/none"
python3 -m zipfile -e "$ZIP" "$work/pyc"
python3 -m zipfile -e "$ZIP" "$work/pyc-only"
for layout in pyc pyc-only; do
  "$PY" "$ROOT/python/private/build/bytecode.py" --python 3.11 --package bench --layout "$layout" \
    --fragment "$ZIP" --output "$work/$layout.frag.zip" >/dev/null
  python3 -m zipfile -e "$work/$layout.frag.zip" "$work/$layout"
done
find "$work/pyc-only" -name '*.py' -delete
zip_size() { (cd "$1" && find . -type f | LC_ALL=C sort | python3 -c '
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED, compresslevel=6) as z:
    for line in sys.stdin:
        z.write(line.strip()[2:])
' "$2") && stat -c %s "$2"; }
printf '%-9s %12s %14s %12s\n' variant zip_bytes unzipped_bytes import_ms
for variant in none pyc pyc-only; do
  size="$(zip_size "$work/$variant" "$work/$variant.zip")"
  unzipped="$(du -sb "$work/$variant" | cut -f1)"
  total=0
  for _ in $(seq "$RUNS"); do
    start="$(date +%s%N)"
    (cd "$work/$variant" && PYTHONDONTWRITEBYTECODE=1 PYTHONPATH=. "$PY" -c "import $MODULE")
    total=$((total + $(date +%s%N) - start))
  done
  printf '%-9s %12s %14s %12s\n' "$variant" "$size" "$unzipped" "$((total / RUNS / 1000000))"
done
