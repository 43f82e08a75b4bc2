#!/usr/bin/env bash
# Real base images for the OCI image tests, made from Debian packages: no
# registry is needed. For each CPU (amd64, arm64), Debian bookworm's minbase
# plus python3.11 is unpacked by debootstrap's first stage (no foreign code
# runs, so no binfmt_misc is needed), trimmed of docs and caches, and packed
# by umoci into an OCI image layout, kept as a directory and as a tarball:
#
#   $DIR/bookworm-python3.11-{amd64,arm64}/      (OCI layout, tag `latest`)
#   $DIR/bookworm-python3.11-{amd64,arm64}.tar   (the same, as a tar: what
#                                                 `skopeo copy ... oci-archive:` writes)
#
# DIR is $OFIUCO_OCI_BASE_DIR, else .cache/oci-base in this checkout (inside
# the tree that tools/dev/bazel.sh shares with its chroot).
#
#   tools/dev/oci-base.sh --setup   # once per checkout (~2-4 min; root, network to Debian)
#   tools/dev/oci-base.sh --dir     # print DIR
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
DIR="${OFIUCO_OCI_BASE_DIR:-$PWD/.cache/oci-base}"
SUITE=bookworm
MIRROR="${OFIUCO_DEBIAN_MIRROR:-http://deb.debian.org/debian}"

make_base() {
  local arch="$1" name="bookworm-python3.11-$1"
  [[ -f "$DIR/$name.tar" ]] && return 0
  echo "ofiuco: making the $arch base image $DIR/$name (Debian $SUITE, python3.11)" >&2
  local work
  work="$(mktemp -d "$DIR/.work-$arch.XXXXXX")"
  local root="$work/root"
  debootstrap --foreign --arch="$arch" --variant=minbase --include=python3.11 \
    "$SUITE" "$root" "$MIRROR" >"$work/debootstrap.log" 2>&1 || {
    cat "$work/debootstrap.log" >&2
    echo "error: debootstrap of the $arch root failed (log above)" >&2
    exit 1
  }
  # The second stage would configure the packages by running them; unpacking is enough here.
  (cd "$root" && awk '{print $2}' debootstrap/debpaths | while read -r deb; do dpkg-deb -x ".$deb" .; done)
  rm -rf "$root/debootstrap" "$root/var/cache/apt/archives" "$root/var/lib/apt/lists" \
    "$root/usr/share/doc" "$root/usr/share/man" "$root/usr/share/info" "$root/usr/share/locale"
  mkdir -p "$root/tmp" && chmod 1777 "$root/tmp"
  local layout="$work/$name"
  umoci init --layout "$layout"
  umoci new --image "$layout:latest"
  umoci unpack --image "$layout:latest" "$work/bundle" >/dev/null
  cp -a "$root/." "$work/bundle/rootfs/"
  umoci repack --image "$layout:latest" "$work/bundle"
  umoci config --image "$layout:latest" --os linux --architecture "$arch" \
    --config.env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --config.cmd /usr/bin/python3.11 --author "ofiuco tools/dev/oci-base.sh"
  umoci gc --layout "$layout"
  umoci unpack --image "$layout:latest" "$work/check" >/dev/null
  [[ -x "$work/check/rootfs/usr/bin/python3.11" ]] || {
    echo "error: the $arch base image has no /usr/bin/python3.11" >&2
    exit 1
  }
  tar -C "$layout" -cf "$work/$name.tar" oci-layout index.json blobs
  rm -rf "${DIR:?}/${name:?}"
  mv "$layout" "$DIR/$name"
  mv "$work/$name.tar" "$DIR/$name.tar"
  rm -rf "$work"
}

case "${1:-}" in
  --setup)
    tools/dev/oci-tools.sh --setup
    mkdir -p "$DIR"
    make_base amd64
    make_base arm64
    ;;
  --dir) echo "$DIR" ;;
  *)
    echo "usage: tools/dev/oci-base.sh --setup | --dir" >&2
    exit 2
    ;;
esac
