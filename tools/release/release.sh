#!/usr/bin/env bash
# Makes what a release of ofiuco publishes, from a git tag or commit:
#
#   OUT/ofiuco-VERSION.tar.gz      the source archive: `git archive` of REF with
#                                  MODULE.bazel's `version` set to VERSION,
#                                  everything under the prefix ofiuco-VERSION/
#   OUT/ofiuco-VERSION.tar.gz.sri  its BCR `integrity` string (sha256-<base64>)
#   OUT/source.json                .bcr/source.template.json filled in
#   OUT/ofiuco-VERSION-<os>_<cpu>  the prebuilt helpers (tools/release/helpers.sh,
#                                  built from REF): linux x86_64 and aarch64 here,
#                                  others given with --prebuilt KEY=FILE
#   OUT/SHA256SUMS                 their sha256
#   OUT/prebuilt_helpers.{json,bzl} their URL + sha256 table; the .bzl is also the
#                                  archive's python/private/prebuilt_helpers.bzl
#
#   tools/release/release.sh --version 0.2.0 [--ref v0.2.0] [--out dist]
#                            [--url URL]   # where the archive will be published
#                            [--helpers-url URL]  # where the helpers will be
#                            [--prebuilt KEY=FILE]...
#
# Defaults: REF is the tag `vVERSION` when it exists, else HEAD; OUT is `dist`;
# URL is the GitHub release asset that .bcr/source.template.json names (with
# OWNER/REPO from --repo OWNER/REPO, default `ofiuco/ofiuco`). The archive is
# byte-reproducible: its tar and gzip timestamps are REF's commit time, so two
# runs for one REF give the same integrity string (the helpers are built from
# REF's tree extracted at a fixed path, so cargo's second build is a no-op and
# gives the same bytes). Only committed files go in (a dirty work tree does
# not leak into a release). --helpers-url defaults to the GitHub release's
# download directory.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

version="" ref="" out="dist" url="" repo="ofiuco/ofiuco" helpers_url=""
prebuilt=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --version) version="$2"; shift 2 ;;
    --ref) ref="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --url) url="$2"; shift 2 ;;
    --repo) repo="$2"; shift 2 ;;
    --helpers-url) helpers_url="$2"; shift 2 ;;
    --prebuilt) prebuilt+=(--prebuilt "$2"); shift 2 ;;
    *) echo "error: unknown argument \`$1\`" >&2; echo "hint: tools/release/release.sh --version X.Y.Z [--ref REF] [--out DIR] [--url URL] [--repo OWNER/REPO] [--helpers-url URL] [--prebuilt KEY=FILE]..." >&2; exit 2 ;;
  esac
done
if [[ ! $version =~ ^[0-9]+\.[0-9]+\.[0-9]+([-.][0-9A-Za-z.-]+)?$ ]]; then
  echo "error: \`--version\` must be a version such as 0.2.0 or 0.2.0-rc.1, got \`$version\`" >&2
  exit 2
fi
if [[ -z $ref ]]; then
  if git rev-parse -q --verify "refs/tags/v$version" >/dev/null; then ref="v$version"; else ref=HEAD; fi
fi
commit="$(git rev-parse -q --verify "$ref^{commit}")" || {
  echo "error: \`$ref\` is not a commit of this repository" >&2
  echo "hint: pass a tag or commit with --ref (e.g. \`--ref v$version\`), or leave it out for the tag v$version or HEAD" >&2
  exit 2
}
tag="v$version"
prefix="ofiuco-$version"
# The Publish to BCR app fills placeholders in source.template.json only.
if grep -qF -e '{OWNER}' -e '{REPO}' .bcr/metadata.template.json; then
  echo "warning: .bcr/metadata.template.json still has {OWNER}/{REPO} placeholders, which the Publish to BCR app does not fill in" >&2
  echo "hint: put the real GitHub repository and the maintainers there before publishing (see .bcr/README.md)" >&2
fi
archive="$out/$prefix.tar.gz"
if [[ -z $url ]]; then
  url="https://github.com/$repo/releases/download/$tag/$prefix.tar.gz"
fi
if [[ -z $helpers_url ]]; then
  helpers_url="https://github.com/$repo/releases/download/$tag"
fi

# MODULE.bazel with the release's version: exactly one `version = "..."` in module().
module="$(git show "$commit:MODULE.bazel")"
count="$(grep -cE '^    version = "[^"]*",$' <<<"$module" || true)"
if [[ $count != 1 ]]; then
  echo "error: MODULE.bazel at $ref has $count lines \`    version = \"...\",\` (module()'s version); expected one" >&2
  exit 1
fi
module="$(sed -E "s/^    version = \"[^\"]*\",\$/    version = \"$version\",/" <<<"$module")"

# The prebuilt helpers, built from REF's tree (extracted at a fixed path, with
# git's commit-time mtimes, so that a second run is a no-op for cargo), and
# their table, which goes into the archive as python/private/prebuilt_helpers.bzl.
helpers_src="${CARGO_TARGET_DIR:-$PWD/target}/release-helpers/release-src"
rm -rf "$helpers_src" && mkdir -p "$helpers_src"
git archive --format=tar "$commit" | tar -x -C "$helpers_src"
tools/release/helpers.sh --version "$version" --base-url "$helpers_url" --out "$out" --source "$helpers_src" "${prebuilt[@]}"

# The released tree: REF's tree with that MODULE.bazel, committed (in a
# throwaway index, not on any branch) with REF's author and committer dates so
# that `git archive` stamps every entry with REF's time.
index="$(mktemp)"
trap 'rm -f "$index" "$archive.partial"' EXIT
export GIT_INDEX_FILE="$index"
git read-tree "$commit"
blob="$(git hash-object -w --stdin <<<"$module")"
git update-index --cacheinfo "100644,$blob,MODULE.bazel"
table_blob="$(git hash-object -w "$out/prebuilt_helpers.bzl")"
git update-index --cacheinfo "100644,$table_blob,python/private/prebuilt_helpers.bzl"
tree="$(git write-tree)"
unset GIT_INDEX_FILE
date="$(git show -s --format=%cI "$commit")"
release_commit="$(GIT_AUTHOR_NAME=ofiuco-release GIT_AUTHOR_EMAIL=release@ofiuco.invalid GIT_AUTHOR_DATE="$date" \
  GIT_COMMITTER_NAME=ofiuco-release GIT_COMMITTER_EMAIL=release@ofiuco.invalid GIT_COMMITTER_DATE="$date" \
  git commit-tree "$tree" -p "$commit" -m "ofiuco $version")"

mkdir -p "$out"
# gzip -n: no file name or time in the gzip header.
# Written beside and renamed, so that a failure leaves no partial archive.
git -c tar.tar.gz.command="gzip -cn9" archive --format=tar.gz --prefix="$prefix/" -o "$archive.partial" "$release_commit"
mv "$archive.partial" "$archive"
integrity="sha256-$(python3 -c 'import base64, hashlib, sys; print(base64.b64encode(hashlib.sha256(open(sys.argv[1], "rb").read()).digest()).decode())' "$archive")"
echo "$integrity" >"$archive.sri"

owner="${repo%%/*}" name="${repo#*/}"
python3 - "$out/source.json" "$url" "$integrity" "$prefix" <<'PY'
import json
import sys

path, url, integrity, prefix = sys.argv[1:]
with open(".bcr/source.template.json", encoding="utf-8") as f:
    source = json.load(f)
source.update(url=url, integrity=integrity, strip_prefix=prefix)
with open(path, "w", encoding="utf-8") as f:
    json.dump(source, f, indent=2, sort_keys=True)
    f.write("\n")
PY

echo "ofiuco $version from $ref ($commit), for $owner/$name:"
echo "  archive:        $archive ($(wc -c <"$archive") bytes)"
echo "  integrity:      $integrity"
echo "  strip_prefix:   $prefix"
echo "  url:            $url"
echo "  source.json:    $out/source.json"
echo "  helpers:        $(cd "$out" && sed 's/^[0-9a-f]*  //' SHA256SUMS | tr '\n' ' ')"
echo "  helper table:   $out/prebuilt_helpers.json (in the archive: python/private/prebuilt_helpers.bzl)"
