#!/usr/bin/env bash
# The OCI tools the image tests use, from Debian (bookworm): umoci (the
# strictest layout validator; also packs the test base images), skopeo
# (inspect, copy), oci-image-tool (spec validation), runc (runs the amd64
# image), qemu-user-static (runs arm64 code) and debootstrap (base roots).
#
#   tools/dev/oci-tools.sh --setup   # once per machine (~40 s; root, network to Debian)
#   tools/dev/oci-tools.sh --check   # exit 1 naming what is missing
set -euo pipefail
TOOLS=(umoci skopeo oci-image-tool runc qemu-aarch64-static debootstrap)
PACKAGES=(umoci skopeo oci-image-tool runc qemu-user-static debootstrap)

missing() {
  local tool
  for tool in "${TOOLS[@]}"; do
    command -v "$tool" >/dev/null || echo "$tool"
  done
}

as_root() { if [[ $EUID == 0 ]]; then "$@"; else sudo "$@"; fi; }

case "${1:-}" in
  --setup)
    if [[ -n "$(missing)" ]]; then
      echo "ofiuco: installing ${PACKAGES[*]} with apt-get (once per machine)" >&2
      as_root apt-get update -qq
      as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >/dev/null
    fi
    ;;
  --check)
    gone="$(missing)"
    if [[ -n "$gone" ]]; then
      echo "error: OCI tools missing: $(echo "$gone" | tr '\n' ' ')" >&2
      echo "hint: run tools/dev/oci-tools.sh --setup" >&2
      exit 1
    fi
    ;;
  *)
    echo "usage: tools/dev/oci-tools.sh --setup | --check" >&2
    exit 2
    ;;
esac
