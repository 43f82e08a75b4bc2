#!/usr/bin/env bash
# Today's workaround for benchmark E (tools/bench/run.sh source): an emulated
# linux/arm64 Debian bookworm (CPython 3.11, gcc 12, glibc 2.36) run rootless
# with proot + qemu-aarch64-static (no binfmt_misc), where `pip wheel` builds
# an sdist as on an arm64 machine.
#
#   arm64_build_root.sh setup          # once per machine (root, network to Debian and PyPI)
#   arm64_build_root.sh run CMD...     # run CMD in the root (cwd /work, bound to $PWD)
set -euo pipefail
ROOT="${OFIUCO_ARM64_BUILD_ROOT:-/var/cache/ofiuco-arm64-build}"
setup() {
  [[ -f "$ROOT/.ready" ]] && return 0
  for tool in debootstrap qemu-aarch64-static proot; do
    command -v "$tool" >/dev/null || {
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap qemu-user-static proot >/dev/null
      break
    }
  done
  rm -rf "$ROOT" && mkdir -p "$ROOT"
  # The first stage downloads and unpacks: no arm64 code runs.
  debootstrap --foreign --arch=arm64 --variant=minbase \
    --include=python3,python3-dev,python3-venv,python3-pip,gcc,libc6-dev \
    bookworm "$ROOT" http://deb.debian.org/debian >/dev/null
  (cd "$ROOT" && awk '{print $2}' debootstrap/debpaths | while read -r deb; do dpkg-deb -x ".$deb" .; done)
  run python3 -m venv /opt/pip
  touch "$ROOT/.ready"
}
# Known broken (2026-12-02): gcc in this root fails with "cannot execute
# 'cc1': execvp: No such file or directory" under proot 5.3 + qemu (pip's
# build dependencies install; the compile does not start). Benchmark E has
# not produced numbers yet.
run() {
  proot -q qemu-aarch64-static -r "$ROOT" -b /dev -b /proc -b /etc/resolv.conf -b /etc/ssl/certs -b "$PWD:/work" -w /work \
    /usr/bin/env -i PATH=/opt/pip/bin:/usr/bin:/bin HOME=/tmp LANG=C.UTF-8 "$@"
}
case "${1:-}" in
  setup) setup ;;
  run) shift; run "$@" ;;
  *) echo "usage: $0 setup | run CMD..." >&2; exit 2 ;;
esac
