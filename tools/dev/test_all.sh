#!/usr/bin/env bash
# Runs every test of ofiuco: Rust (fmt, clippy, tests), Starlark lint, the
# root module's Bazel tests, each example module, and the end-to-end checks.
# Works on a fresh machine: tools/dev/bazel.sh provisions Bazel when none is on PATH.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
ROOT="$PWD"
# One cargo build directory for cargo and for the helper that Bazel builds.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
BAZEL="$ROOT/tools/dev/bazel.sh"

step() { printf '\n==> %s\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all --check
step "cargo clippy -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings
step "cargo test"
cargo test --workspace --locked 2>&1 | tee "$CARGO_TARGET_DIR/cargo-test.log" | grep -E '^(test result|running|error|failures|---- )' || true
grep -q '^test result: FAILED\|^error' "$CARGO_TARGET_DIR/cargo-test.log" && { cat "$CARGO_TARGET_DIR/cargo-test.log"; exit 1; }

step "buildifier"
tools/dev/buildifier.sh

step "bazel: provision"
"$BAZEL" --setup

stop_servers() {
  for dir in "$ROOT" "$ROOT"/examples/*/; do
    (cd "$dir" && "$BAZEL" shutdown >/dev/null 2>&1) || true
  done
}
trap stop_servers EXIT

step "bazel test //... (root module)"
"$BAZEL" test //...

for example in examples/*/; do
  [[ -f "$example/MODULE.bazel" ]] || continue
  step "bazel test //... in $example"
  (cd "$example" && "$BAZEL" test //...)
done

step "AWS Lambda zips under an emulated arm64 CPython"
tools/dev/arm64-python.sh --setup
examples/aws_lambda/smoke_test_arm64.sh

step "end-to-end checks"
tests/e2e/run.sh
