# shellcheck shell=bash
# Helpers shared by ofiuco's test scripts (tests/*/run.sh, examples/*/*.sh).
# Source it after `set -euo pipefail`:
#
#   # shellcheck source=tools/dev/testlib.sh
#   source "$ROOT/tools/dev/testlib.sh"
#
#   ok MSG / ko MSG   print `PASS MSG` / `FAIL MSG` and count it;
#   expect NAME CONDITION   `ok NAME` if `eval CONDITION` succeeds, else `ko NAME`;
#   summary NAME      prints `NAME: N passed, M failed`; fails if any failed
#                     (make it the script's last command);
#   fail MSG          prints `FAIL: MSG` on stderr and exits 1;
#   track_pid PID     remembers a server started in the background (`$!`);
#   stop_pids         stops each remembered server by its PID (never by
#                     name) and waits for it: call it from the EXIT trap;
#   free_port         prints a free TCP port on 127.0.0.1.

passed=0
failed=0
ok() { passed=$((passed + 1)); echo "PASS $*"; }
ko() { failed=$((failed + 1)); echo "FAIL $*"; }
expect() { if eval "$2"; then ok "$1"; else ko "$1"; fi; }
summary() {
  echo "$1: $passed passed, $failed failed"
  [[ $failed == 0 ]]
}
fail() {
  echo "FAIL: $*" >&2
  exit 1
}

TESTLIB_PIDS=()
track_pid() { TESTLIB_PIDS+=("$1"); }
stop_pids() {
  local pid
  for pid in "${TESTLIB_PIDS[@]}"; do
    { kill "$pid" && wait "$pid"; } 2>/dev/null || true
  done
  TESTLIB_PIDS=()
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
