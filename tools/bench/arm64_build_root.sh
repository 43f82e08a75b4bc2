#!/usr/bin/env bash
# Today's workaround for benchmarks F and G (tools/bench/run.sh source, rust):
# an emulated linux/arm64 Debian bookworm (CPython 3.11, gcc 12, glibc 2.36),
# where `pip wheel` builds an sdist as on an arm64 machine. This is what
# `docker run --platform linux/arm64` does on an x86_64 host: every arm64
# process (pip, the build backend, gcc, cc1, as, ld, cargo, rustc) runs under
# qemu-aarch64-static, through a binfmt_misc handler registered with the F
# flag, in a chroot.
#
#   arm64_build_root.sh setup [--rust]   # once per machine (root; network to Debian, PyPI, static.rust-lang.org)
#   arm64_build_root.sh run CMD...       # run CMD in the root (cwd /work, bound to $PWD)
#   arm64_build_root.sh unregister       # remove the binfmt_misc handler this script registered
#
# --rust adds Rust 1.99.1 for aarch64 (the release ofiuco pins, from
# static.rust-lang.org, sha256-checked) at /opt/rust, for `pip wheel` of a
# maturin or setuptools-rust sdist; cargo fetches crates from crates.io.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="${OFIUCO_ARM64_BUILD_ROOT:-/var/cache/ofiuco-arm64-build}"
BINFMT=/proc/sys/fs/binfmt_misc
HANDLER=qemu-aarch64-ofiuco
QEMU=/usr/bin/qemu-aarch64-static

die() { echo "arm64_build_root: $*" >&2; exit 1; }

# An ELF64 little-endian aarch64 executable (e_machine 0xb7), as qemu's own
# qemu-binfmt-conf.sh registers it. F: the kernel opens qemu now, so the
# handler works inside the chroot, where qemu is not.
register() {
  [[ -f $BINFMT/status ]] || mount -t binfmt_misc binfmt_misc "$BINFMT" 2>/dev/null ||
    die "binfmt_misc is not mounted at $BINFMT and cannot be (needs root on a VM or a privileged container)"
  local f
  for f in "$BINFMT"/*; do
    [[ -f $f && $(basename "$f") != status && $(basename "$f") != register ]] || continue
    grep -q '^magic 7f454c460201010000000000000000000200b700' "$f" && grep -q '^flags: .*F' "$f" && return 0
  done
  printf '%s' ":$HANDLER:M::\\x7fELF\\x02\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\xb7\\x00:\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff:$QEMU:F" >"$BINFMT/register" ||
    die "could not register $QEMU for aarch64 executables in $BINFMT"
}

rust() {
  [[ -x $ROOT/opt/rust/bin/cargo ]] && return 0
  # The aarch64 archives of python/private/rust_repo.bzl: from the release's
  # channel manifest, pinned by sha256, which pins them.
  local bzl=$HERE/../../python/private/rust_repo.bzl version manifest_sha
  version=$(sed -n 's/^RUST_VERSION = "\(.*\)"/\1/p' "$bzl")
  manifest_sha=$(sed -n 's/^RUST_MANIFEST_SHA256 = "\(.*\)"/\1/p' "$bzl")
  [[ -n $version && -n $manifest_sha ]] || die "no RUST_VERSION or RUST_MANIFEST_SHA256 in python/private/rust_repo.bzl"
  local tmp component url sha stem
  tmp=$(mktemp -d)
  mkdir -p "$ROOT/opt/rust.new"
  curl -fsSL --retry 3 -o "$tmp/manifest.toml" "https://static.rust-lang.org/dist/channel-rust-$version.toml"
  echo "$manifest_sha  $tmp/manifest.toml" | sha256sum -c --quiet - || die "channel-rust-$version.toml does not match its sha256"
  for component in rustc cargo rust-std; do
    read -r url sha < <(python3 -c 'import sys, tomllib; t = tomllib.load(open(sys.argv[1], "rb"))["pkg"][sys.argv[2]]["target"]["aarch64-unknown-linux-gnu"]; print(t["xz_url"], t["xz_hash"]) if t["available"] else sys.exit(1)' "$tmp/manifest.toml" "$component") ||
      die "Rust $version has no $component for aarch64-unknown-linux-gnu"
    stem=$component-$version-aarch64-unknown-linux-gnu
    curl -fsSL --retry 3 -o "$tmp/$stem.tar.xz" "$url"
    echo "$sha  $tmp/$stem.tar.xz" | sha256sum -c --quiet - || die "$stem.tar.xz does not match its sha256"
    tar -xJf "$tmp/$stem.tar.xz" -C "$tmp"
    cp -a "$tmp/$stem/${component/rust-std/rust-std-aarch64-unknown-linux-gnu}/." "$ROOT/opt/rust.new/"
  done
  rm -rf "$tmp" "$ROOT/opt/rust" && mv "$ROOT/opt/rust.new" "$ROOT/opt/rust"
}

setup() {
  local want_rust=$1
  for tool in debootstrap qemu-aarch64-static; do
    command -v "$tool" >/dev/null || {
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap qemu-user-static >/dev/null
      break
    }
  done
  register
  if [[ ! -f $ROOT/.ready ]]; then
    rm -rf "$ROOT" && mkdir -p "$ROOT"
    # The first stage downloads and unpacks; unpacking each package is enough
    # for a root that only runs pip and compilers (no maintainer scripts).
    debootstrap --foreign --arch=arm64 --variant=minbase \
      --include=python3,python3-dev,python3-venv,python3-pip,gcc,g++,libc6-dev \
      bookworm "$ROOT" http://deb.debian.org/debian >/dev/null
    (cd "$ROOT" && awk '{print $2}' debootstrap/debpaths | while read -r deb; do dpkg-deb -x ".$deb" .; done)
    # What update-alternatives would link (cargo links with `cc`).
    ln -sf gcc "$ROOT/usr/bin/cc" && ln -sf g++ "$ROOT/usr/bin/c++"
    mkdir -p "$ROOT/work"
    run python3 -m venv /opt/pip
    touch "$ROOT/.ready"
  fi
  [[ $want_rust == 1 ]] && rust
  return 0
}

# A private mount namespace: the binds vanish when CMD ends.
run() {
  register
  [[ -x $ROOT/usr/bin/python3 ]] || die "no root at $ROOT: run '$0 setup' first"
  # shellcheck disable=SC2016 # the script expands its own arguments
  unshare --mount --propagation private -- /bin/sh -ec '
    root=$1; work=$2; cert=$3; shift 3
    mount --rbind /dev "$root/dev"
    mount -t proc proc "$root/proc"
    mount --bind "$work" "$root/work"
    for f in /etc/hosts /etc/resolv.conf; do [ -f "$f" ] && touch "$root$f" && mount --bind "$f" "$root$f"; done
    mkdir -p "$root/etc/ssl/certs" && mount --bind /etc/ssl/certs "$root/etc/ssl/certs"
    exec chroot "$root" /usr/bin/env -i PATH=/opt/pip/bin:/opt/rust/bin:/usr/bin:/bin HOME=/tmp LANG=C.UTF-8 \
      PIP_CERT="$cert" SSL_CERT_FILE="$cert" CARGO_HTTP_CAINFO="$cert" PIP_DISABLE_PIP_VERSION_CHECK=1 \
      /bin/sh -c "cd /work && exec \"\$@\"" sh "$@"
  ' sh "$ROOT" "$PWD" /etc/ssl/certs/ca-certificates.crt "$@"
}

case "${1:-}" in
  setup) setup "$([[ ${2:-} == --rust ]] && echo 1 || echo 0)" ;;
  run) shift; run "$@" ;;
  unregister) [[ -f $BINFMT/$HANDLER ]] && echo -1 >"$BINFMT/$HANDLER"; exit 0 ;;
  *) echo "usage: $0 setup [--rust] | run CMD... | unregister" >&2; exit 2 ;;
esac
