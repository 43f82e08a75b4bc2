#!/usr/bin/env bash
# Remote cache (issue #11, point 2): a real HTTP cache server (nginx with
# WebDAV) on 127.0.0.1, and examples/aws_lambda's arm64 zip and venv built twice with
# --remote_cache from two fresh output bases. The second build must execute no
# install, fragment, venv or zip action locally: every one is a remote cache
# hit, which also shows that their action keys carry no output-base path.
#
#   tests/remote_cache/run.sh        # installs nginx-light once (apt-get) when missing
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"
BAZEL="$ROOT/tools/dev/bazel.sh"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"

# shellcheck source=tests/remote_cache/cache_server.sh
source "$ROOT/tests/remote_cache/cache_server.sh"

# Under /tmp: bazel.sh binds /tmp into its chroot, so output bases there work.
WORK="$(mktemp -d /tmp/ofiuco-remote-cache.XXXXXX)"
cleanup() {
  for base in "$WORK/base1" "$WORK/base2"; do
    if [[ -d "$base" ]]; then
      (cd "$ROOT/examples/aws_lambda" && "$BAZEL" --output_base="$base" shutdown >/dev/null 2>&1) || true
    fi
  done
  stop_cache_server
  rm -rf "$WORK"
}
trap cleanup EXIT

start_cache_server "$WORK"

build() {
  local base="$1" log="$2"
  (cd "$ROOT/examples/aws_lambda" && "$BAZEL" --output_base="$base" build //:deploy_aws_lambda //:venv \
    --remote_cache="$CACHE_URL" --remote_max_connections=16 \
    --execution_log_json_file="$log" --noshow_progress)
}

echo "==> first build (fills the cache), output base 1"
build "$WORK/base1" "$WORK/exec1.json"
echo "==> second build, a new output base"
build "$WORK/base2" "$WORK/exec2.json"

python3 - "$WORK/exec1.json" "$WORK/exec2.json" <<'PY'
import json
import sys

WATCHED = {"OfiucoInstall", "OfiucoFragment", "OfiucoVenv", "OfiucoZip"}


def spawns(path):
    """The spawns of a Bazel execution log (one JSON object after another)."""
    text, decoder, pos, out = open(path).read(), json.JSONDecoder(), 0, []
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos == len(text):
            return out
        obj, pos = decoder.raw_decode(text, pos)
        out.append(obj)


first = [s for s in spawns(sys.argv[1]) if s.get("mnemonic") in WATCHED]
second = [s for s in spawns(sys.argv[2]) if s.get("mnemonic") in WATCHED]
# Bazel 7's JSON log: `remoteCacheHit`, or the runner "remote cache hit".
local = [s for s in second if not (s.get("remoteCacheHit") or s.get("runner") == "remote cache hit")]
counts = {m: sum(1 for s in second if s["mnemonic"] == m) for m in sorted(WATCHED)}
print(f"first build: {len(first)} ofiuco actions; second build: {len(second)} ({counts}), {len(second) - len(local)} remote cache hits")
if not first or len(second) != len(first):
    sys.exit(f"FAIL: expected the same ofiuco actions in both builds, got {len(first)} and {len(second)}")
if local:
    for s in local[:10]:
        print(f"  executed locally: {s['mnemonic']} {s.get('targetLabel')} ({s.get('runner')})")
    sys.exit(f"FAIL: {len(local)} of {len(second)} ofiuco actions were not remote cache hits")
print("PASS: every install, fragment, venv and zip action of the second output base was a remote cache hit")
PY
