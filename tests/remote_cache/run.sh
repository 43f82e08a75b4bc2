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

if ! command -v nginx >/dev/null; then
  echo "ofiuco: installing nginx-light (a WebDAV server for the remote cache test; once)" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx-light >/dev/null
fi
NGINX="$(command -v nginx)"

# Under /tmp: bazel.sh binds /tmp into its chroot, so output bases there work.
WORK="$(mktemp -d /tmp/ofiuco-remote-cache.XXXXXX)"
NGINX_PID=""
cleanup() {
  for base in "$WORK/base1" "$WORK/base2"; do
    if [[ -d "$base" ]]; then
      (cd "$ROOT/examples/aws_lambda" && "$BAZEL" --output_base="$base" shutdown >/dev/null 2>&1) || true
    fi
  done
  [[ -n "$NGINX_PID" ]] && kill "$NGINX_PID" 2>/dev/null && wait "$NGINX_PID" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
mkdir -p "$WORK/cache" "$WORK/nginx"
cat >"$WORK/nginx/nginx.conf" <<CONF
user root;
worker_processes 1;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log;
events { worker_connections 1024; }
http {
  access_log $WORK/nginx/access.log;
  client_body_temp_path $WORK/nginx/body;
  server {
    listen 127.0.0.1:$PORT;
    root $WORK/cache;
    client_max_body_size 0;
    dav_methods PUT DELETE;
    create_full_put_path on;
  }
}
CONF
"$NGINX" -c "$WORK/nginx/nginx.conf" -g 'daemon off;' &
NGINX_PID=$!
for _ in $(seq 50); do
  curl -fsS -o /dev/null -X PUT --data-binary probe "http://127.0.0.1:$PORT/probe" 2>/dev/null && break
  sleep 0.1
done
curl -fsS "http://127.0.0.1:$PORT/probe" >/dev/null || { echo "FAIL: the cache server did not start" >&2; cat "$WORK/nginx/error.log" >&2; exit 1; }

build() {
  local base="$1" log="$2"
  (cd "$ROOT/examples/aws_lambda" && "$BAZEL" --output_base="$base" build //:deploy_aws_lambda //:venv \
    --remote_cache="http://127.0.0.1:$PORT" --remote_max_connections=16 \
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
