#!/usr/bin/env bash
# An emulated linux/arm64 CPython 3.11 (Debian bookworm, glibc 2.36) for smoke
# tests of arm64 artifacts (AWS Lambda zips) on an x86_64 host, without binfmt_misc.
#
#   tools/dev/arm64-python.sh --setup          # once per machine (~30 s; root, network to Debian)
#   tools/dev/arm64-python.sh ARGS...          # run python3.11 under qemu-aarch64
#
# Example: PYTHONPATH=unzipped tools/dev/arm64-python.sh -c "import numpy"
set -euo pipefail
ROOT="${OFIUCO_ARM64_ROOT:-/var/cache/ofiuco-arm64-python}"
# Reuse the root the shared environment script may already have made.
if [[ -z "${OFIUCO_ARM64_ROOT:-}" && ! -x "$ROOT/usr/bin/python3.11" && -x /var/cache/arm64-python/usr/bin/python3.11 ]]; then
  ROOT=/var/cache/arm64-python
fi

setup() {
  [[ -x "$ROOT/usr/bin/python3.11" ]] && command -v qemu-aarch64-static >/dev/null && return 0
  echo "ofiuco: provisioning an emulated arm64 CPython 3.11 in $ROOT (once per machine)" >&2
  if ! command -v debootstrap >/dev/null || ! command -v qemu-aarch64-static >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap qemu-user-static >/dev/null
  fi
  mkdir -p "$ROOT"
  # The first stage only downloads and unpacks: no arm64 code runs, so no binfmt is needed.
  debootstrap --foreign --arch=arm64 --variant=minbase --include=python3 bookworm "$ROOT" http://deb.debian.org/debian >/dev/null
  (cd "$ROOT" && awk '{print $2}' debootstrap/debpaths | while read -r deb; do dpkg-deb -x ".$deb" .; done)
}

if [[ "${1:-}" == "--setup" ]]; then
  setup
  exit 0
fi
setup
exec qemu-aarch64-static -L "$ROOT" "$ROOT/usr/bin/python3.11" "$@"
