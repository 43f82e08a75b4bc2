#!/usr/bin/env bash
# The helper toolchain (issue #11): build actions run the `ofiuco` helper that
# Bazel resolves for their execution platform.
#
#   tests/helper_toolchain/run.sh
#
# 1. tools/release/helpers.sh builds the static musl helpers for linux x86_64
#    and aarch64 (cross-compiled) and their table, served by a mirror on
#    127.0.0.1 (python3 -m http.server, stopped by its PID).
# 2. The download path, in a copy of examples/basic with a fresh output base
#    and HOME, so that there is no `cargo` inside Bazel's chroot at all: the
#    table comes from --repo_env=OFIUCO_HELPER_TABLE; `bazel test //...`
#    passes, every OfiucoInstall/OfiucoVenv action runs the downloaded x86_64
#    helper (bazel aquery), the mirror served it, and it did not serve the
#    aarch64 helper (fetched only when resolved). With an empty table the same
#    workspace fails with ofiuco's "`cargo` is not on PATH" error (so no cargo
#    was reachable), and a table of another version is refused.
# 3. An arm64 linux execution platform (--extra_execution_platforms): the
#    actions resolve the aarch64 helper (aquery), now fetched from the mirror.
# 4. The fallback: the root module (no table) runs the cargo-built host helper.
#
# Costs: the two musl release builds, ~2-4 min of cargo on 2 cores the first
# time (CARGO_TARGET_DIR, default target/, keeps them; then seconds); a Bazel
# server with a fresh output base (~1-2 min, examples/basic's wheels come from
# a repository cache kept in $OFIUCO_HELPER_TEST_CACHE between runs, minus
# the helpers, which are removed from it so that they come from the mirror);
# an aquery in the root module.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"
cd "$ROOT"
BAZEL="$ROOT/tools/dev/bazel.sh"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
REPOS="${OFIUCO_HELPER_TEST_CACHE:-/tmp/ofiuco-helper-toolchain-repos-$(id -u)}"
version="$(sed -nE 's/^    version = "([^"]*)",$/\1/p' MODULE.bazel)"
WS="$(mktemp -d /tmp/ofiuco-helper-toolchain.XXXXXX)"
server=""
cleanup() {
  if [[ -n $server ]]; then kill "$server" 2>/dev/null || true; fi
  if [[ -d "$WS/basic" ]]; then
    (cd "$WS/basic" && HOME="$WS/home" "$BAZEL" shutdown >/dev/null 2>&1) || true
  fi
  rm -rf "$WS"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  exit 1
}

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
mirror="http://127.0.0.1:$port"
echo "==> tools/release/helpers.sh --version $version --base-url $mirror"
tools/release/helpers.sh --version "$version" --base-url "$mirror" --out "$WS/mirror"
for key in linux_x86_64 linux_aarch64; do
  file -b "$WS/mirror/ofiuco-$version-$key" | grep -qE 'static(ally|-pie) linked' ||
    fail "ofiuco-$version-$key is not statically linked: $(file -b "$WS/mirror/ofiuco-$version-$key")"
done
python3 -m http.server "$port" --bind 127.0.0.1 --directory "$WS/mirror" 2>"$WS/mirror.log" &
server=$!
for _ in $(seq 50); do
  curl -sf "$mirror/SHA256SUMS" >/dev/null && break
  sleep 0.1
done
served() { grep -c "GET /ofiuco-$version-$1 HTTP/1.1\" 200" "$WS/mirror.log" || true; }

# A copy of examples/basic depending on this checkout, and a HOME without ~/.cargo.
mkdir -p "$WS/basic" "$WS/home" "$REPOS"
git ls-files -z examples/basic | while IFS= read -r -d '' f; do
  install -D -m 0644 "$f" "$WS/basic/${f#examples/basic/}"
done
sed -i "s|path = \"../..\"|path = \"$ROOT\"|" "$WS/basic/MODULE.bazel"
grep -q "path = \"$ROOT\"" "$WS/basic/MODULE.bazel" || fail "could not point $WS/basic/MODULE.bazel at $ROOT"
echo 'bazel_dep(name = "platforms", version = "0.0.10")' >>"$WS/basic/MODULE.bazel"
cat >>"$WS/basic/BUILD.bazel" <<'BUILD'

# tests/helper_toolchain: an arm64 linux execution platform.
platform(
    name = "linux_arm64_exec",
    constraint_values = [
        "@platforms//os:linux",
        "@platforms//cpu:arm64",
    ],
)
BUILD
# The helpers must come from the mirror, not from an earlier run's repository cache.
while read -r sha _; do
  rm -rf "$REPOS/content_addressable/sha256/$sha"
done <"$WS/mirror/SHA256SUMS"
basic() {
  (cd "$WS/basic" && HOME="$WS/home" "$BAZEL" "$1" --repository_cache="$REPOS" "${@:2}")
}
table="--repo_env=OFIUCO_HELPER_TABLE=$WS/mirror/prebuilt_helpers.json"
# The executables of the helper's actions, one per line.
executables() {
  grep -E '^  Command Line: \(exec ' | sed -E 's/^  Command Line: \(exec ([^ ]+).*/\1/' | sort | uniq -c
}
query='mnemonic("OfiucoInstall|OfiucoVenv", deps(//:venv))'

echo "==> no cargo: an empty table fails with ofiuco's error"
python3 -c 'import json, sys; print(json.dumps({"helpers": {}, "version": sys.argv[1]}))' "$version" >"$WS/empty.json"
if out="$(basic build --repo_env=OFIUCO_HELPER_TABLE="$WS/empty.json" //:venv 2>&1)"; then
  fail "with an empty table and no cargo, the build succeeded"
fi
# shellcheck disable=SC2016 # the backticks are ofiuco's message
grep -qF 'ofiuco: there is no prebuilt helper for this host (linux_x86_64) and `cargo` is not on PATH' <<<"$out" ||
  fail "no \"cargo is not on PATH\" error: $out"
echo "ok"

echo "==> a table of another version is refused"
sed "s/\"version\": \"$version\"/\"version\": \"0.0.0-other\"/" "$WS/mirror/prebuilt_helpers.json" >"$WS/other.json"
if out="$(basic build --repo_env=OFIUCO_HELPER_TABLE="$WS/other.json" //:venv 2>&1)"; then
  fail "a table of version 0.0.0-other was accepted"
fi
grep -qF "is for ofiuco \"0.0.0-other\", but this is ofiuco \"$version\"" <<<"$out" || fail "no version error: $out"
echo "ok"

echo "==> the download path: bazel test //... with the mirror's table, no cargo"
start=$SECONDS
basic test "$table" //...
echo "ok: $((SECONDS - start)) s"
[[ $(served linux_x86_64) -ge 1 ]] || fail "the mirror did not serve the x86_64 helper: $(cat "$WS/mirror.log")"
[[ $(served linux_aarch64) == 0 ]] || fail "the aarch64 helper was fetched without being resolved"
exes="$(basic aquery "$table" "$query" 2>"$WS/aquery.log" | executables)" || fail "aquery: $(tail -20 "$WS/aquery.log")"
echo "$exes"
grep -qE ' external/[^/]*ofiuco_helper_linux_x86_64/ofiuco$' <<<"$exes" || fail "the actions do not run the prebuilt x86_64 helper"
[[ $(wc -l <<<"$exes") == 1 ]] || fail "the actions run more than one helper"
ob="$(basic info "$table" output_base 2>/dev/null)"
downloaded="$(find "$ob/external" -maxdepth 2 -path '*ofiuco_helper_linux_x86_64/ofiuco')"
cmp -s "$downloaded" "$WS/mirror/ofiuco-$version-linux_x86_64" || fail "$downloaded is not the mirror's x86_64 helper"
echo "ok: the actions run the mirror's static x86_64 helper"

echo "==> an arm64 linux execution platform resolves the aarch64 helper"
exes="$(basic aquery "$table" --extra_execution_platforms=//:linux_arm64_exec "$query" 2>"$WS/aquery.log" | executables)" || fail "aquery: $(tail -20 "$WS/aquery.log")"
echo "$exes"
grep -qE ' external/[^/]*ofiuco_helper_linux_aarch64/ofiuco$' <<<"$exes" || fail "the actions do not run the aarch64 helper"
[[ $(wc -l <<<"$exes") == 1 ]] || fail "the actions run more than one helper"
[[ $(served linux_aarch64) -ge 1 ]] || fail "the mirror did not serve the aarch64 helper"
echo "ok"

echo "==> the fallback: no table, the cargo-built host helper"
exes="$("$BAZEL" aquery 'mnemonic("OfiucoInstall", deps(@ofiuco_test_poetry//:certifi))' 2>"$WS/aquery.log" | executables)" || fail "aquery: $(tail -20 "$WS/aquery.log")"
echo "$exes"
grep -qE ' external/[^/]*ofiuco_helper/ofiuco$' <<<"$exes" || fail "the root module's actions do not run the host helper"
echo "ok"
