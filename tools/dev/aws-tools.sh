#!/usr/bin/env bash
# The AWS tools of the opt-in deploy tests, pinned, from PyPI into a venv of
# the checkout (.cache/aws-tools): the real AWS CLI (v1) and moto's server (a
# local AWS API: Lambda, S3), plus Debian's docker-registry (a local OCI
# registry), skopeo (the push tool of py_oci_push) and htpasswd (apache2-utils:
# a registry that wants a password).
#
#   tools/dev/aws-tools.sh --setup   # once per machine (~90 s; network to PyPI and Debian)
#   tools/dev/aws-tools.sh --bin     # print the venv's bin directory (put it first on PATH)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="$ROOT/.cache/aws-tools"
# Pinned: what docs/deploy.md was tested with.
PINS=("awscli==1.45.11" "moto[server,awslambda,s3]==5.2.1")
DEBS=(docker-registry skopeo apache2-utils)

as_root() { if [[ $EUID == 0 ]]; then "$@"; else sudo "$@"; fi; }

case "${1:-}" in
  --setup)
    missing=()
    command -v docker-registry >/dev/null || missing+=(docker-registry)
    command -v skopeo >/dev/null || missing+=(skopeo)
    command -v htpasswd >/dev/null || missing+=(apache2-utils)
    if ((${#missing[@]})); then
      echo "ofiuco: installing ${DEBS[*]} with apt-get (once per machine)" >&2
      as_root apt-get update -qq
      as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${DEBS[@]}" >/dev/null
    fi
    stamp="$VENV/.pins"
    if [[ ! -x "$VENV/bin/aws" || ! -x "$VENV/bin/moto_server" || "$(cat "$stamp" 2>/dev/null)" != "${PINS[*]}" ]]; then
      echo "ofiuco: installing ${PINS[*]} into $VENV (once per machine)" >&2
      rm -rf "$VENV"
      python3 -m venv "$VENV"
      "$VENV/bin/pip" install -q --disable-pip-version-check "${PINS[@]}"
      echo "${PINS[*]}" >"$stamp"
    fi
    ;;
  --bin)
    echo "$VENV/bin"
    ;;
  *)
    echo "usage: tools/dev/aws-tools.sh --setup | --bin" >&2
    exit 2
    ;;
esac
