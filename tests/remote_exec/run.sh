#!/usr/bin/env bash
# Remote execution (issue #11, point 3) on a real REAPI service on 127.0.0.1:
# BuildGrid (SQL scheduler on a private PostgreSQL cluster) and a buildbox
# worker (buildbox-casd + buildbox-worker + buildbox-run-hosttools), all in the
# Debian sid root of tools/dev/rexec-services.sh, which has no python3, cargo
# or Bazel: an action that reads anything it does not declare fails there.
#
#   1. examples/aws_lambda's zip is built locally (the reference sha256);
#   2. the same zip from a fresh output base with --remote_executor: every
#      install, fragment and zip action ran remotely (the execution log and
#      Bazel's "N remote" process summary), and the zip has the same sha256;
#   3. once more with --experimental_output_paths=strip (path mapping: the
#      actions marked `supports-path-mapping` run with bazel-out/cfg/ paths),
#      in another fresh output base: remote again, the same sha256.
#
#   tests/remote_exec/run.sh          # sets the services up once (~5 min, ~1 GB)
#
# Not in tools/dev/test_all.sh: the setup is heavy; a run takes a few minutes
# (two fresh output bases; docs/benchmarks.md has the numbers).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"
BAZEL="$ROOT/tools/dev/bazel.sh"
SERVICES="$ROOT/tools/dev/rexec-services.sh"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
EXAMPLE="$ROOT/examples/aws_lambda"
TARGET=//:deploy_aws_lambda

t0=$SECONDS
"$SERVICES" --setup
RX="$("$SERVICES" --root)"
PG_BIN=/usr/lib/postgresql/18/bin
echo "    services set up: $((SECONDS - t0)) s"

# Under /tmp: bazel.sh binds /tmp into its chroot, so output bases there work.
WORK="$(mktemp -d /tmp/ofiuco-remote-exec.XXXXXX)"
chmod 755 "$WORK"
declare -A PIDS=()   # service -> the PID of the bwrap that runs it
cleanup() {
  set +e
  for base in "$WORK"/base-*; do
    [[ -d "$base" ]] && (cd "$EXAMPLE" && "$BAZEL" --output_base="$base" shutdown >/dev/null 2>&1)
  done
  # In reverse order of start: the worker first, PostgreSQL last.
  # SIGINT is PostgreSQL's fast shutdown (SIGTERM waits for its clients).
  for name in worker casd bgd postgres; do
    [[ -n "${PIDS[$name]:-}" ]] || continue
    [[ -s "$WORK/$name.pid" ]] && kill -INT "$(cat "$WORK/$name.pid")" 2>/dev/null
    wait "${PIDS[$name]}" 2>/dev/null
  done
  rm -rf "$WORK"
}
trap cleanup EXIT

# Runs a command in the services' root (host network, host PIDs, $WORK bound).
IN_RX=(bwrap --bind "$RX" / --proc /proc --dev /dev --bind "$WORK" "$WORK" --die-with-parent
  --setenv PATH /usr/sbin:/usr/bin:/sbin:/bin --setenv HOME "$WORK")
# Starts a service in the background (bwrap is this script's child, and the
# service dies with it); the service's own PID goes to $WORK/NAME.pid, its
# output to $WORK/NAME.log.
start() {
  local name="$1"
  shift
  # shellcheck disable=SC2016 # expanded by the inner shell
  "${IN_RX[@]}" /bin/sh -c 'echo $$ >"$0"; exec "$@"' "$WORK/$name.pid" "$@" >"$WORK/$name.log" 2>&1 &
  PIDS[$name]=$!
}
fail_service() {
  echo "FAIL: $1" >&2
  for name in postgres bgd casd worker; do
    [[ -f "$WORK/$name.log" ]] && { echo "--- $name.log (last lines)" >&2; tail -20 "$WORK/$name.log" >&2; }
  done
  exit 1
}
port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
listening() { python3 -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' "$1" 2>/dev/null; }
wait_port() {
  local what="$1" p="$2"
  for _ in $(seq 300); do
    listening "$p" && return 0
    [[ -n "${PIDS[$what]:-}" ]] && ! kill -0 "${PIDS[$what]}" 2>/dev/null && fail_service "$what exited"
    sleep 0.2
  done
  fail_service "$what is not listening on 127.0.0.1:$p after 60 s"
}

PG_PORT="$(port)"
BG_PORT="$(port)"
t_services=$SECONDS

# --- PostgreSQL: a private cluster, trust authentication on 127.0.0.1 only. ---
mkdir -p "$WORK/pg" "$WORK/pgsock"
"${IN_RX[@]}" chown postgres:postgres "$WORK/pg" "$WORK/pgsock"
"${IN_RX[@]}" setpriv --reuid=postgres --regid=postgres --init-groups \
  "$PG_BIN/initdb" -D "$WORK/pg" -U bgd -A trust --no-sync >"$WORK/initdb.log" 2>&1 ||
  { cat "$WORK/initdb.log" >&2; fail_service "initdb failed"; }
start postgres setpriv --reuid=postgres --regid=postgres --init-groups \
  "$PG_BIN/postgres" -D "$WORK/pg" -h 127.0.0.1 -p "$PG_PORT" -k "$WORK/pgsock" \
  -c dynamic_shared_memory_type=mmap -c fsync=off -c max_connections=100
wait_port postgres "$PG_PORT"
"${IN_RX[@]}" "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U bgd bgd
DB="postgresql://bgd@127.0.0.1:$PG_PORT/bgd"
"${IN_RX[@]}" /opt/buildgrid/bin/bgd migrate apply "$DB" >"$WORK/migrate.log" 2>&1 ||
  { cat "$WORK/migrate.log" >&2; fail_service "bgd migrate failed"; }

# --- BuildGrid: CAS, action cache, execution and bots on one instance. ---
cat >"$WORK/bgd.yml" <<YML
# Bazel uploads and the worker fetches many blobs at once: more gRPC threads
# than the default (5 per CPU), which refuses them ("Concurrent RPC limit").
thread-pool-size: 200
server:
  - !channel
    address: "127.0.0.1:$BG_PORT"
    insecure-mode: true
authorization:
  method: none
connections:
  - !sql-connection &sql
    connection-string: $DB
    pool-size: 5
    max-overflow: 10
storages:
  - !disk-storage &cas
    path: $WORK/bgd-cas
caches:
  - !lru-action-cache &ac
    storage: *cas
    max-cached-refs: 10000
    allow-updates: true
    cache-failed-actions: false
schedulers:
  - !sql-scheduler &scheduler
    sql: *sql
    storage: *cas
    action-cache: *ac
    property-set: !dynamic-property-set
      match-property-keys: [OSFamily, ISA]
      wildcard-property-keys: []
instances:
  - name: main
    services:
      - !action-cache
        cache: *ac
      - !execution
        scheduler: *scheduler
      - !cas
        storage: *cas
      - !bytestream
        storage: *cas
YML
mkdir -p "$WORK/bgd-cas"
start bgd /opt/buildgrid/bin/bgd server start "$WORK/bgd.yml"
wait_port bgd "$BG_PORT"

# --- The worker: buildbox-casd (a local CAS proxy) and buildbox-worker, which
# runs each action with buildbox-run-hosttools in this root, its inputs staged
# by copies or hard links (FUSE staging needs /dev/fuse, which bwrap's /dev lacks). ---
mkdir -p "$WORK/casd"
start casd buildbox-casd --cas-remote="http://127.0.0.1:$BG_PORT" --cas-instance=main \
  --bind="unix:$WORK/casd.sock" "$WORK/casd"
for _ in $(seq 150); do [[ -S "$WORK/casd.sock" ]] && break; sleep 0.2; done
[[ -S "$WORK/casd.sock" ]] || fail_service "buildbox-casd did not open $WORK/casd.sock"
start worker buildbox-worker --bots-instance=main --bots-remote="http://127.0.0.1:$BG_PORT" \
  --cas-remote="unix:$WORK/casd.sock" --buildbox-run=/usr/bin/buildbox-run-hosttools \
  --platform OSFamily=linux --platform ISA=x86-64 --concurrent-jobs=2 \
  --runner-arg=--staging-mode=copy-or-link ofiuco-worker
sleep 2
kill -0 "${PIDS[worker]}" 2>/dev/null || fail_service "buildbox-worker exited"
echo "    services started: $((SECONDS - t_services)) s (PostgreSQL :$PG_PORT, BuildGrid :$BG_PORT)"

REMOTE=(
  --remote_executor="grpc://127.0.0.1:$BG_PORT" --remote_instance_name=main
  --remote_default_exec_properties=OSFamily=linux --remote_default_exec_properties=ISA=x86-64
  --remote_local_fallback=false --remote_timeout=600 --jobs=8
)

echo "==> local build (the reference)"
t=$SECONDS
(cd "$EXAMPLE" && "$BAZEL" build "$TARGET" --noshow_progress)
local_zip="$(cd "$EXAMPLE" && "$BAZEL" info bazel-bin 2>/dev/null)/deploy_aws_lambda.zip"
local_sha="$(sha256sum "$local_zip" | cut -d' ' -f1)"
echo "    local: $local_sha ($((SECONDS - t)) s)"

remote_build() {
  local name="$1"
  shift
  local base="$WORK/base-$name" t=$SECONDS
  echo "==> remote build ($name), a fresh output base"
  (cd "$EXAMPLE" && "$BAZEL" --output_base="$base" build "$TARGET" "${REMOTE[@]}" \
    --execution_log_json_file="$WORK/$name.exec.json" --noshow_progress "$@") 2>&1 | tee "$WORK/$name.log" ||
    fail_service "the remote build ($name) failed"
  echo "    remote build ($name): $((SECONDS - t)) s"
  local zip sha
  zip="$(cd "$EXAMPLE" && "$BAZEL" --output_base="$base" info bazel-bin 2>/dev/null)/deploy_aws_lambda.zip"
  sha="$(sha256sum "$zip" | cut -d' ' -f1)"
  python3 - "$WORK/$name.exec.json" "$WORK/$name.log" "$name" <<'PY'
import json
import re
import sys

WATCHED = {"OfiucoInstall", "OfiucoFragment", "OfiucoZip"}


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


log_path, out_path, name = sys.argv[1:]
watched = [s for s in spawns(log_path) if s.get("mnemonic") in WATCHED]
remote = [s for s in watched if s.get("runner") == "remote"]
counts = {m: sum(1 for s in watched if s["mnemonic"] == m) for m in sorted(WATCHED)}
summary = re.findall(r"INFO: (\d+) processes?: ([^\n]*)", open(out_path).read())
remote_total = sum(int(n) for n in re.findall(r"(\d+) remote(?![ a-z])", summary[-1][1])) if summary else 0
print(f"    {name}: {len(watched)} ofiuco actions ({counts}), {len(remote)} ran remotely; Bazel: {summary[-1][0] if summary else '?'} processes: {summary[-1][1] if summary else '?'}")
if not watched or counts["OfiucoZip"] != 1:
    sys.exit(f"FAIL ({name}): the execution log has no ofiuco zip action")
local = [s for s in watched if s not in remote]
for s in local[:10]:
    print(f"      not remote: {s['mnemonic']} {s.get('targetLabel')} (runner {s.get('runner')!r})")
if local:
    sys.exit(f"FAIL ({name}): {len(local)} of {len(watched)} ofiuco actions did not run remotely")
if name == "strip":
    # Path mapping: every output path on the command line is bazel-out/cfg/...
    unmapped = [s for s in watched if any("bazel-out/" in a and "bazel-out/cfg/" not in a for a in s.get("commandArgs", []))]
    for s in unmapped[:5]:
        print(f"      not path-mapped: {s['mnemonic']} {s.get('targetLabel')}: {s.get('commandArgs')}")
    if unmapped:
        sys.exit(f"FAIL ({name}): {len(unmapped)} ofiuco actions ran with configuration paths, not bazel-out/cfg/")
    print(f"    {name}: all {len(watched)} ofiuco actions ran with bazel-out/cfg/ paths")
if remote_total < len(watched):
    sys.exit(f"FAIL ({name}): Bazel's summary counts {remote_total} remote processes, fewer than the {len(watched)} ofiuco actions")
PY
  if [[ "$sha" != "$local_sha" ]]; then
    keep="$(mktemp -d /tmp/ofiuco-remote-exec-differs.XXXXXX)"
    cp "$zip" "$keep/remote.zip"
    cp "$local_zip" "$keep/local.zip"
    echo "FAIL ($name): the remotely built zip's sha256 is $sha, the local one's $local_sha (both kept in $keep)" >&2
    exit 1
  fi
  echo "PASS ($name): every install, fragment and zip action ran remotely; the zip's sha256 equals the local build's ($sha)"
}

remote_build plain
remote_build strip --experimental_output_paths=strip
echo "PASS: remote execution on BuildGrid + buildbox ($((SECONDS - t0)) s in all)"
