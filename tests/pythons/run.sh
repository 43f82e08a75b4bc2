#!/usr/bin/env bash
# Two real CPythons of different minor versions as Python toolchains
# (/usr/bin/python3.13 and /usr/bin/python3.14, provisioned by
# tools/dev/bazel.sh). Runs:
#   1. `bazel test //...`: both:test_313 / both:test_314 (one py_test, once per
#      interpreter, with that interpreter's numpy wheel), only313:test_313, and
#      the analysis tests of only313 under 3.14 (the flag, and the host default);
#   2. the runtime guard: //both:mismatch_test, its wheels chosen for the host
#      python3 (3.14) but run by python3.13, must stop before its first import
#      with ofiuco's message.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
REPO="$(cd ../.. && pwd -P)"
BAZEL="$REPO/tools/dev/bazel.sh"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$REPO/target}"
trap '"$BAZEL" shutdown >/dev/null 2>&1 || true' EXIT

echo "==> tests/pythons: bazel test //... (python3.13 and python3.14 toolchains)"
"$BAZEL" test //...
# What each interpreter ran with (numpy_test.py prints it; the logs of the
# transitioned tests live under their configuration's output directory).
grep -h '^CPython ' bazel-out/*/testlogs/*/test_31[34]/test.log | sed 's/^/    /' || true

echo "==> tests/pythons: runtime guard (packages for CPython 3.14, run by python3.13)"
guard=(//both:mismatch_test --//toolchains:interpreter=313)
status=0
out="$("$BAZEL" test "${guard[@]}" 2>&1)" || status=$?
log="$("$BAZEL" info bazel-testlogs "${guard[@]:1}" 2>/dev/null)/both/mismatch_test/test.log"
fail() {
  printf '%s\n' "$out" | tail -30 >&2
  [[ -f "$log" ]] && sed 's/^/    log| /' "$log" >&2
  echo "FAIL runtime guard: $*" >&2
  exit 1
}
# Exit 3: built, and the test failed (1 would be a build or analysis failure).
[[ $status == 3 ]] || fail "bazel test exited $status, expected 3 (the test fails)"
[[ -f "$log" ]] || fail "no test log at $log"
for want in \
  "ofiuco: this target's packages were chosen for CPython 3.14 (from the host python3 (3.14)" \
  "but it runs on CPython 3.13 (/usr/bin/python3.13)" \
  "hint: register a Python toolchain of version 3.14"; do
  grep -qF -- "$want" "$log" || fail "the test log lacks: $want"
done
# ofiuco's exit status, not a crash of Python's start-up (what SystemExit in
# a sitecustomize gives) nor an ImportError of numpy's extension.
grep -qF 'exited with error code 86' "${log%.log}.xml" || fail "the test did not exit 86 ($(grep -o 'exited with error code [0-9]*' "${log%.log}.xml" || echo 'no status'))"
# Before the first import: numpy (cp314) was never loaded, the test never started.
for unwanted in "Traceback" "Fatal Python error" "ImportError" "numpy 2.4.6 from" "Ran "; do
  if grep -qF -- "$unwanted" "$log"; then fail "the test log has \`$unwanted\`: the guard did not stop the interpreter cleanly before the first import"; fi
done
echo "PASS runtime guard: $(grep -F "ofiuco: this target's packages" "$log")"
