#!/usr/bin/env bash
# Runs an OCI runtime bundle (what `umoci unpack --rootless` writes) with runc
# inside a new user and mount namespace. With `--arm64` on a host of another
# CPU, the namespace gets a binfmt_misc of its own (Linux >= 6.7 lets a user
# namespace mount one) in which qemu-aarch64-static is registered for arm64
# ELF files, so the container's arm64 programs run under qemu-user. Nothing
# changes outside the namespace: the host's binfmt_misc (if any) is not
# touched, and the registration goes away with the namespace.
#
#   tools/dev/runc-userns.sh [--arm64] BUNDLE ID   # the container's stdout is this script's
#
# The flags of the registration are `FP`: F opens qemu when registering (so
# the container's rootfs needs no qemu), P keeps the program's argv[0] (with F
# alone, programs that look at argv[0], like python3, break).
# Needs runc and, for --arm64, qemu-user-static (tools/dev/oci-tools.sh --setup).
set -euo pipefail
ARM64=0
if [[ "${1:-}" == "--arm64" ]]; then
  ARM64=1
  shift
fi
if [[ $# != 2 ]]; then
  echo "usage: tools/dev/runc-userns.sh [--arm64] BUNDLE ID" >&2
  exit 2
fi
BUNDLE="$(cd "$1" && pwd)"
ID="$2"
[[ -f "$BUNDLE/config.json" ]] || {
  echo "error: \`$BUNDLE\` is not an OCI runtime bundle (no config.json)" >&2
  echo "hint: write one with \`umoci unpack --rootless --image LAYOUT:TAG BUNDLE\`" >&2
  exit 1
}
QEMU=""
if [[ $ARM64 == 1 && "$(uname -m)" != aarch64 ]]; then
  kernel="$(uname -r)"
  IFS=. read -r major minor _ <<<"$kernel"
  if ((major < 6 || (major == 6 && minor < 7))); then
    echo "error: running arm64 containers on $(uname -m) needs a binfmt_misc in a user namespace, which Linux $kernel does not have (6.7 or newer does)" >&2
    exit 1
  fi
  QEMU="$(command -v qemu-aarch64-static)" || {
    echo "error: qemu-aarch64-static is not installed" >&2
    echo "hint: run tools/dev/oci-tools.sh --setup" >&2
    exit 1
  }
fi
STATE="$(mktemp -d /tmp/ofiuco-runc.XXXXXX)"
trap 'rm -rf "$STATE"' EXIT

# In the namespace: its own binfmt_misc on /proc/sys/fs/binfmt_misc (a mount
# of this mount namespace only), the arm64 entry, then runc. The magic and
# mask are qemu's own for aarch64 ELF executables (qemu-binfmt-conf.sh); the
# kernel decodes the \x escapes.
# shellcheck disable=SC2016 # expanded by the inner shell
unshare --user --map-root-user --mount --propagation private bash -euo pipefail -c '
  qemu="$1" state="$2" bundle="$3" id="$4"
  if [[ -n "$qemu" ]]; then
    mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
    magic="\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\xb7\x00"
    mask="\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff"
    printf ":ofiuco-aarch64:M::%s:%s:%s:FP" "$magic" "$mask" "$qemu" >/proc/sys/fs/binfmt_misc/register
  fi
  exec runc --root "$state" run --bundle "$bundle" "$id" </dev/null
' runc-userns "$QEMU" "$STATE/runc" "$BUNDLE" "$ID"
