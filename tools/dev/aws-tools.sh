#!/usr/bin/env bash
# The AWS tools of the opt-in deploy tests, pinned, from PyPI into a venv of
# the checkout (.cache/aws-tools): the real AWS CLI (v1) and moto's server (a
# local AWS API: Lambda, S3), plus Debian's docker-registry (a local OCI
# registry), skopeo (the push tool of py_oci_push) and htpasswd (apache2-utils:
# a registry that wants a password).
#
# When tools/dev/bazel.sh runs Bazel in its Debian sid chroot (no bazel on
# PATH), `bazel run` runs there too: --setup then also installs skopeo in the
# chroot and the AWS CLI into a second venv made by the chroot's python3
# (.cache/aws-tools-chroot), and --bazel-run-aws names that one.
#
#   tools/dev/aws-tools.sh --setup          # once per machine (~2 min; network to PyPI and Debian)
#   tools/dev/aws-tools.sh --setup-registry # only what the push tests need: the Debian tools (and skopeo in the chroot)
#   tools/dev/aws-tools.sh --bin            # print the venv's bin directory (put it first on PATH)
#   tools/dev/aws-tools.sh --bazel-run-aws  # the `aws` for OFIUCO_AWS under tools/dev/bazel.sh run
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="$ROOT/.cache/aws-tools"
CHROOT_VENV="$ROOT/.cache/aws-tools-chroot"
# Pinned: what docs/deploy.md was tested with.
PINS=("awscli==1.45.11" "moto[server,awslambda,s3]==5.2.1")
DEBS=(docker-registry skopeo apache2-utils)

as_root() { if [[ $EUID == 0 ]]; then "$@"; else sudo "$@"; fi; }

# The chroot tools/dev/bazel.sh runs Bazel in, if it uses one (its own test).
chroot_root() {
  if [[ -z "${OFIUCO_FORCE_CHROOT:-}" ]] && { command -v bazelisk || command -v bazel; } >/dev/null 2>&1; then
    return 1
  fi
  local root="${OFIUCO_BAZEL_ROOT:-${BAZEL_SID_ROOT:-/var/cache/ofiuco-bazel-sid}}"
  if [[ -z "${OFIUCO_BAZEL_ROOT:-}" && ! -f "$root/.ready" && -f /var/cache/bazel-sid/.ready ]]; then
    root=/var/cache/bazel-sid
  fi
  echo "$root"
}

setup_chroot() { # ROOT
  local root="$1"
  "$ROOT/tools/dev/bazel.sh" --setup
  if [[ ! -x "$root/usr/bin/skopeo" || ! -d "$root/usr/lib/python3/dist-packages/pip" ]]; then
    echo "ofiuco: installing skopeo and python3-venv in $root (once)" >&2
    as_root bwrap --bind "$root" / --proc /proc --dev /dev --setenv DEBIAN_FRONTEND noninteractive \
      bash -c "apt-get -o Acquire::Check-Valid-Until=false -o Acquire::Retries=3 update -qq && apt-get -o Acquire::Check-Valid-Until=false -o Acquire::Retries=3 install -y -qq --no-install-recommends skopeo python3-venv python3-pip >/dev/null"
  fi
  if [[ ! -x "$CHROOT_VENV/bin/aws" || "$(cat "$CHROOT_VENV/.pins" 2>/dev/null)" != "${PINS[0]}" ]]; then
    echo "ofiuco: installing ${PINS[0]} into $CHROOT_VENV with $root's python3 (once)" >&2
    rm -rf "$CHROOT_VENV"
    mkdir -p "$CHROOT_VENV"
    bwrap --bind "$root" / --proc /proc --dev /dev --bind "$ROOT" "$ROOT" --bind /tmp /tmp \
      bash -c "python3 -m venv '$CHROOT_VENV' && '$CHROOT_VENV/bin/pip' install -q --disable-pip-version-check '${PINS[0]}'"
    echo "${PINS[0]}" >"$CHROOT_VENV/.pins"
  fi
}

setup_debs() {
  local missing=()
  command -v docker-registry >/dev/null || missing+=(docker-registry)
  command -v skopeo >/dev/null || missing+=(skopeo)
  command -v htpasswd >/dev/null || missing+=(apache2-utils)
  if ((${#missing[@]})); then
    echo "ofiuco: installing ${DEBS[*]} with apt-get (once per machine)" >&2
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${DEBS[@]}" >/dev/null
  fi
}

# skopeo in tools/dev/bazel.sh's chroot, where `bazel run` runs (if it uses one).
setup_chroot_skopeo() { # ROOT
  local root="$1"
  "$ROOT/tools/dev/bazel.sh" --setup
  if [[ ! -x "$root/usr/bin/skopeo" ]]; then
    echo "ofiuco: installing skopeo in $root (once)" >&2
    as_root bwrap --bind "$root" / --proc /proc --dev /dev --setenv DEBIAN_FRONTEND noninteractive \
      bash -c "apt-get -o Acquire::Check-Valid-Until=false -o Acquire::Retries=3 update -qq && apt-get -o Acquire::Check-Valid-Until=false -o Acquire::Retries=3 install -y -qq --no-install-recommends skopeo >/dev/null"
  fi
}

case "${1:-}" in
  --setup-registry)
    setup_debs
    if root="$(chroot_root)"; then
      setup_chroot_skopeo "$root"
    fi
    ;;
  --setup)
    setup_debs
    stamp="$VENV/.pins"
    if [[ ! -x "$VENV/bin/aws" || ! -x "$VENV/bin/moto_server" || "$(cat "$stamp" 2>/dev/null)" != "${PINS[*]}" ]]; then
      echo "ofiuco: installing ${PINS[*]} into $VENV (once per machine)" >&2
      rm -rf "$VENV"
      python3 -m venv "$VENV"
      "$VENV/bin/pip" install -q --disable-pip-version-check "${PINS[@]}"
      echo "${PINS[*]}" >"$stamp"
    fi
    if root="$(chroot_root)"; then
      setup_chroot "$root"
    fi
    ;;
  --bin)
    echo "$VENV/bin"
    ;;
  --bazel-run-aws)
    if chroot_root >/dev/null; then echo "$CHROOT_VENV/bin/aws"; else echo "$VENV/bin/aws"; fi
    ;;
  *)
    echo "usage: tools/dev/aws-tools.sh --setup | --setup-registry | --bin | --bazel-run-aws" >&2
    exit 2
    ;;
esac
