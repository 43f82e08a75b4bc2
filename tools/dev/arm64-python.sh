#!/usr/bin/env bash
# An emulated linux/arm64 CPython for smoke tests of arm64 artifacts (AWS
# Lambda zips) on an x86_64 host, without binfmt_misc: 3.11 (Debian bookworm,
# glibc 2.36, the default) or 3.13 (Debian trixie, glibc 2.41).
#
#   tools/dev/arm64-python.sh [--python 3.13] --setup   # once per machine (~30 s; root, network to Debian)
#   tools/dev/arm64-python.sh [--python 3.13] ARGS...   # run python3.X under qemu-aarch64
#
# Example: PYTHONPATH=unzipped tools/dev/arm64-python.sh -c "import numpy"
set -euo pipefail
VERSION=3.11
if [[ "${1:-}" == "--python" ]]; then
  VERSION="${2:?--python needs a version: 3.11 or 3.13}"
  shift 2
fi
case "$VERSION" in
  3.11) SUITE=bookworm; DEFAULT_ROOT=/var/cache/ofiuco-arm64-python; SHARED_ROOT=/var/cache/arm64-python ;;
  3.13) SUITE=trixie; DEFAULT_ROOT=/var/cache/ofiuco-arm64-python3.13; SHARED_ROOT= ;;
  *) echo "ofiuco: no emulated arm64 CPython $VERSION here (3.11 or 3.13)" >&2; exit 2 ;;
esac
if [[ "$VERSION" == 3.11 ]]; then
  ROOT="${OFIUCO_ARM64_ROOT:-$DEFAULT_ROOT}"
else
  ROOT="${OFIUCO_ARM64_ROOT_313:-$DEFAULT_ROOT}"
fi
# Reuse the root the shared environment script may already have made.
if [[ -n "$SHARED_ROOT" && -z "${OFIUCO_ARM64_ROOT:-}" && ! -x "$ROOT/usr/bin/python$VERSION" && -x "$SHARED_ROOT/usr/bin/python$VERSION" ]]; then
  ROOT="$SHARED_ROOT"
fi

setup() {
  [[ -x "$ROOT/usr/bin/python$VERSION" ]] && command -v qemu-aarch64-static >/dev/null && return 0
  echo "ofiuco: provisioning an emulated arm64 CPython $VERSION in $ROOT (once per machine)" >&2
  if ! command -v debootstrap >/dev/null || ! command -v qemu-aarch64-static >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap qemu-user-static >/dev/null
  fi
  mkdir -p "$ROOT"
  # The first stage only downloads and unpacks: no arm64 code runs, so no binfmt is needed.
  debootstrap --foreign --arch=arm64 --variant=minbase --include=python3 "$SUITE" "$ROOT" http://deb.debian.org/debian >/dev/null
  (cd "$ROOT" && awk '{print $2}' debootstrap/debpaths | while read -r deb; do dpkg-deb -x ".$deb" .; done)
}

if [[ "${1:-}" == "--setup" ]]; then
  setup
  exit 0
fi
setup
exec qemu-aarch64-static -L "$ROOT" "$ROOT/usr/bin/python$VERSION" "$@"
