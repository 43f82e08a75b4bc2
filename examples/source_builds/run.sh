#!/usr/bin/env bash
# Builds from sdists, end to end (issue #8), with no network in build actions:
#   1. host tests: crcmod and cwcwidth built for the host (python3.13 and
#      python3.14 toolchains) and exercised by //:host_test_3_13 / _3_14;
#   2. the AWS Lambda python3.13 arm64 zip cross-built here, unzipped and run
#      under the emulated arm64 CPython 3.13 (results, not just imports);
#   3. every .so in the zip is aarch64 and needs no GLIBC_ symbol above 2.34;
#   4. a second output base builds byte-identical wheels and zip.
# expect() evals its check when it runs, so checks are single-quoted (SC2016)
# and the variables they read look unused to shellcheck (SC2034).
# shellcheck disable=SC2016,SC2034
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")" || exit 1
ROOT="$(cd ../.. && pwd -P)"
BAZEL="$ROOT/tools/dev/bazel.sh"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
NO_NET=(--sandbox_default_allow_network=false)
# Bazel's linux-sandbox (network namespaces) in tools/dev/bazel.sh's chroot;
# a server started without it falls back to processwrapper-sandbox.
export OFIUCO_BAZEL_SANDBOX=linux
"$BAZEL" shutdown >/dev/null 2>&1
# shellcheck source=tools/dev/testlib.sh
source "$ROOT/tools/dev/testlib.sh"
tmp="$(mktemp -d)"
repro_base="$(mktemp -d /tmp/ofiuco-srcbuild-repro.XXXXXX)"
cleanup() {
  "$BAZEL" --output_base="$repro_base" shutdown >/dev/null 2>&1
  rm -rf "$tmp" "$repro_base"
}
trap cleanup EXIT

start=$SECONDS
if "$BAZEL" test "${NO_NET[@]}" //...; then ok "host tests (python3.13, python3.14), built from sdists with no network"; else ko "host tests"; fi
echo "    host tests: $((SECONDS - start)) s"

# An AWS Lambda arm64 zip, unzipped and checked: both extensions are in it,
# every .so is aarch64, links no libpython and needs no GLIBC_ symbol version
# above the preset's ceiling (read from the .so files' version needs), and the
# handler computes the right results under the emulated arm64 CPython.
check_zip() {
  local python="$1" ceiling="$2" zip_name="deploy_python${1/./_}_arm64"
  local start=$SECONDS
  "$BAZEL" build "${NO_NET[@]}" "//:$zip_name" || { ko "build of the python$python arm64 zip"; return 1; }
  echo "    python$python arm64 zip: $((SECONDS - start)) s"
  local fn="$tmp/fn$python" tag="cpython-${python/./}-aarch64-linux-gnu"
  python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' "$bin/$zip_name.zip" "$fn"
  sos="$(cd "$fn" && find . -name '*.so' | sort)"
  echo "    shared objects: $(tr '\n' ' ' <<<"$sos")"
  expect "python$python: crcmod's C extension is in the zip" 'grep -q "^./crcmod/_crcfunext.$tag.so$" <<<"$sos"'
  expect "python$python: cwcwidth's Cython extension is in the zip" 'grep -q "^./cwcwidth/_impl.$tag.so$" <<<"$sos"'
  all_arm=1
  max_glibc="0"
  while read -r so; do
    [[ -n "$so" ]] || continue
    readelf -h "$fn/$so" | grep -q "Machine:.*AArch64" || { all_arm=0; echo "    not aarch64: $so"; }
    v="$(readelf -V --wide "$fn/$so" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -V | tail -1)"
    [[ -n "$v" ]] && max_glibc="$(printf '%s\n%s\n' "$max_glibc" "$v" | sort -V | tail -1)"
    if readelf -d "$fn/$so" | grep -q 'NEEDED.*libpython'; then all_arm=0; echo "    links libpython: $so"; fi
  done <<<"$sos"
  echo "    highest GLIBC_ symbol version: $max_glibc"
  expect "python$python: every .so is aarch64 and links no libpython" '[[ $all_arm == 1 && -n "$sos" ]]'
  expect "python$python: no GLIBC_ symbol version above $ceiling" '[[ "$(printf "%s\n%s\n" "$max_glibc" "$ceiling" | sort -V | tail -1)" == "$ceiling" ]]'

  "$ROOT/tools/dev/arm64-python.sh" --python "$python" --setup
  out="$(cd "$tmp" && PYTHONPATH="$fn" "$ROOT/tools/dev/arm64-python.sh" --python "$python" -c '
import json, platform, sys, zlib, crcmod, crcmod._crcfunext, crcmod.predefined, cwcwidth, lambda_function
assert sys.version_info[:2] == tuple(int(p) for p in sys.argv[1].split(".")), sys.version
assert sys.modules["crcmod.crcmod"]._usingExtension and crcmod._crcfunext.__file__.endswith(".so")
assert platform.machine() == "aarch64", platform.machine()
crc = crcmod.predefined.mkCrcFun("crc-32")
data = bytes(range(256)) * 9
assert crc(data) == zlib.crc32(data) and crc(b"123456789") == 0xCBF43926
assert (cwcwidth.wcwidth("a"), cwcwidth.wcwidth("\u4e2d"), cwcwidth.wcwidth("\u0301")) == (1, 2, 0)
print(json.dumps(lambda_function.handler({"text": "\u4e2d\u6587ok"}, None), sort_keys=True))' "$python" 2>&1)"
  echo "    python$python arm64 handler output: $out"
  want="{\"crc32\": \"$(python3 -c 'import zlib; print("%08x" % zlib.crc32("\u4e2d\u6587ok".encode()))')\", \"crcmod_native\": true, \"width\": 6}"
  expect "python$python: the zip runs under emulated arm64 CPython $python with both extensions" '[[ "$out" == "$want" ]]'
}

bin="$("$BAZEL" info bazel-bin 2>/dev/null)"
# AWS Lambda python3.13 (Amazon Linux 2023, glibc 2.34) and python3.11
# (Amazon Linux 2, glibc 2.26; built by the python3.11 exec interpreter).
check_zip 3.13 2.34
check_zip 3.11 2.26
zip="$bin/deploy_python3_13_arm64.zip"

# Reproducible: a second output base (other sandbox and temp paths) builds the same bytes.
# The zip's wheels are built in py_zip's (transitioned) configuration: look in
# every bin directory, for the python3.13 aarch64 ones (the first output base
# also has the host tests' and the python3.11 zip's, which the second does not build).
wheels() { find "$1" -path '*/bin/external/*/_ofiuco_build/*' -name '*-cp313-*_aarch64.whl' ! -path '*/raw/*' -print0 2>/dev/null | xargs -0 -r sha256sum | sed "s|$1/[^/]*/bin/||" | sort; }
w1="$(wheels "$("$BAZEL" info output_path 2>/dev/null)")"
sha1="$(sha256sum "$zip" | cut -d" " -f1)"
start=$SECONDS
"$BAZEL" --output_base="$repro_base" build "${NO_NET[@]}" //:deploy_python3_13_arm64 >"$tmp/repro.log" 2>&1 || tail -30 "$tmp/repro.log"
echo "    second output base: $((SECONDS - start)) s"
bin2="$("$BAZEL" --output_base="$repro_base" info bazel-bin 2>/dev/null)"
w2="$(wheels "$("$BAZEL" --output_base="$repro_base" info output_path 2>/dev/null)")"
sha2="$(sha256sum "$bin2/deploy_python3_13_arm64.zip" 2>/dev/null | cut -d" " -f1)"
printf '    wheel %s\n' "${w1//$'\n'/$'\n    wheel '}"
[[ "$w1" == "$w2" ]] || printf '    other %s\n' "${w2//$'\n'/$'\n    other '}"
echo "    zip sha256 $sha1 / $sha2"
expect "built wheels byte-identical across output bases" '[[ -n "$w1" && "$w1" == "$w2" ]]'
expect "zip byte-identical across output bases" '[[ -n "$sha2" && "$sha1" == "$sha2" ]]'

# 5. The host's own C compiler (the C++ toolchain Bazel configures from
# Debian's gcc) instead of zig, for the host builds.
# Which compiler made a wheel's shared objects: their .comment sections
# ("GCC: (Debian ...)" for gcc; clang and LLD for zig).
compilers() {
  find "$("$BAZEL" info output_path 2>/dev/null)" -path '*/_ofiuco_build/*' -name "*_x86_64.whl" ! -path '*/raw/*' -newer "$1" -print0 2>/dev/null |
    while IFS= read -r -d '' whl; do
      rm -rf "$tmp/so" && mkdir "$tmp/so"
      python3 -c 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); [z.extract(n, sys.argv[2]) for n in z.namelist() if n.endswith(".so")]' "$whl" "$tmp/so"
      find "$tmp/so" -name '*.so' -exec readelf -p .comment {} + | grep -o 'GCC: .*\|clang version [0-9.]*\|Linker: LLD' | sort -u
    done | sort -u
}
start=$SECONDS
touch "$tmp/gcc-stamp"
if "$BAZEL" test "${NO_NET[@]}" --@ofiuco//python/config:build_cc=toolchain //:host_test_3_13; then
  ok "host tests (python3.13) with the sdists compiled by the host's C/C++ toolchain (build_cc=toolchain)"
else
  ko "host tests with build_cc=toolchain"
fi
echo "    host tests with gcc: $((SECONDS - start)) s"
made_by="$(compilers "$tmp/gcc-stamp")"
echo "    compilers of those wheels: $(tr '\n' ';' <<<"$made_by")"
expect "build_cc=toolchain: the host wheels were compiled by gcc, not zig" \
  'grep -q "^GCC: " <<<"$made_by" && ! grep -q "clang\|LLD" <<<"$made_by"'

echo
summary "source builds"
