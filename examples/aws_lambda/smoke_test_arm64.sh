#!/usr/bin/env bash
# Builds the Lambda zips for linux arm64 on this (x86_64) host, unzips the
# python3.11 one and calls the handler under an emulated arm64 CPython 3.11,
# with boto3 provided beside it the way the Lambda runtime provides it.
# Also checks what the zips hold, and that a second output base gives the same bytes.
#
# expect() evals its check when it runs, so the checks are single-quoted on
# purpose (SC2016) and the zip listings are read only inside them (SC2034).
# shellcheck disable=SC2016,SC2034
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")" || exit 1
ROOT="$(cd ../.. && pwd -P)"
BAZEL="$ROOT/tools/dev/bazel.sh"
ARM64_PYTHON="$ROOT/tools/dev/arm64-python.sh"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
# shellcheck source=tools/dev/testlib.sh
source "$ROOT/tools/dev/testlib.sh"

targets=(//:deploy_python3_11 //:deploy_python3_11_pyc //:deploy_python3_11_pyc_only //:deploy_python3_12 //:layer_python3_12 //:runtime_boto3_python3_11 //:deploy_aws_lambda
  //:image_layers_python3_11_pyc //:image_layers_python3_11_pyc_only)
"$BAZEL" build "${targets[@]}" || { echo "FAIL build"; echo "smoke: 0 passed, 1 failed"; exit 1; }
bin="$("$BAZEL" info bazel-bin 2>/dev/null)"
tmp="$(mktemp -d)"
repro_base="$(mktemp -d /tmp/ofiuco-repro.XXXXXX)"
trap 'rm -rf "$tmp"; (cd "$PWD" && "$BAZEL" --output_base="$repro_base" shutdown >/dev/null 2>&1); rm -rf "$repro_base"' EXIT

unzip_to() { python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' "$1" "$2"; }
unzip_to "$bin/deploy_python3_11.zip" "$tmp/fn"
unzip_to "$bin/runtime_boto3_python3_11.zip" "$tmp/runtime"
list() { python3 -c 'import sys, zipfile; print("\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))' "$1"; }
# Listings captured once: `list | grep -q` would race with pipefail (SIGPIPE).
fn311="$(list "$bin/deploy_python3_11.zip")"
fn312="$(list "$bin/deploy_python3_12.zip")"
snippet="$(list "$bin/deploy_aws_lambda.zip")"
layer="$(list "$bin/layer_python3_12.zip")"

expect "handler at the zip root" '[[ -f "$tmp/fn/lambda_function.py" ]]'
expect "boto3 and its closure left out" '[[ ! -e "$tmp/fn/boto3" && ! -e "$tmp/fn/botocore" && ! -e "$tmp/fn/s3transfer" && ! -e "$tmp/fn/jmespath" ]]'
expect "dist-info and tests excluded" '! grep -qE "\.dist-info/|^numpy/.*/tests/|^shapely/tests/" <<<"$fn311"'
expect "arm64 CPython 3.11 extension inside" '[[ -f "$tmp/fn/numpy/_core/_multiarray_umath.cpython-311-aarch64-linux-gnu.so" ]]'
expect "python3.12 zip holds cp312 arm64 extensions" 'grep -q "pydantic_core/_pydantic_core.cpython-312-aarch64-linux-gnu.so" <<<"$fn312"'
expect "DESIGN snippet zip (bare arm64 platform) holds arm64 code" 'grep -q "aarch64-linux-gnu.so" <<<"$snippet"'
expect "layer layout: everything under python/" '! grep -qv "^python/" <<<"$layer" && grep -q "^python/numpy/__init__.py$" <<<"$layer"'
expect "no interpreter or runfiles inside" '! grep -qE "runfiles|(^|/)python3(\.[0-9]+)?$" <<<"$fn311"'
expect "size report lists numpy" 'grep -q numpy "$bin/deploy_python3_11.report.txt"'

out="$(PYTHONPATH="$tmp/fn:$tmp/runtime" "$ARM64_PYTHON" -c '
import json, platform, lambda_function
assert platform.machine() == "aarch64", platform.machine()
print(json.dumps(lambda_function.handler({"x": 1, "y": 2, "radius": 3}, None)))' 2>&1)"
echo "    arm64 handler output: $out"
expect "handler runs under emulated arm64 CPython 3.11" 'grep -q "\\\\\"area\\\\\": 28.27" <<<"$out" && grep -q "\\\\\"numpy\\\\\": \\\\\"2.2.6\\\\\"" <<<"$out"'

# Bytecode (py_zip `bytecode`): pyc-only runs without a single .py file; the
# pycs are PEP 552 unchecked-hash ones of CPython 3.11 (the magic number is
# checked against this host's python3 when it is a 3.11, as on this machine).
unzip_to "$bin/deploy_python3_11_pyc_only.zip" "$tmp/pyc_only"
pyc_only="$(list "$bin/deploy_python3_11_pyc_only.zip")"
pyc="$(list "$bin/deploy_python3_11_pyc.zip")"
expect "pyc-only: no .py file, the handler and numpy as .pyc" '! grep -q "\.py$" <<<"$pyc_only" && grep -q "^lambda_function.pyc$" <<<"$pyc_only" && grep -q "^numpy/__init__.pyc$" <<<"$pyc_only"'
expect "pyc: sources and __pycache__/*.cpython-311.pyc beside them" 'grep -q "^lambda_function.py$" <<<"$pyc" && grep -q "^__pycache__/lambda_function.cpython-311.pyc$" <<<"$pyc" && grep -q "^numpy/__pycache__/__init__.cpython-311.pyc$" <<<"$pyc"'
header="$(python3 -c '
import importlib.util, sys, zipfile
data = zipfile.ZipFile(sys.argv[1]).read("__pycache__/lambda_function.cpython-311.pyc")
flags = int.from_bytes(data[4:8], "little")
same = data[:4] == importlib.util.MAGIC_NUMBER if sys.version_info[:2] == (3, 11) else "n/a"
print("unchecked-hash" if flags == 1 else "flags=%d" % flags, "magic-3.11=%s" % same)' "$bin/deploy_python3_11_pyc.zip")"
echo "    pyc header: $header"
expect "pyc: unchecked-hash pycs of CPython 3.11" '[[ "$header" == "unchecked-hash magic-3.11=True" || "$header" == "unchecked-hash magic-3.11=n/a" ]]'
# From $tmp: the current directory (first on sys.path) holds lambda_function.py.
out="$(cd "$tmp" && PYTHONDONTWRITEBYTECODE=1 PYTHONPATH="$tmp/pyc_only:$tmp/runtime" "$ARM64_PYTHON" -c '
import json, platform, lambda_function, numpy, pydantic_core
assert platform.machine() == "aarch64", platform.machine()
assert lambda_function.__file__.endswith("lambda_function.pyc"), lambda_function.__file__
assert numpy.__file__.endswith("__init__.pyc"), numpy.__file__
print(json.dumps(lambda_function.handler({"x": 1, "y": 2, "radius": 3}, None)))' 2>&1)"
echo "    arm64 pyc-only handler output: $out"
expect "pyc-only zip runs under emulated arm64 CPython 3.11 from bytecode alone" 'grep -q "\\\\\"area\\\\\": 28.27" <<<"$out" && grep -q "\\\\\"numpy\\\\\": \\\\\"2.2.6\\\\\"" <<<"$out"'

# Bytecode in OCI layers (py_image_layer `bytecode`): the layers of a
# transitioned target, unpacked bottom to top as a container runtime would.
layers_of() { # TARGET [STARTUP_OPTION] -> the layer tarballs, bottom to top
  local exec_root
  exec_root="$("$BAZEL" ${2:+"$2"} info execution_root 2>/dev/null)"
  "$BAZEL" ${2:+"$2"} cquery --output=files "$1" 2>/dev/null | sed "s|^|$exec_root/|"
}
unpack_layers() { # DIR TARBALL...
  local dir=$1 t
  shift
  mkdir -p "$dir"
  for t in "$@"; do tar -xzf "$t" -C "$dir"; done
}
mapfile -t img_only < <(layers_of //:image_layers_python3_11_pyc_only)
mapfile -t img_pyc < <(layers_of //:image_layers_python3_11_pyc)
echo "    layers: ${img_only[*]##*/}"
unpack_layers "$tmp/img_only" "${img_only[@]}"
unpack_layers "$tmp/img_pyc" "${img_pyc[@]}"
expect "image layers pyc-only: numpy, packages, app; no .py file" '[[ "${img_only[*]##*/}" == "numpy.tar.gz packages.tar.gz app.tar.gz" ]] && [[ -z "$(find "$tmp/img_only" -name "*.py" | head -1)" ]] && [[ -f "$tmp/img_only/var/task/lambda_function.pyc" && -f "$tmp/img_only/opt/python/numpy/__init__.pyc" ]]'
expect "image layers pyc: sources with __pycache__/*.cpython-311.pyc, the same bytes as in the pyc zip" '[[ -f "$tmp/img_pyc/var/task/lambda_function.py" && -f "$tmp/img_pyc/var/task/__pycache__/lambda_function.cpython-311.pyc" ]] && python3 -c "
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
for name in (\"numpy/__pycache__/__init__.cpython-311.pyc\", \"pydantic/__pycache__/main.cpython-311.pyc\"):
    assert open(sys.argv[2] + \"/opt/python/\" + name, \"rb\").read() == z.read(name), name
" "$bin/deploy_python3_11_pyc.zip" "$tmp/img_pyc"'
out="$(cd "$tmp" && PYTHONDONTWRITEBYTECODE=1 PYTHONPATH="$tmp/img_only/var/task:$tmp/img_only/opt/python:$tmp/runtime" "$ARM64_PYTHON" -c '
import json, platform, lambda_function, numpy
assert platform.machine() == "aarch64", platform.machine()
assert lambda_function.__file__.endswith("/var/task/lambda_function.pyc"), lambda_function.__file__
assert numpy.__file__.endswith("/opt/python/numpy/__init__.pyc"), numpy.__file__
print(json.dumps(lambda_function.handler({"x": 1, "y": 2, "radius": 3}, None)))' 2>&1)"
echo "    arm64 pyc-only image handler output: $out"
expect "pyc-only image layers run under emulated arm64 CPython 3.11 from bytecode alone" 'grep -q "\\\\\"area\\\\\": 28.27" <<<"$out" && grep -q "\\\\\"numpy\\\\\": \\\\\"2.2.6\\\\\"" <<<"$out"'

sha1="$(sha256sum "$bin/deploy_python3_11.zip" | cut -d" " -f1)"
pyc_sha1="$(sha256sum "$bin/deploy_python3_11_pyc_only.zip" | cut -d" " -f1)"
"$BAZEL" --output_base="$repro_base" build //:deploy_python3_11 //:deploy_python3_11_pyc_only //:image_layers_python3_11_pyc_only >/dev/null 2>&1
bin2="$("$BAZEL" --output_base="$repro_base" info bazel-bin 2>/dev/null)"
sha2="$(sha256sum "$bin2/deploy_python3_11.zip" 2>/dev/null | cut -d" " -f1)"
pyc_sha2="$(sha256sum "$bin2/deploy_python3_11_pyc_only.zip" 2>/dev/null | cut -d" " -f1)"
echo "    sha256 $sha1 / $sha2; pyc-only $pyc_sha1 / $pyc_sha2"
expect "byte-reproducible across output bases" '[[ -n "$sha2" && "$sha1" == "$sha2" ]]'
expect "pyc-only zip byte-reproducible across output bases" '[[ -n "$pyc_sha2" && "$pyc_sha1" == "$pyc_sha2" ]]'
img_sha1="$(sha256sum "${img_only[@]}" | cut -d" " -f1 | paste -sd " ")"
mapfile -t img_only2 < <(layers_of //:image_layers_python3_11_pyc_only --output_base="$repro_base")
img_sha2="$(sha256sum "${img_only2[@]}" 2>/dev/null | cut -d" " -f1 | paste -sd " ")"
echo "    pyc-only layers $img_sha1 / $img_sha2"
expect "pyc-only image layers byte-reproducible across output bases" '[[ -n "$img_sha2" && "$img_sha1" == "$img_sha2" ]]'

echo
summary "smoke"
