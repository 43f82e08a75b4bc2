#!/usr/bin/env bash
# Rehearses a release locally, as the Bazel Central Registry would consume it:
#
#   1. tools/release/release.sh builds the source archive of HEAD (committed
#      files only), its integrity string and source.json;
#   2. the integrity string is recomputed independently (openssl, not the
#      release script's Python) and compared, and so is source.json's; the
#      archive must hold MODULE.bazel with the release version under the
#      prefix, and a second run must give the same bytes;
#   3. a copy of examples/basic uses ofiuco through
#      `archive_override(urls = ["file://..."], integrity = ..., strip_prefix = ...)`
#      instead of local_path_override, and `bazel test //...` runs there, its
#      actions on the release's prebuilt x86_64 helper (the helpers' URLs are
#      file:// URLs of the release directory).
#
#   tools/release/rehearse.sh [VERSION]     # default: MODULE.bazel's version + "-rehearsal"
#
# Costs a Bazel server and the two musl release builds of the helpers from
# HEAD's tree (tools/release/helpers.sh; in CARGO_TARGET_DIR/release-helpers,
# a no-op the second time); the consumer downloads the prebuilt helper
# instead of building it. Before the helpers were released with it (one
# cargo build of the helper from the extracted archive): 7m48s measured on a
# shared 2-core machine at load ~15.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"
cd "$ROOT"
BAZEL="$ROOT/tools/dev/bazel.sh"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
base="$(sed -nE 's/^    version = "([^"]*)",$/\1/p' MODULE.bazel)"
version="${1:-$base-rehearsal}"
WS="$(mktemp -d /tmp/ofiuco-rehearse.XXXXXX)"
cleanup() {
  if [[ -d "$WS/consumer" ]]; then
    (cd "$WS/consumer" && "$BAZEL" shutdown >/dev/null 2>&1) || true
  fi
  rm -rf "$WS"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  exit 1
}

echo "==> release.sh --version $version --ref HEAD"
tools/release/release.sh --version "$version" --ref HEAD --out "$WS/dist" --helpers-url "file://$WS/dist"
archive="$WS/dist/ofiuco-$version.tar.gz"
prefix="ofiuco-$version"

echo "==> bad input: one error naming it, nothing written"
for args in "--version bogus" "--version $version --ref no-such-ref"; do
  # shellcheck disable=SC2086 # word splitting of $args is meant
  if out="$(tools/release/release.sh $args --out "$WS/bad" 2>&1)"; then
    fail "release.sh $args succeeded"
  fi
  grep -q '^error: ' <<<"$out" || fail "release.sh $args gave no error line: $out"
  [[ ! -e "$WS/bad" ]] || fail "release.sh $args wrote $WS/bad"
done
echo "ok"

echo "==> integrity, independently"
integrity="$(cat "$archive.sri")"
expected="sha256-$(openssl dgst -sha256 -binary "$archive" | openssl base64 -A)"
[[ $integrity == "$expected" ]] || fail "release.sh says $integrity, openssl says $expected"
in_source="$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["integrity"])' "$WS/dist/source.json")"
[[ $in_source == "$expected" ]] || fail "source.json has integrity $in_source, the archive is $expected"
tar -xzf "$archive" -C "$WS" "$prefix/MODULE.bazel"
grep -qx "    version = \"$version\"," "$WS/$prefix/MODULE.bazel" ||
  fail "$prefix/MODULE.bazel in the archive does not carry version $version"
if tar -tzf "$archive" | grep -qv "^$prefix/"; then
  fail "the archive has entries outside $prefix/"
fi
tools/release/release.sh --version "$version" --ref HEAD --out "$WS/dist2" --helpers-url "file://$WS/dist" >/dev/null
cmp -s "$archive" "$WS/dist2/ofiuco-$version.tar.gz" || fail "two runs gave different archives"
echo "ok: $integrity (openssl agrees; source.json agrees; reproducible)"

echo "==> examples/basic through archive_override(file://...)"
mkdir "$WS/consumer"
git ls-files -z examples/basic | while IFS= read -r -d '' f; do
  install -D -m 0644 "$f" "$WS/consumer/${f#examples/basic/}"
done
python3 - "$WS/consumer/MODULE.bazel" "$archive" "$integrity" "$prefix" <<'PY'
import re
import sys

path, archive, integrity, prefix = sys.argv[1:]
text = open(path, encoding="utf-8").read()
override = re.compile(r'local_path_override\(\n    module_name = "ofiuco",\n    path = "\.\./\.\.",\n\)\n')
if len(override.findall(text)) != 1:
    sys.exit(f"error: {path} has no (or several) local_path_override of ofiuco to replace")
replacement = (
    "archive_override(\n"
    '    module_name = "ofiuco",\n'
    f'    integrity = "{integrity}",\n'
    f'    strip_prefix = "{prefix}",\n'
    f'    urls = ["file://{archive}"],\n'
    ")\n"
)
open(path, "w", encoding="utf-8").write(override.sub(replacement, text))
PY
grep -q 'archive_override' "$WS/consumer/MODULE.bazel" || fail "MODULE.bazel was not rewritten"
(cd "$WS/consumer" && "$BAZEL" test //...) || fail "bazel test //... of examples/basic through the archive"
# The tests ran against the archive, not this checkout: ofiuco's repository is the extracted archive.
ofiuco_dir="$(cd "$WS/consumer" && "$BAZEL" info output_base 2>/dev/null)/external/ofiuco~"
grep -qx "    version = \"$version\"," "$ofiuco_dir/MODULE.bazel" ||
  fail "the consumer's @ofiuco ($ofiuco_dir) is not the released archive"
exes="$(cd "$WS/consumer" && "$BAZEL" aquery 'mnemonic("OfiucoInstall", deps(//:venv))' 2>/dev/null | grep -oE '^  Command Line: \(exec [^ ]+' | sort -u)"
grep -qE 'ofiuco_helper_linux_x86_64/ofiuco$' <<<"$exes" || fail "the consumer's actions do not run the release's prebuilt helper: $exes"
echo "ok: examples/basic passes with ofiuco $version from $archive, on its prebuilt helper"
