#!/usr/bin/env bash
# Builds the prebuilt `ofiuco` helpers a release publishes (issue #11) and
# writes their URL + sha256 table: static musl binaries for linux x86_64 and
# aarch64, built here (aarch64 cross-compiled, linked by rust-lld with the
# target's self-contained musl), plus any binaries built elsewhere (macOS,
# Windows) passed with --prebuilt.
#
#   tools/release/helpers.sh --version VERSION --base-url URL [--out DIR]
#                            [--source DIR] [--prebuilt KEY=FILE]...
#
# VERSION is the ofiuco release (MODULE.bazel's version; the table is only
# used by that version). URL is where the release's files will be served from
# (e.g. the GitHub release download URL, or http://127.0.0.1:PORT for a local
# mirror); each binary is named ofiuco-VERSION-KEY (`.exe` for Windows), KEY
# one of linux_x86_64 linux_aarch64 macos_aarch64 macos_x86_64 windows_x86_64
# (python/private/helper_extension.bzl's HELPER_PLATFORMS). DIR (default
# dist/) gets the binaries, SHA256SUMS, prebuilt_helpers.json (what
# `--repo_env=OFIUCO_HELPER_TABLE=` reads) and prebuilt_helpers.bzl (what
# tools/release/release.sh puts into the archive as
# python/private/prebuilt_helpers.bzl). --source builds another tree (release.sh
# passes the released commit's); default this checkout. Paths of the source
# tree are remapped to /ofiuco, so the binaries do not depend on where it
# lives. Needs rustup (targets are added when missing). Costs two release
# builds, ~2-4 min of cargo on 2 cores; CARGO_TARGET_DIR/release-helpers
# (default target/release-helpers of this checkout) makes reruns cheap.
set -euo pipefail
SELF="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"
usage() {
  echo "hint: tools/release/helpers.sh --version VERSION --base-url URL [--out DIR] [--source DIR] [--prebuilt KEY=FILE]..." >&2
  exit 2
}
VERSION="" BASE_URL="" OUT="$SELF/dist" SRC="$SELF"
declare -A EXTRA=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --version) VERSION="$2"; shift 2 ;;
    --base-url) BASE_URL="${2%/}"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    --source) SRC="$(cd "$2" && pwd -P)"; shift 2 ;;
    --prebuilt)
      key="${2%%=*}" file="${2#*=}"
      case "$key" in
        macos_aarch64 | macos_x86_64 | windows_x86_64 | linux_x86_64 | linux_aarch64) ;;
        *) echo "error: \`--prebuilt $2\`: \`$key\` is not one of linux_x86_64 linux_aarch64 macos_aarch64 macos_x86_64 windows_x86_64" >&2; usage ;;
      esac
      [[ -f "$file" ]] || { echo "error: \`--prebuilt $2\`: \`$file\` is not a file" >&2; usage; }
      EXTRA[$key]="$file"
      shift 2
      ;;
    *) echo "error: unknown argument \`$1\`" >&2; usage ;;
  esac
done
if [[ ! $VERSION =~ ^[0-9]+\.[0-9]+\.[0-9]+([-.][0-9A-Za-z.-]+)?$ ]]; then
  echo "error: \`--version\` must be a version such as 0.2.0 or 0.2.0-rc.1, got \`$VERSION\`" >&2
  usage
fi
[[ -n "$BASE_URL" ]] || { echo "error: \`--base-url\` is missing" >&2; usage; }
# Its own directory: these builds have their own RUSTFLAGS.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$SELF/target}/release-helpers"

# key (python/private/helper_extension.bzl's HELPER_PLATFORMS) -> Rust target
declare -A TARGETS=([linux_x86_64]=x86_64-unknown-linux-musl [linux_aarch64]=aarch64-unknown-linux-musl)
installed="$(rustup target list --installed)"
for key in "${!TARGETS[@]}"; do
  [[ -n "${EXTRA[$key]:-}" ]] && continue
  target="${TARGETS[$key]}"
  grep -qx "$target" <<<"$installed" || rustup target add "$target"
done

# Everything goes to a scratch directory first, then into OUT: a failure leaves no partial table.
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
for key in "${!TARGETS[@]}"; do
  [[ -n "${EXTRA[$key]:-}" ]] && continue
  target="${TARGETS[$key]}"
  env_target="$(tr 'a-z-' 'A-Z_' <<<"$target")"
  echo "ofiuco: building the helper for $key ($target)" >&2
  env "CARGO_TARGET_${env_target}_LINKER=rust-lld" \
    RUSTFLAGS="--remap-path-prefix=$SRC=/ofiuco -C target-feature=+crt-static" \
    cargo build --release --locked --bin ofiuco --target "$target" --manifest-path "$SRC/Cargo.toml"
  cp "$CARGO_TARGET_DIR/$target/release/ofiuco" "$stage/ofiuco-$VERSION-$key"
done
for key in "${!EXTRA[@]}"; do
  suffix=""
  [[ $key == windows_* ]] && suffix=".exe"
  cp "${EXTRA[$key]}" "$stage/ofiuco-$VERSION-$key$suffix"
done

(cd "$stage" && sha256sum ofiuco-"$VERSION"-* >SHA256SUMS)
python3 - "$stage" "$VERSION" "$BASE_URL" <<'PY'
import json
import sys

stage, version, base_url = sys.argv[1:]
prefix = f"ofiuco-{version}-"
helpers = {}
with open(f"{stage}/SHA256SUMS", encoding="utf-8") as f:
    for line in f:
        sha256, name = line.split()
        key = name[len(prefix) :].removesuffix(".exe")
        helpers[key] = {"sha256": sha256, "url": f"{base_url}/{name}"}
table = json.dumps({"helpers": helpers, "version": version}, indent=4, sort_keys=True)
with open(f"{stage}/prebuilt_helpers.json", "w", encoding="utf-8") as f:
    f.write(table + "\n")
with open(f"{stage}/prebuilt_helpers.bzl", "w", encoding="utf-8") as f:
    f.write(f'"""The prebuilt `ofiuco` helpers of ofiuco {version}: written by tools/release/helpers.sh, do not edit."""\n\n')
    f.write(f"PREBUILT_HELPERS = {table}\n")
PY
mkdir -p "$OUT"
for f in "$stage"/*; do
  mv -f "$f" "$OUT/"
done
echo "ofiuco: wrote $OUT/prebuilt_helpers.json, prebuilt_helpers.bzl and SHA256SUMS:" >&2
cat "$OUT/SHA256SUMS" >&2
