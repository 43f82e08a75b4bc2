#!/usr/bin/env bash
# Rust extensions built from their sdists, end to end (issue #8, point 3), with
# no network in build actions: SudachiPy 0.7.0 (maturin + PyO3, 135 crates of
# its Cargo.lock vendored by checksum at fetch time) and bcrypt 5.0.0
# (setuptools-rust), with Rust 1.99.1 from ofiuco's pinned release archives and
# zig as the linker with glibc 2.26's stubs:
#   1. the AWS Lambda python3.11 arm64 zip cross-built on this x86_64 host;
#   2. each .so is aarch64, links no libpython, needs no GLIBC_ symbol version
#      above 2.26 (PyPI's only SudachiPy aarch64 wheels are manylinux_2_28);
#   3. unzipped and run under the emulated arm64 CPython 3.11: it tokenizes
#      and hashes and checks a password;
#   4. bcrypt and SudachiPy built for the host too (the python3.13 toolchain) and used by
#      //:host_test_3_13;
#   5. a second output base builds a byte-identical wheel and zip (skipped with
#      OFIUCO_TEST_RUST_REPRO=0, as tools/dev/test_all.sh does to stay in CI's
#      time: about 2 more minutes).
# shellcheck disable=SC2016,SC2034
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")" || exit 1
ROOT="$(cd ../.. && pwd -P)"
BAZEL="$ROOT/tools/dev/bazel.sh"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
NO_NET=(--sandbox_default_allow_network=false)
export OFIUCO_BAZEL_SANDBOX=linux
"$BAZEL" shutdown >/dev/null 2>&1
# shellcheck source=tools/dev/testlib.sh
source "$ROOT/tools/dev/testlib.sh"
tmp="$(mktemp -d)"
repro_base="$(mktemp -d /tmp/ofiuco-rustbuild-repro.XXXXXX)"
cleanup() {
  "$BAZEL" --output_base="$repro_base" shutdown >/dev/null 2>&1
  rm -rf "$tmp" "$repro_base"
}
trap cleanup EXIT
ZIP=deploy_python3_11_arm64

start=$SECONDS
if "$BAZEL" build "${NO_NET[@]}" "//:$ZIP"; then ok "python3.11 arm64 zip with SudachiPy and bcrypt built from their sdists, no network"; else ko "build of the zip"; fi
echo "    build: $((SECONDS - start)) s"
bin="$("$BAZEL" info bazel-bin 2>/dev/null)"
fn="$tmp/fn"
python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' "$bin/$ZIP.zip" "$fn"
sos="$(cd "$fn" && find . -name '*.so' | sort)"
echo "    shared objects: $(tr '\n' ' ' <<<"$sos")"
expect "SudachiPy's Rust extension (maturin) is in the zip" 'grep -q "^./sudachipy/sudachipy.abi3.so$" <<<"$sos"'
expect "bcrypt's Rust extension (setuptools-rust) is in the zip" 'grep -q "^./bcrypt/_bcrypt\.[a-z0-9_-]*\.so$" <<<"$sos"'
all_arm=1
max_glibc="0"
while read -r so; do
  [[ -n "$so" ]] || continue
  readelf -h "$fn/$so" | grep -q "Machine:.*AArch64" || { all_arm=0; echo "    not aarch64: $so"; }
  if readelf -d "$fn/$so" | grep -q 'NEEDED.*libpython'; then all_arm=0; echo "    links libpython: $so"; fi
  v="$(readelf -V --wide "$fn/$so" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -V | tail -1)"
  [[ -n "$v" ]] && max_glibc="$(printf '%s\n%s\n' "$max_glibc" "$v" | sort -V | tail -1)"
done <<<"$sos"
echo "    highest GLIBC_ symbol version: $max_glibc"
expect "every .so is aarch64 and links no libpython" '[[ $all_arm == 1 && -n "$sos" ]]'
expect "no GLIBC_ symbol version above 2.26" '[[ "$max_glibc" != 0 && "$(printf "%s\n2.26\n" "$max_glibc" | sort -V | tail -1)" == 2.26 ]]'

"$ROOT/tools/dev/arm64-python.sh" --python 3.11 --setup
out="$(cd "$tmp" && PYTHONPATH="$fn" "$ROOT/tools/dev/arm64-python.sh" --python 3.11 -c '
import json, platform, sys, bcrypt, lambda_function, sudachipy
assert sys.version_info[:2] == (3, 11), sys.version
assert platform.machine() == "aarch64", platform.machine()
assert sudachipy.__file__.startswith(sys.argv[1]) and bcrypt.__file__.startswith(sys.argv[1])
print(json.dumps(lambda_function.handler({"text": "\u56fd\u5bb6\u516c\u52d9\u54e1\u306e\u7d66\u4e0e"}, None), ensure_ascii=False))' "$fn" 2>&1)"
echo "    handler output under emulated arm64 CPython 3.11: $out"
want='{"tokens": [["国家", "名詞", "国家"], ["公務", "名詞", "公務"], ["員", "接尾辞", "員"], ["の", "助詞", "の"], ["給与", "名詞", "給与"]], "bcrypt_ok": true, "bcrypt_rejects": true}'
expect "the zip tokenizes Japanese and checks a bcrypt hash under emulated arm64 CPython 3.11" '[[ "$out" == "$want" ]]'

start=$SECONDS
if "$BAZEL" test "${NO_NET[@]}" //:host_test_3_13; then ok "host test (python3.13): bcrypt and SudachiPy built from their sdists for linux x86_64, no network"; else ko "host test"; fi
echo "    host test: $((SECONDS - start)) s"

if [[ "${OFIUCO_TEST_RUST_REPRO:-1}" == 0 ]]; then
  echo
  summary "rust build"
  exit
fi

# Reproducible: a second output base (other sandbox, execroot and temp paths).
wheels() { find "$1" -path '*/bin/external/*/_ofiuco_build/*' \( -name 'sudachipy-*_aarch64.whl' -o -name 'bcrypt-*_aarch64.whl' \) ! -path '*/raw/*' -print0 2>/dev/null | xargs -0 -r sha256sum | sed "s|$1/[^/]*/bin/||" | sort; }
w1="$(wheels "$("$BAZEL" info output_path 2>/dev/null)")"
sha1="$(sha256sum "$bin/$ZIP.zip" | cut -d" " -f1)"
start=$SECONDS
"$BAZEL" --output_base="$repro_base" build "${NO_NET[@]}" "//:$ZIP" >"$tmp/repro.log" 2>&1 || tail -30 "$tmp/repro.log"
echo "    second output base: $((SECONDS - start)) s"
bin2="$("$BAZEL" --output_base="$repro_base" info bazel-bin 2>/dev/null)"
w2="$(wheels "$("$BAZEL" --output_base="$repro_base" info output_path 2>/dev/null)")"
sha2="$(sha256sum "$bin2/$ZIP.zip" 2>/dev/null | cut -d" " -f1)"
printf '    wheel %s\n' "${w1//$'\n'/$'\n    wheel '}"
[[ "$w1" == "$w2" ]] || printf '    other %s\n' "${w2//$'\n'/$'\n    other '}"
echo "    zip sha256 $sha1 / $sha2"
# Every wheel of the second output base is one of the first's (which may hold
# older outputs of other configurations too).
expect "built wheel byte-identical across output bases" '[[ -n "$w2" ]] && ! grep -vxF -f <(printf "%s\n" "$w1") <<<"$w2" >/dev/null'
expect "zip byte-identical across output bases" '[[ -n "$sha2" && "$sha1" == "$sha2" ]]'

echo
summary "rust build"
