#!/usr/bin/env bash
# Regenerates the checked-in snapshots of generated hub files
# (tests/hub/snapshots/*.snapshot) after a deliberate change of `ofiuco lock`'s output.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
tools/dev/bazel.sh build //tests/hub:hub
bin="$(tools/dev/bazel.sh info bazel-bin 2>/dev/null)/tests/hub/generated"
for name in BUILD.bazel defs.bzl _env/BUILD.bazel; do
  install -m 0644 "$bin/$name" "tests/hub/snapshots/${name//\//_}.snapshot"
done
git status --short tests/hub/snapshots
