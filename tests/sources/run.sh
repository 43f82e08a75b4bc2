#!/usr/bin/env bash
# Builds from git, directory and file sources, end to end (issue #8), with no
# network in build actions:
#   1. errors: the git host unreachable (no server yet), then a server whose
#      history lacks the locked commit: one message each, naming the package
#      and the source; a build requirement that nothing provides, raised by the
#      module extension (missing_tool/);
#   2. a git daemon on 127.0.0.1:39418 serves iniconfig's repository (made by
#      git_repo.sh: the locked commit, then a later one on main);
#      //:host_test uses iniconfig (git, subdirectory python/), localpkg (a
#      directory here, editable in the lock) and six (a local sdist file);
#   3. a change to localpkg's files is seen by the next build;
#   4. the AWS Lambda python3.13 arm64 zip holds all four (cxxpkg: a local
#      C++ extension, built from a zig cache with libc++ seeded) and runs
#      under the emulated arm64 CPython 3.13;
#   5. builds that fail (//broken): a C extension that does not compile for
#      aarch64, and a build backend that downloads from 127.0.0.1:39419 (a
#      server this script runs), which build actions cannot reach whatever
#      --sandbox_default_allow_network says; each message names the package,
#      version and target, shows the backend's output and a command that
#      reproduces the build outside Bazel, which this script runs: the compile
#      fails the same way, and the download succeeds there.
# The host test also builds subpkg, a git repository whose package has a git
# submodule (fetched at the commit the superproject pins).
#
# Re-locking (needs poetry; the lock pins the first commit):
#   ./git_repo.sh /tmp/srv --first && git daemon --base-path=/tmp/srv --export-all \
#     --listen=127.0.0.1 --port=39418 /tmp/srv &  then `poetry lock` here.
# expect() evals its check when it runs, so checks are single-quoted (SC2016)
# and the variables they read look unused to shellcheck (SC2034).
# shellcheck disable=SC2016,SC2034
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")" || exit 1
HERE="$PWD"
ROOT="$(cd ../.. && pwd -P)"
BAZEL="$ROOT/tools/dev/bazel.sh"
ARM64_PYTHON=("$ROOT/tools/dev/arm64-python.sh" --python 3.13)
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
NO_NET=(--sandbox_default_allow_network=false)
# Bazel's linux-sandbox (network namespaces) in tools/dev/bazel.sh's chroot;
# a server started without it falls back to processwrapper-sandbox.
export OFIUCO_BAZEL_SANDBOX=linux
"$BAZEL" shutdown >/dev/null 2>&1
PORT=39418
# shellcheck source=tools/dev/testlib.sh
source "$ROOT/tools/dev/testlib.sh"
tmp="$(mktemp -d)"
daemon_pid=""
stop_daemon() {
  if [[ -n "$daemon_pid" ]]; then
    kill "$daemon_pid" 2>/dev/null
    wait "$daemon_pid" 2>/dev/null
    daemon_pid=""
  fi
}
message="$HERE/localpkg/src/localpkg/__init__.py"
cp "$message" "$tmp/localpkg_init.py"
cleanup() {
  stop_daemon
  cp "$tmp/localpkg_init.py" "$message"
  rm -rf "$tmp" /tmp/ofiuco-test-sources-git
}
trap cleanup EXIT

serve() {
  "$HERE/git_repo.sh" "$tmp/git" "$@" >/dev/null || return 1
  git daemon --base-path="$tmp/git" --export-all --reuseaddr --listen=127.0.0.1 --port="$PORT" "$tmp/git" >"$tmp/daemon.log" 2>&1 &
  daemon_pid=$!
  for _ in $(seq 50); do
    git ls-remote "git://127.0.0.1:$PORT/iniconfig.git" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "the git daemon did not start on 127.0.0.1:$PORT:"
  cat "$tmp/daemon.log"
  return 1
}

# 1. Errors. The checkout is a repository of its own: fetch it alone, again
# (--force: a checkout fetched by an earlier run stays in the output base).
GIT_REPO="@@ofiuco~~poetry~sources__iniconfig-2.1.0.git"
start=$SECONDS
"$BAZEL" fetch --force --repo="$GIT_REPO" >"$tmp/unreachable.log" 2>&1
msg="$(grep -A3 '^ERROR: .*ofiuco: cannot fetch' "$tmp/unreachable.log" | head -4)"
echo "    unreachable: $msg"
expect "an unreachable git host: one message naming the package and the repository" \
  'grep -q "cannot fetch iniconfig 2.1.0 from the git repository .git://127.0.0.1:$PORT/iniconfig.git. at commit dccc1ed810b23f477789b46216b0dc23a859ca9e: the repository cannot be reached" <<<"$msg"'
serve --rewritten || exit 1
"$BAZEL" fetch --force --repo="$GIT_REPO" >"$tmp/missing.log" 2>&1
msg="$(grep -A1 '^ERROR: .*ofiuco: cannot fetch' "$tmp/missing.log" | head -2)"
echo "    missing commit: $msg"
expect "a locked commit the repository does not have: one message naming the package, repository and commit" \
  'grep -q "cannot fetch iniconfig 2.1.0: the git repository .git://127.0.0.1:$PORT/iniconfig.git. has no commit dccc1ed810b23f477789b46216b0dc23a859ca9e" <<<"$msg"'
stop_daemon
"$BAZEL" fetch --repo="@@ofiuco~~poetry~broken__outside-0.1.src" >"$tmp/outside.log" 2>&1
msg="$(grep -A1 '^ERROR: .*ofiuco: cannot build' "$tmp/outside.log" | head -2)"
echo "    outside the workspace: $msg"
expect "a directory outside the workspace: one message naming the package and the path" \
  'grep -q "cannot build outside 0.1: its lock @@//broken:poetry.lock names the local path \"../../outside\", which is outside the workspace" <<<"$msg"'
"$BAZEL" fetch --repo="@@ofiuco~~poetry~broken__nopyproject-0.1.src" >"$tmp/nopyproject.log" 2>&1
msg="$(grep -A1 '^ERROR: .*ofiuco: cannot build' "$tmp/nopyproject.log" | head -2)"
echo "    no pyproject.toml: $msg"
expect "a directory without pyproject.toml or setup.py: one message naming the package and the directory" \
  'grep -q "cannot build nopyproject 0.1 from the local directory \"nopyproject\" (of @@//broken:poetry.lock): .*/broken/nopyproject has neither a pyproject.toml nor a setup.py" <<<"$msg"'
"$BAZEL" fetch --repo="@@ofiuco~~poetry~broken__nocargolock-0.1.src" >"$tmp/nocargolock.log" 2>&1
msg="$(grep -A2 '^ERROR: .*ofiuco: cannot build' "$tmp/nocargolock.log" | head -3)"
echo "    a Rust extension without Cargo.lock: $msg"
expect "a Rust extension without a Cargo.lock: one message naming the package, the backend and what to do" \
  'grep -q "cannot build nocargolock 0.1 from the local directory \"nocargolock\" (of @@//broken:poetry.lock): it compiles Rust (backend .maturin.), but it has no Cargo.lock" <<<"$msg" && grep -q "^hint: use a version whose sdist ships its Cargo.lock" <<<"$msg"'
# A directory whose backend no build tools hub provides: the module extension
# fails (missing_tool/, a module of its own: the failure stops its extension).
(cd missing_tool && "$BAZEL" build //:app >"$tmp/missing_tool.log" 2>&1; "$BAZEL" shutdown >/dev/null 2>&1)
msg="$(grep -A1 'ofiuco: cannot build needstool' "$tmp/missing_tool.log" | head -2)"
echo "    unprovided build requirement: $msg"
expect "a build requirement that nothing provides: the module extension fails, naming the package, the requirement and what to do" \
  'grep -q "Error in fail: ofiuco: cannot build needstool 0.1 from the local directory .needstool. (of @@//:poetry.lock): its build backend .ofiuco_fixture_backend. requires .ofiuco-fixture-backend>=1., which no build tools hub provides" <<<"$msg" && grep -q "in poetry_impl\|module extension poetry" "$tmp/missing_tool.log" && grep -q "^hint: lock .ofiuco-fixture-backend. in a hub of your own" <<<"$msg"'
echo "    errors: $((SECONDS - start)) s"

# 2. The host test.
serve || exit 1
"$BAZEL" fetch --force --repo="$GIT_REPO" >"$tmp/fetch.log" 2>&1 || { cat "$tmp/fetch.log"; ko "fetch of the checkout"; }
start=$SECONDS
# uv's git source is a file:// URL (uv fetches git only over https, ssh, file).
"$HERE/git_repo.sh" /tmp/ofiuco-test-sources-git >/dev/null
if "$BAZEL" test "${NO_NET[@]}" //:host_test //:uv_host_test; then
  ok "host tests: git (locked commit, subdirectory), directory and file sources of poetry.lock and uv.lock (workspace member, editable) built with no network"
else
  ko "host tests"
fi
echo "    host test: $((SECONDS - start)) s"
# cxxpkg has a .cpp file: its build starts from the zig cache with libc++
# built (zig_cache_cxx); six (C-free) from the plain one.
"$BAZEL" aquery "${NO_NET[@]}" 'mnemonic("OfiucoBuildWheel", deps(//:host_test))' --output=jsonproto >"$tmp/aquery.json" 2>"$tmp/aquery.log"
caches="$(python3 -c '
import json, sys
for a in json.load(open(sys.argv[1]))["actions"]:
    args = a["arguments"]
    pkg = args[args.index("--package") + 1]
    cache = args[args.index("--zig-cache") + 1].rsplit("/", 1)[1] if "--zig-cache" in args else "none"
    if pkg in ("cxxpkg", "six"):
        print(f"{pkg}={cache}")' "$tmp/aquery.json" 2>&1 | sort | tr '\n' ' ')"
echo "    zig caches: $caches"
expect "a source with C++ files builds from the zig cache with libc++ seeded" '[[ "$caches" == "cxxpkg=zig_cache_cxx six=zig_cache " ]]'
# Fetched once: the checkout no longer needs the server.
stop_daemon

# 3. A change in the local directory reaches the next build.
start=$SECONDS
sed -i 's/^MESSAGE = .*/MESSAGE = "changed after the first build"/' "$message"
# host_test compares the installed localpkg.MESSAGE with the workspace's file.
if "$BAZEL" test "${NO_NET[@]}" //:host_test >"$tmp/changed.log" 2>&1; then
  ok "a change to the local directory is rebuilt"
else
  tail -30 "$tmp/changed.log"
  ko "a change to the local directory is rebuilt"
fi
cp "$tmp/localpkg_init.py" "$message"
echo "    rebuild after a change: $((SECONDS - start)) s"

# 4. The arm64 zip under emulation.
start=$SECONDS
"$BAZEL" build "${NO_NET[@]}" //:deploy_python3_13_arm64 || { ko "build of the arm64 zip"; echo "sources: $passed passed, $failed failed"; exit 1; }
echo "    arm64 zip: $((SECONDS - start)) s"
zip="$("$BAZEL" info bazel-bin 2>/dev/null)/deploy_python3_13_arm64.zip"
python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' "$zip" "$tmp/fn"
expect "the zip holds the four packages' dist-infos" \
  '[[ -d "$tmp/fn/cxxpkg-0.1.0.dist-info" && -d "$tmp/fn/iniconfig-2.1.0.dist-info" && -d "$tmp/fn/localpkg-0.3.0.dist-info" && -d "$tmp/fn/six-1.17.0.dist-info" ]]'
sos=("$tmp"/fn/cxxpkg/_words*.so)
# e_machine (offset 18, little-endian): 183 is EM_AARCH64.
machine="$(python3 -c 'import sys; d = open(sys.argv[1], "rb").read(20); print(d[18] if d[:4] == b"\x7fELF" else "not ELF")' "${sos[0]}" 2>&1)"
expect "cxxpkg's C++ extension is an aarch64 ELF" '[[ $machine == 183 ]]'
"${ARM64_PYTHON[@]}" --setup >/dev/null
out="$(cd "$tmp" && PYTHONPATH="$tmp/fn" "${ARM64_PYTHON[@]}" -c '
import json, platform, app
assert platform.machine() == "aarch64", platform.machine()
print(json.dumps(app.handler({"ini": "[one]\nk = v\n[two]\n", "text": "arm", "words": "zeta alpha mu"}, None), sort_keys=True))
assert app.cxxpkg.parse_int("7") == 7
try:
    app.cxxpkg.parse_int("x")
except ValueError as e:
    assert "std::invalid_argument" in str(e), e
else:
    raise AssertionError("no ValueError")' 2>&1)"
echo "    arm64 handler output: $out"
want='{"message": "built from the directory", "second_commit": false, "sections": ["one", "two"], "shout": "ARM!", "six": "1.17.0", "sorted": "alpha mu zeta"}'
expect "the zip runs under emulated arm64 CPython 3.13" '[[ "$out" == "$want" ]]'

# 5. Failed builds, and no network in build actions.
start=$SECONDS
"$BAZEL" build //broken:failbuild_arm64 >"$tmp/failbuild.log" 2>&1
code=$?
msg="$(sed -n '/ofiuco: building failbuild/,/--workdir/p' "$tmp/failbuild.log")"
echo "    failed compile (exit $code):"
tail -12 <<<"$msg" | while IFS= read -r line; do echo "      $line"; done
expect "build actions run in Bazel's linux-sandbox" 'grep -q "linux-sandbox" "$tmp/failbuild.log"'
expect "a failed compile: the build fails, naming the package, version, target and backend" \
  '[[ $code != 0 ]] && grep -q "^ofiuco: building failbuild 0.1 for linux aarch64, glibc <= 2.34, CPython 3.13 from the local directory .failbuild. failed (backend .setuptools.build_meta., exit 1)" <<<"$msg"'
expect "a failed compile: the backend's output tail has the compiler's error" \
  'grep -q "^    | .*error: \"failbuild: _speedups.c has no aarch64 port\"" <<<"$msg"'
repro="$(grep -A1 '^hint: to reproduce it outside Bazel' <<<"$msg" | tail -1 | sed 's/^ *//')"
expect "a failed compile: no wheel of failbuild is left in the output tree" \
  '[[ -z "$(find -L "$("$BAZEL" info output_path 2>/dev/null)" -name "failbuild-*.whl" 2>/dev/null)" ]]'
"$BAZEL" --shell "$repro" >"$tmp/failbuild-repro.log" 2>&1
code=$?
expect "a failed compile: its reproduction command fails the same way outside Bazel" \
  '[[ -n "$repro" && $code == 1 ]] && grep -q "failbuild: _speedups.c has no aarch64 port" "$tmp/failbuild-repro.log"'

mkdir -p "$tmp/www" && echo "a build input from the network" >"$tmp/www/index.html"
python3 -m http.server 39419 --bind 127.0.0.1 --directory "$tmp/www" >"$tmp/www.log" 2>&1 &
www_pid=$!
for _ in $(seq 50); do python3 -c 'import urllib.request; urllib.request.urlopen("http://127.0.0.1:39419/", timeout=1)' 2>/dev/null && break; sleep 0.1; done
# Even with the network allowed by default, build actions have none.
"$BAZEL" build --sandbox_default_allow_network=true //broken:netbuild_arm64 >"$tmp/netbuild.log" 2>&1
code=$?
msg="$(sed -n '/ofiuco: building netbuild/,/--workdir/p' "$tmp/netbuild.log")"
echo "    networked backend (exit $code): $(grep -o 'netbackend: cannot download.*' <<<"$msg" | head -1)"
expect "a build backend that downloads fails in Bazel: the build action has no network" \
  '[[ $code != 0 ]] && grep -q "^    | netbackend: cannot download http://127.0.0.1:39419/" <<<"$msg"'
repro="$(grep -A1 '^hint: to reproduce it outside Bazel' <<<"$msg" | tail -1 | sed 's/^ *//')"
"$BAZEL" --shell "$repro" >"$tmp/netbuild-repro.log" 2>&1
code=$?
expect "the same build outside Bazel reaches the server and builds the wheel" \
  '[[ -n "$repro" && $code == 0 ]] && ls /tmp/ofiuco-build-netbuild-0.1-aarch64-3.13/netbuild-0.1-*.whl >/dev/null && grep -q "GET / " "$tmp/www.log"'
kill "$www_pid" 2>/dev/null
wait "$www_pid" 2>/dev/null
rm -rf /tmp/ofiuco-build-failbuild-0.1-aarch64-3.13 /tmp/ofiuco-build-netbuild-0.1-aarch64-3.13
echo "    failed builds: $((SECONDS - start)) s"

echo
summary "sources"
