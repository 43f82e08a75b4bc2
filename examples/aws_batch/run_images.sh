#!/usr/bin/env bash
# The aws_batch example end to end: builds the worker's layers, its images for
# linux amd64 and arm64 and the multi-arch index in one `bazel build`, checks
# them with the OCI tools (umoci unpack, oci-image-tool validate, skopeo
# inspect), runs the amd64 image with runc and the arm64 one with runc too,
# its arm64 code under qemu-aarch64 through a binfmt_misc private to a user
# namespace (tools/dev/runc-userns.sh), checks the errors for a base of the
# wrong platform and a missing base, and that the same digests come out of a
# second output base.
#
#   examples/aws_batch/run_images.sh              # the checks above
#   examples/aws_batch/run_images.sh --incremental  # also: edit worker.py, count what is rebuilt
#
# Needs root (runc, apt-get for the tools). Sets up what is missing:
# tools/dev/oci-tools.sh and tools/dev/oci-base.sh.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
EXAMPLE="$PWD"
ROOT="$(cd ../.. && pwd)"
BAZEL="$ROOT/tools/dev/bazel.sh"
INCREMENTAL=0
[[ "${1:-}" == "--incremental" ]] && INCREMENTAL=1

"$ROOT/tools/dev/oci-tools.sh" --setup
"$ROOT/tools/dev/oci-base.sh" --setup

WORK="$(mktemp -d /tmp/ofiuco-aws-batch.XXXXXX)"
SECOND_BASE="$WORK/output-base-2"
cleanup() {
  (cd "$EXAMPLE" && "$BAZEL" --output_base="$SECOND_BASE" shutdown >/dev/null 2>&1) || true
  rm -rf "$WORK"
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
step() { printf '\n--> %s\n' "$*"; }

TARGETS=(//:layers //:image //:image_arm64 //:index)
step "bazel build ${TARGETS[*]}"
start=$SECONDS
"$BAZEL" build "${TARGETS[@]}"
echo "built in $((SECONDS - start)) s"
# Where a target's output is (the images are built in transitioned configurations).
output_of() { # TARGET [STARTUP_OPTION]
  local exec_root
  exec_root="$("$BAZEL" ${2:+"$2"} info execution_root 2>/dev/null)"
  echo "$exec_root/$("$BAZEL" ${2:+"$2"} cquery --output=files "$1" 2>/dev/null | head -1)"
}
IMAGE="$(output_of //:image)"
IMAGE_ARM64="$(output_of //:image_arm64)"
INDEX="$(output_of //:index)"

# python3 reads JSON here; it is the host's, not the image's.
json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2], {'d': d}))" "$@"; }

step "umoci unpack, oci-image-tool validate, skopeo inspect (each platform)"
for pair in "amd64:$IMAGE" "arm64:$IMAGE_ARM64"; do
  arch="${pair%%:*}" layout="${pair#*:}"
  # --rootless: a runtime config for runc in a user namespace (the arm64 run below).
  # (--log error: not the notes about the device nodes it cannot create.)
  umoci --log error unpack --rootless --image "$layout:latest" "$WORK/bundle-$arch" >/dev/null
  oci-image-tool validate --type image --ref name=latest "$layout"
  got="$(skopeo inspect --override-arch "$arch" "oci:$layout:latest" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["Os"], d["Architecture"], len(d["Layers"]))')"
  [[ "$got" == "linux $arch 4" ]] || fail "skopeo inspect $layout: expected 'linux $arch 4' (base + numpy + packages + app), got '$got'"
  echo "$arch: $got"
done
[[ -f "$WORK/bundle-arm64/rootfs/opt/python/numpy/__init__.py" ]] || fail "numpy is not in /opt/python of the arm64 image"
file "$WORK/bundle-arm64/rootfs/opt/python/numpy/_core/_multiarray_umath"*.so | grep -q aarch64 \
  || fail "numpy's extension in the arm64 image is not an aarch64 ELF file"

step "the index: both platforms, the same manifests as the single images"
nested="$INDEX/blobs/sha256/$(json "$INDEX/index.json" 'd["manifests"][0]["digest"][7:]')"
oci-image-tool validate --type imageIndex "$nested"
for pair in "amd64:$IMAGE" "arm64:$IMAGE_ARM64"; do
  arch="${pair%%:*}" layout="${pair#*:}"
  want="$(json "$layout/index.json" 'd["manifests"][0]["digest"]')"
  got="$(json "$nested" "[m['digest'] for m in d['manifests'] if m['platform']['architecture'] == '$arch'][0]")"
  [[ "$got" == "$want" ]] || fail "index: the $arch manifest is $got, the single image's is $want"
  seen="$(skopeo inspect --override-arch "$arch" "oci:$INDEX:latest" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Architecture"])')"
  [[ "$seen" == "$arch" ]] || fail "skopeo inspect --override-arch $arch of the index reads $seen"
  skopeo copy -q --override-arch "$arch" "oci:$INDEX:latest" "oci:$WORK/from-index-$arch:latest"
  umoci unpack --image "$WORK/from-index-$arch:latest" "$WORK/bundle-index-$arch" >/dev/null
  echo "$arch in the index: $got"
done

expect="$(python3 -c 'n = 1000; print(n * (n - 1) * (2 * n - 1) // 6)')"
check_output() { # ARCH OUTPUT
  python3 - "$1" "$2" "$expect" <<'PY' || fail "the $1 worker printed: $2"
import json, sys
arch, out, expect = sys.argv[1], json.loads(sys.argv[2]), int(sys.argv[3])
machine = {"amd64": "x86_64", "arm64": "aarch64"}[arch]
assert out["machine"] == machine, out
assert out["python"].startswith("3.11."), out
assert out["sum_of_squares"] == expect, out
assert out["job"] == "nightly", out
print(arch, "worker:", json.dumps(out, sort_keys=True))
PY
}

# umoci's runtime config asks for a terminal; the test has none.
no_terminal() { python3 -c 'import json,sys; p=sys.argv[1]; d=json.load(open(p)); d["process"]["terminal"]=False; json.dump(d,open(p,"w"))' "$1/config.json"; }

step "run the amd64 image with runc (natively)"
no_terminal "$WORK/bundle-amd64"
out="$("$ROOT/tools/dev/runc-userns.sh" "$WORK/bundle-amd64" "ofiuco-aws-batch-amd64-$$")"
check_output amd64 "$out"

step "run the arm64 image with runc, arm64 code under qemu-aarch64 (a private binfmt_misc in a user namespace)"
no_terminal "$WORK/bundle-arm64"
start=$SECONDS
out="$("$ROOT/tools/dev/runc-userns.sh" --arm64 "$WORK/bundle-arm64" "ofiuco-aws-batch-arm64-$$")"
echo "ran in $((SECONDS - start)) s"
check_output arm64 "$out"
# The registration lived in the namespace only.
[[ ! -e /proc/sys/fs/binfmt_misc/ofiuco-aarch64 ]] || fail "the qemu-aarch64 registration is visible outside the user namespace"

step "errors: the amd64 base for an arm64 image, a base that does not exist"
expect_build_error() { # TARGET MESSAGE...
  local target="$1" out message
  shift
  if out="$("$BAZEL" build --noshow_progress "$target" 2>&1)"; then
    fail "bazel build $target succeeded"
  fi
  for message in "$@"; do
    grep -qF -- "$message" <<<"$out" || fail "bazel build $target: expected '$message' in:"$'\n'"$out"
  done
  grep -E "^(ERROR: |error: )" <<<"$out" | grep -v "Build did NOT complete" | head -3
}
expect_build_error //:image_wrong_base "debian_python_amd64/layout.tar\` has no image for linux/arm64/v8: it has linux/amd64" \
  "hint: give a base layout for linux/arm64/v8"
expect_build_error //:image_missing_base "oci_layout_repo @missing_base: the base image layout" \
  "no-such-dir/base.tar\` does not exist" "hint: this path is missing on purpose"

step "reproducible: the same digests from a second output base"
digests() { # [STARTUP_OPTION]
  local t layers
  for t in //:image //:image_arm64 //:index; do
    json "$(output_of "$t" "$@")/index.json" 'd["manifests"][0]["digest"]'
  done
  layers="$(output_of //:layers "$@")"
  sha256sum "$(dirname "$layers")"/*.tar.gz | awk '{print $1}'
}
first="$(digests)"
start=$SECONDS
"$BAZEL" --output_base="$SECOND_BASE" build "${TARGETS[@]}" 2>/dev/null
echo "second output base: built in $((SECONDS - start)) s"
second="$(digests --output_base="$SECOND_BASE")"
[[ "$first" == "$second" ]] || fail "digests differ between output bases:"$'\n'"$first"$'\n'"---"$'\n'"$second"
echo "$first" | head -3

if [[ $INCREMENTAL == 1 ]]; then
  step "incremental: edit worker.py, count the actions that run"
  cp worker.py "$WORK/worker.py.orig"
  trap 'cp "$WORK/worker.py.orig" "$EXAMPLE/worker.py"; cleanup' EXIT
  echo "# edited by run_images.sh --incremental" >>worker.py
  "$BAZEL" build "${TARGETS[@]}" --execution_log_json_file="$WORK/exec.json" 2>/dev/null
  cp "$WORK/worker.py.orig" worker.py
  python3 - "$WORK/exec.json" <<'PY'
import collections, json, sys
decoder, text, pos = json.JSONDecoder(), open(sys.argv[1]).read(), 0
counts, layers = collections.Counter(), []
while pos < len(text):
    while pos < len(text) and text[pos].isspace():
        pos += 1
    if pos >= len(text):
        break
    entry, pos = decoder.raw_decode(text, pos)
    counts[entry.get("mnemonic", "?")] += 1
    if entry.get("mnemonic") == "OfiucoLayer":
        layers += [o["path"] for o in entry["actualOutputs"] if o["path"].endswith(".tar.gz")]
print("actions run after editing worker.py:", dict(sorted(counts.items())))
assert set(counts) <= {"OfiucoLayer", "OfiucoImage", "OfiucoImageIndex"}, counts
assert layers and all(p.endswith("/layers/app.tar.gz") for p in layers), layers
PY
fi
echo; echo "aws_batch images: all checks passed"
