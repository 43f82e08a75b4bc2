#!/usr/bin/env bash
# Remote cache of a wheel built from its sdist (issue #11, point 2): crcmod 1.7
# (a C extension) cross-built for AWS Lambda arm64 by examples/source_builds,
# with --remote_cache on a real HTTP cache server (nginx WebDAV) on 127.0.0.1.
#
#   1. checkout A (this one), a fresh output base: fills the cache;
#   2. another fresh output base, in this checkout or (--other-checkout) in
#      checkout B, a copy of this checkout's files at another path with its
#      own cargo build directory (cargo then rebuilds the helper's workspace
#      crates: ~10 min more on a loaded 2-core machine): no build-from-source action (zig cache seed, PEP 517
#      build, wheel check) and no install, fragment or zip action runs locally;
#      every one is a remote cache hit;
#   3. the two execution logs give those actions the same command line,
#      environment and input digests, and none names either checkout, either
#      output base, or the sandbox: the action keys are host-path free.
#
#   tests/remote_cache/source_build.sh [--other-checkout]   # installs nginx-light once (apt-get) when missing
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
TARGET=//:crcmod_python3_13_arm64

# shellcheck source=tests/remote_cache/cache_server.sh
source "$ROOT/tests/remote_cache/cache_server.sh"

# Under /tmp: bazel.sh binds /tmp into its chroot, so output bases there work.
WORK="$(mktemp -d /tmp/ofiuco-remote-cache-src.XXXXXX)"
CHECKOUT_B="$ROOT"
TARGET_DIR_B="$CARGO_TARGET_DIR"
if [[ "${1:-}" == --other-checkout ]]; then
  CHECKOUT_B="$WORK/checkout-b"
  TARGET_DIR_B="$WORK/cargo-target-b"
fi
cleanup() {
  set +e
  for pair in "$ROOT:$WORK/base-a" "$CHECKOUT_B:$WORK/base-b"; do
    local checkout="${pair%%:*}" base="${pair#*:}"
    [[ -d "$base" ]] && (cd "$checkout/examples/source_builds" && "$checkout/tools/dev/bazel.sh" --output_base="$base" shutdown >/dev/null 2>&1)
  done
  stop_cache_server
  rm -rf "$WORK"
}
trap cleanup EXIT

if [[ "$CHECKOUT_B" != "$ROOT" ]]; then
  # Checkout B: this checkout's tracked (and new, unignored) files as they are
  # now, and its own cargo build directory (a copy of this one's), as on
  # another machine.
  mkdir -p "$CHECKOUT_B"
  (cd "$ROOT" && git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' f; do
    [[ -e "$f" ]] && printf '%s\0' "$f"
  done | xargs -0 cp --parents -t "$CHECKOUT_B")
  if [[ -d "$CARGO_TARGET_DIR/release" ]]; then
    mkdir -p "$TARGET_DIR_B"
    cp -a "$CARGO_TARGET_DIR/release" "$TARGET_DIR_B/"
  fi
fi

start_cache_server "$WORK"

build() {
  local checkout="$1" base="$2" log="$3" target_dir="$4" t=$SECONDS
  (cd "$checkout/examples/source_builds" && CARGO_TARGET_DIR="$target_dir" "$checkout/tools/dev/bazel.sh" --output_base="$base" build "$TARGET" \
    --remote_cache="$CACHE_URL" --remote_max_connections=16 --sandbox_default_allow_network=false \
    --execution_log_json_file="$log" --noshow_progress)
  echo "    $((SECONDS - t)) s"
}

echo "==> checkout A ($ROOT), a fresh output base: fills the cache"
build "$ROOT" "$WORK/base-a" "$WORK/exec-a.json" "$CARGO_TARGET_DIR"
echo "==> checkout $CHECKOUT_B, another fresh output base"
build "$CHECKOUT_B" "$WORK/base-b" "$WORK/exec-b.json" "$TARGET_DIR_B"

python3 - "$WORK/exec-a.json" "$WORK/exec-b.json" "$ROOT" "$WORK/base-a" "$WORK/base-b" "$WORK/checkout-b" <<'PY'
import json
import sys

BUILD = {"OfiucoZigCache", "OfiucoBuildWheel", "OfiucoCheckWheel", "OfiucoCopyWheel"}
WATCHED = BUILD | {"OfiucoInstall", "OfiucoFragment", "OfiucoZip"}


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


def key(spawn):
    """What a spawn's remote cache key is made of: command line, environment, inputs."""
    env = sorted((e["name"], e["value"]) for e in spawn.get("environmentVariables", []))
    inputs = sorted((i["path"], i.get("digest", {}).get("hash", "")) for i in spawn.get("inputs", []))
    return spawn.get("commandArgs", []), env, inputs


log_a, log_b, *host_paths = sys.argv[1:]
first = [s for s in spawns(log_a) if s.get("mnemonic") in WATCHED]
second = [s for s in spawns(log_b) if s.get("mnemonic") in WATCHED]
counts = {m: sum(1 for s in second if s["mnemonic"] == m) for m in sorted(WATCHED)}
local = [s for s in second if not (s.get("remoteCacheHit") or s.get("runner") == "remote cache hit")]
print(f"checkout A: {len(first)} actions; checkout B: {len(second)} ({counts}), {len(second) - len(local)} remote cache hits")
if not counts.get("OfiucoBuildWheel"):
    sys.exit("FAIL: no OfiucoBuildWheel action: crcmod was not built from its sdist")
if len(second) != len(first):
    sys.exit(f"FAIL: expected the same actions in both builds, got {len(first)} and {len(second)}")
for s in local[:10]:
    print(f"  executed locally: {s['mnemonic']} {s.get('targetLabel')} ({s.get('runner')})")
if local:
    sys.exit(f"FAIL: {len(local)} of {len(second)} actions of checkout B were not remote cache hits")

by_output = {tuple(o["path"] for o in s.get("actualOutputs", [])): s for s in first}
differ, leaks = [], []
for s in second:
    other = by_output.get(tuple(o["path"] for o in s.get("actualOutputs", [])))
    if other is None or key(other) != key(s):
        differ.append(s)
    text = json.dumps(key(s))
    leaks += [(s["mnemonic"], p) for p in host_paths if p in text]
for s in differ[:5]:
    print(f"  key differs between the checkouts: {s['mnemonic']} {s.get('targetLabel')}")
if differ:
    sys.exit(f"FAIL: {len(differ)} actions have different keys in the two checkouts")
if leaks:
    sys.exit(f"FAIL: host paths in action keys: {sorted(set(leaks))}")
print(f"PASS: the source-built crcmod wheel and its zip are remote cache hits from another checkout and output base; {len(second)} action keys identical and free of host paths")
PY
