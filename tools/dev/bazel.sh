#!/usr/bin/env bash
# Run Bazel for ofiuco's tests and examples.
#
#   tools/dev/bazel.sh ARGS...      # run bazel in the current directory
#   tools/dev/bazel.sh --setup      # only provision (no-op when a bazel is on PATH)
#   tools/dev/bazel.sh --shell CMD  # run the shell command CMD where bazel runs
#                                   # (e.g. the reproduction command of a failed
#                                   # build from source; `bazel` is on its PATH)
#
# Uses `bazelisk` or `bazel` from PATH when there is one. Otherwise (machines
# that cannot reach the Bazel Central Registry or GitHub) it provisions
# Debian sid's packaged Bazel 7.7.1 (bazel-bootstrap) in a chroot under
# $OFIUCO_BAZEL_ROOT (default /var/cache/ofiuco-bazel-sid) and runs it through
# bubblewrap. Debian's /etc/bazel/bazelrc overrides platforms, rules_python
# (0.22.1), bazel_skylib, rules_cc, rules_java, bazel_features, rules_license
# and rules_proto with local copies; this script adds empty stand-ins for the
# modules bazel_tools declares that Debian does not package. Provisioning needs
# root, debootstrap and bubblewrap (installed with apt-get when missing) and
# takes about two minutes, once per machine. It also installs python3.13 (a
# second interpreter beside python3 = 3.14, for tests/pythons), the headers of
# both, and bookworm's python3.11 (for source builds; see below).
set -euo pipefail

if [[ -z "${OFIUCO_FORCE_CHROOT:-}" ]]; then
  for b in bazelisk bazel; do
    if command -v "$b" >/dev/null 2>&1; then
      [[ "${1:-}" == "--setup" ]] && exit 0
      [[ "${1:-}" == "--shell" ]] && exec bash -c "${2:?--shell needs a command}"
      exec "$b" "$@"
    fi
  done
fi

ROOT="${OFIUCO_BAZEL_ROOT:-${BAZEL_SID_ROOT:-/var/cache/ofiuco-bazel-sid}}"
# Reuse the chroot the shared environment script may already have made.
if [[ -z "${OFIUCO_BAZEL_ROOT:-}" && ! -f "$ROOT/.ready" && -f /var/cache/bazel-sid/.ready ]]; then
  ROOT=/var/cache/bazel-sid
fi
APT_OPTS=(-o Acquire::Check-Valid-Until=false -o Acquire::Retries=3)

# A second CPython beside the chroot's python3 (3.14), for tests/pythons (two
# Python toolchains of different minor versions). Also run for chroots made
# before it was added, hence its own check after the `.ready` one.
setup_python313() {
  [[ -x "$ROOT/usr/bin/python3.13" ]] && return 0
  echo "ofiuco: installing python3.13 in $ROOT (once)" >&2
  bwrap --bind "$ROOT" / --proc /proc --dev /dev --setenv DEBIAN_FRONTEND noninteractive \
    bash -c "apt-get ${APT_OPTS[*]} update -qq && apt-get ${APT_OPTS[*]} install -y -qq --no-install-recommends python3.13 >/dev/null"
}

# git, for git_source_repo (packages locked from a git repository, issue #8).
# Also run for chroots made before it was added.
setup_git() {
  [[ -x "$ROOT/usr/bin/git" ]] && return 0
  echo "ofiuco: installing git in $ROOT (once)" >&2
  bwrap --bind "$ROOT" / --proc /proc --dev /dev --setenv DEBIAN_FRONTEND noninteractive \
    bash -c "apt-get ${APT_OPTS[*]} update -qq && apt-get ${APT_OPTS[*]} install -y -qq --no-install-recommends git >/dev/null"
}

# Source builds (issue #8) run the build backend with an exec interpreter of the
# target's minor version and compile against its headers: the headers of the
# chroot's 3.13 and 3.14, and a third CPython, 3.11 (for the AWS Lambda
# python3.11 presets), which sid does not package. It is Debian bookworm's
# python3.11, unpacked (not installed: its dependencies are sid's) into
# /opt/ofiuco-python3.11 and put on PATH as /usr/local/bin/python3.11. It finds
# its standard library and headers relative to itself.
setup_source_build_pythons() {
  [[ -f "$ROOT/opt/ofiuco-python3.11/.ready" && -f "$ROOT/usr/include/python3.13/Python.h" && -f "$ROOT/usr/include/python3.14/Python.h" ]] && return 0
  echo "ofiuco: installing Python headers and python3.11 (bookworm) in $ROOT (once)" >&2
  bwrap --bind "$ROOT" / --proc /proc --dev /dev --setenv DEBIAN_FRONTEND noninteractive bash -euo pipefail -c "
    apt-get ${APT_OPTS[*]} update -qq
    apt-get ${APT_OPTS[*]} install -y -qq --no-install-recommends libpython3.13-dev libpython3.14-dev >/dev/null
    mkdir -p /etc/apt/ofiuco-bookworm /var/lib/apt/ofiuco-bookworm/lists/partial /var/cache/apt/ofiuco-bookworm/archives/partial
    echo 'deb http://deb.debian.org/debian bookworm main' >/etc/apt/ofiuco-bookworm/sources.list
    bookworm=(-o Dir::Etc::SourceList=/etc/apt/ofiuco-bookworm/sources.list -o Dir::Etc::SourceParts=/dev/null
              -o Dir::State::Lists=/var/lib/apt/ofiuco-bookworm/lists -o Dir::Cache::Archives=/var/cache/apt/ofiuco-bookworm/archives)
    apt-get ${APT_OPTS[*]} \"\${bookworm[@]}\" update -qq
    rm -rf /opt/ofiuco-python3.11 /tmp/ofiuco-py311-debs && mkdir -p /tmp/ofiuco-py311-debs && cd /tmp/ofiuco-py311-debs
    apt-get ${APT_OPTS[*]} \"\${bookworm[@]}\" download -qq python3.11-minimal libpython3.11-minimal libpython3.11-stdlib libpython3.11-dev 2>/dev/null
    for deb in *.deb; do dpkg-deb -x \"\$deb\" /opt/ofiuco-python3.11; done
    rm -rf /tmp/ofiuco-py311-debs
    ln -sf /opt/ofiuco-python3.11/usr/bin/python3.11 /usr/local/bin/python3.11
    python3.11 -c 'import sys, sysconfig, os; assert sys.version_info[:2] == (3, 11); assert os.path.exists(os.path.join(sysconfig.get_paths()[\"include\"], \"Python.h\"))'
    touch /opt/ofiuco-python3.11/.ready
  "
}

setup() {
  if [[ -x "$ROOT/usr/bin/bazel" && -f "$ROOT/.ready" ]]; then
    setup_python313
    setup_source_build_pythons
    setup_git
    return 0
  fi
  echo "ofiuco: provisioning Debian's Bazel 7.7.1 in $ROOT (once per machine, ~2 min)" >&2
  if ! command -v debootstrap >/dev/null || ! command -v bwrap >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap bubblewrap >/dev/null
  fi
  mkdir -p "$ROOT"
  [[ -x "$ROOT/bin/bash" ]] || debootstrap --variant=minbase sid "$ROOT" http://deb.debian.org/debian >/dev/null
  # Bazel's JVM must trust what the host trusts (for downloads from PyPI).
  if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
    mkdir -p "$ROOT/usr/local/share/ca-certificates"
    cp /usr/local/share/ca-certificates/*.crt "$ROOT/usr/local/share/ca-certificates/"
  fi
  cp /etc/resolv.conf "$ROOT/etc/resolv.conf" 2>/dev/null || true
  # gcc: the fallback `cargo build` of the helper needs a linker inside the chroot.
  bwrap --bind "$ROOT" / --proc /proc --dev /dev --setenv DEBIAN_FRONTEND noninteractive \
    bash -c "apt-get ${APT_OPTS[*]} update -qq && apt-get ${APT_OPTS[*]} install -y -qq --no-install-recommends bazel-bootstrap ca-certificates-java gcc libc6-dev >/dev/null && update-ca-certificates >/dev/null"
  local stubs="$ROOT/opt/bazel-stubs"
  for m in apple_support buildozer protobuf zlib; do
    mkdir -p "$stubs/$m"
    echo "module(name = \"$m\")" >"$stubs/$m/MODULE.bazel"
    : >"$stubs/$m/BUILD.bazel"
  done
  cat >"$stubs/buildozer/buildozer_binary.bzl" <<'BZL'
def _stub_repo_impl(rctx):
    rctx.file("BUILD.bazel", "")

_stub_repo = repository_rule(implementation = _stub_repo_impl)

def _impl(mctx):
    _stub_repo(name = "buildozer_binary")

buildozer_binary = module_extension(implementation = _impl)
BZL
  cat >"$ROOT/etc/bazel.bazelrc" <<'RC'
common --override_module=apple_support=/opt/bazel-stubs/apple_support
common --override_module=buildozer=/opt/bazel-stubs/buildozer
common --override_module=protobuf=/opt/bazel-stubs/protobuf
common --override_module=zlib=/opt/bazel-stubs/zlib
RC
  setup_python313
  setup_source_build_pythons
  setup_git
  touch "$ROOT/.ready"
}

if [[ "${1:-}" == "--setup" ]]; then
  setup
  exit 0
fi
setup
top="$(git rev-parse --show-toplevel 2>/dev/null || pwd -P)"
# This checkout too: workspaces elsewhere (tests/e2e) point local_path_override at it.
self="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"
mkdir -p "$HOME/.cache/bazel"
binds=(--bind "$top" "$top" --bind "$self" "$self" --bind "$HOME/.cache/bazel" "$HOME/.cache/bazel" --bind /tmp /tmp)
for d in "$HOME/.cargo" "$HOME/.rustup" "${CARGO_TARGET_DIR:-}"; do
  [[ -n "$d" && -d "$d" ]] && binds+=(--bind "$d" "$d")
done
# OFIUCO_BAZEL_SANDBOX=linux: the host's /proc and /sys instead of fresh ones,
# so that Bazel's linux-sandbox can mount its own (bubblewrap's /proc has
# read-only submounts, under which the kernel refuses a new proc mount). Build
# actions then run in namespaces of their own, with no network unless allowed;
# otherwise Bazel falls back to processwrapper-sandbox, which isolates nothing.
# The Bazel server keeps the mounts of the client that started it: shut it
# down when switching.
proc=(--proc /proc)
[[ "${OFIUCO_BAZEL_SANDBOX:-}" == linux ]] && proc=(--bind /proc /proc --bind /sys /sys)
run=(bazel "$@")
[[ "${1:-}" == "--shell" ]] && run=(bash -c "${2:?--shell needs a command}")
exec bwrap --bind "$ROOT" / "${proc[@]}" --dev /dev "${binds[@]}" \
  --setenv HOME "$HOME" \
  --setenv PATH "$HOME/.cargo/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
  --chdir "$(pwd -P)" "${run[@]}"
