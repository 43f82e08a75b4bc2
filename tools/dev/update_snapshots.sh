#!/usr/bin/env bash
# Regenerates the checked-in generated files after a deliberate change of the
# helper's output: the hub snapshot (tests/hub/snapshots/*.snapshot), the Rust
# golden hubs (tools/hub/tests/golden), the lock models
# (tools/lock/tests/fixtures/*.expected.json), ofiuco's environment table
# (python/private/envs_table.bzl) and the rule reference (docs/reference/*.md,
# rendered from the public .bzl files' docstrings).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
OFIUCO_UPDATE=1 cargo test -q -p ofiuco-hub --lib env_table >/dev/null
UPDATE_GOLDEN=1 cargo test -q -p ofiuco-hub --test golden >/dev/null
UPDATE_GOLDEN=1 cargo test -q -p ofiuco-lock --test golden >/dev/null
tools/dev/bazel.sh build //tests/hub:hub //tests/hub:hub_uv //tests/hub:hub_pylock //docs:reference //tools/docs:kinds.md
bin="$(tools/dev/bazel.sh info bazel-bin 2>/dev/null)"
install -m 0644 "$bin/tests/hub/generated/BUILD.bazel" tests/hub/snapshots/BUILD.bazel.snapshot
for fmt in uv pylock; do
  install -m 0644 "$bin/tests/hub/generated_$fmt/BUILD.bazel" "tests/hub/snapshots/${fmt}_BUILD.bazel.snapshot"
done
# Pages of public .bzl files that are gone go too.
rm -f docs/reference/*.md
install -m 0644 "$bin"/docs/generated/*.md docs/reference/
# The renderer's golden page (every kind of item).
install -m 0644 "$bin/tools/docs/generated/kinds.md" tools/docs/testdata/kinds.md
git status --short tests/hub/snapshots tools/hub/tests/golden tools/lock/tests/fixtures python/private/envs_table.bzl docs/reference tools/docs/testdata
