#!/usr/bin/env bash
# One cold first build of examples/basic, for benchmark D of tools/bench/run.sh:
#
#   helper_cold.sh prepare DIR          # before each run: stop and delete the last run's Bazel
#   helper_cold.sh build DIR WS REPOS [BAZEL FLAGS...]   # the timed run
#
# Each run gets a fresh output user root (DIR/our: fresh output base, install
# base and, for the cargo path, cargo target directory inside the helper's
# repository), sharing only the repository cache REPOS, from which prepare
# removes the prebuilt helpers (DIR/SHA256SUMS, when there is one) so that they
# are downloaded again. CARGO_TARGET_DIR is unset: cargo starts from nothing
# (its crate downloads in ~/.cargo/registry stay).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BAZEL=$HERE/../dev/bazel.sh
mode=$1 dir=$2
case "$mode" in
  prepare)
    if [[ -d $dir/our && -f $dir/ws ]]; then
      (cd "$(cat "$dir/ws")" && "$BAZEL" --output_user_root="$dir/our" shutdown >/dev/null 2>&1) || true
    fi
    rm -rf "$dir/our"
    if [[ -f $dir/SHA256SUMS && -f $dir/repos ]]; then
      while read -r sha _; do
        rm -rf "$(cat "$dir/repos")/content_addressable/sha256/$sha"
      done <"$dir/SHA256SUMS"
    fi
    ;;
  build)
    ws=$3 repos=$4
    shift 4
    echo "$ws" >"$dir/ws"
    echo "$repos" >"$dir/repos"
    cd "$ws"
    env -u CARGO_TARGET_DIR "$BAZEL" --output_user_root="$dir/our" build --repository_cache="$repos" "$@" //... >"$dir/last.log" 2>&1 ||
      { cat "$dir/last.log" >&2; exit 1; }
    ;;
  *) echo "usage: $0 prepare DIR | build DIR WS REPOS [FLAGS...]" >&2; exit 2 ;;
esac
