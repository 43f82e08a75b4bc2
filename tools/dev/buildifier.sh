#!/usr/bin/env bash
# Formats and lints every Starlark file with buildifier (npm package
# @bazel/buildifier, installed once into ~/.cache/ofiuco-tools).
#
#   tools/dev/buildifier.sh          # check (CI): fails on unformatted files or lint warnings
#   tools/dev/buildifier.sh --fix    # rewrite files and apply lint fixes
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
VERSION=8.2.1
TOOLS="${OFIUCO_TOOLS_DIR:-$HOME/.cache/ofiuco-tools}"
BIN="$TOOLS/node_modules/.bin/buildifier"
if [[ "$("$BIN" --version 2>/dev/null)" != *"$VERSION"* ]]; then
  mkdir -p "$TOOLS"
  npm install --silent --no-audit --no-fund --prefix "$TOOLS" "@bazel/buildifier@$VERSION" >/dev/null
fi
mapfile -t files < <(git ls-files --cached --others --exclude-standard \
  '*.bzl' '*.bazel' 'BUILD' 'WORKSPACE' '*.BUILD' | grep -vE '\.snapshot$|^tools/hub/tests/golden/' || true)
if [[ "${1:-}" == "--fix" ]]; then
  "$BIN" --lint=fix --warnings=all "${files[@]}"
else
  "$BIN" --mode=check --lint=warn --warnings=all "${files[@]}"
fi
