#!/usr/bin/env bash
# Regenerates the checked-in generated files after a deliberate change of the
# helper's output: the hub snapshot (tests/hub/snapshots/*.snapshot), the Rust
# golden hubs (tools/hub/tests/golden), the lock models
# (tools/lock/tests/fixtures/*.expected.json) and ofiuco's environment table
# (python/private/envs_table.bzl).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
OFIUCO_UPDATE=1 cargo test -q -p ofiuco-hub --lib env_table >/dev/null
UPDATE_GOLDEN=1 cargo test -q -p ofiuco-hub --test golden >/dev/null
UPDATE_GOLDEN=1 cargo test -q -p ofiuco-lock --test golden >/dev/null
tools/dev/bazel.sh build //tests/hub:hub //tests/hub:hub_uv //tests/hub:hub_pylock
bin="$(tools/dev/bazel.sh info bazel-bin 2>/dev/null)/tests/hub"
install -m 0644 "$bin/generated/BUILD.bazel" tests/hub/snapshots/BUILD.bazel.snapshot
for fmt in uv pylock; do
  install -m 0644 "$bin/generated_$fmt/BUILD.bazel" "tests/hub/snapshots/${fmt}_BUILD.bazel.snapshot"
done
git status --short tests/hub/snapshots tools/hub/tests/golden tools/lock/tests/fixtures python/private/envs_table.bzl
