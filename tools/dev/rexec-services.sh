#!/usr/bin/env bash
# The remote execution service of tests/remote_exec (issue #11, point 3), in a
# Debian sid root of its own: BuildGrid (PyPI `buildgrid`, in a Python 3.13
# venv), PostgreSQL (its SQL scheduler refuses sqlite) and a buildbox worker
# (sid's `buildbox`: buildbox-casd, buildbox-worker, buildbox-run-hosttools).
# The worker runs actions in this root, which has no python3, no cargo and no
# Bazel: an action that needs anything it does not declare fails there.
#
#   tools/dev/rexec-services.sh --setup   # once per machine (~5 min, ~1 GB; root, network to Debian and PyPI)
#   tools/dev/rexec-services.sh --check   # exit 1 saying what is missing
#   tools/dev/rexec-services.sh --root    # print the root's path
#
# The root is $OFIUCO_REXEC_ROOT (default /var/cache/ofiuco-rexec-sid).
set -euo pipefail
ROOT="${OFIUCO_REXEC_ROOT:-/var/cache/ofiuco-rexec-sid}"
BUILDGRID_VERSION=0.9.1
PG_VERSION=18
APT_OPTS=(-o Acquire::Check-Valid-Until=false -o Acquire::Retries=3)

as_root() { if [[ $EUID == 0 ]]; then "$@"; else sudo "$@"; fi; }
in_root() { as_root bwrap --bind "$ROOT" / --proc /proc --dev /dev --setenv DEBIAN_FRONTEND noninteractive "$@"; }

check() {
  local gone=()
  [[ -f "$ROOT/.ready" ]] || gone+=("$ROOT/.ready")
  for f in usr/bin/buildbox-casd usr/bin/buildbox-worker usr/bin/buildbox-run-hosttools \
    "usr/lib/postgresql/$PG_VERSION/bin/postgres" opt/buildgrid/bin/bgd; do
    [[ -x "$ROOT/$f" ]] || gone+=("$ROOT/$f")
  done
  if ((${#gone[@]})); then
    echo "error: the remote execution services are not set up: missing ${gone[*]}" >&2
    echo "hint: run tools/dev/rexec-services.sh --setup" >&2
    return 1
  fi
}

setup() {
  check 2>/dev/null && return 0
  echo "ofiuco: setting up BuildGrid $BUILDGRID_VERSION, PostgreSQL $PG_VERSION and buildbox in $ROOT (once per machine, ~5 min)" >&2
  if ! command -v debootstrap >/dev/null || ! command -v bwrap >/dev/null; then
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap bubblewrap >/dev/null
  fi
  as_root mkdir -p "$ROOT"
  [[ -x "$ROOT/bin/bash" ]] || as_root debootstrap --variant=minbase sid "$ROOT" http://deb.debian.org/debian >/dev/null
  # pip must trust what the host trusts (for PyPI).
  if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
    as_root mkdir -p "$ROOT/usr/local/share/ca-certificates"
    as_root cp /usr/local/share/ca-certificates/*.crt "$ROOT/usr/local/share/ca-certificates/"
  fi
  as_root cp /etc/resolv.conf "$ROOT/etc/resolv.conf" 2>/dev/null || true
  # python3.13 only (not the python3 package): BuildGrid's interpreter is
  # /opt/buildgrid/bin/python, and actions find no python3 on PATH.
  in_root bash -euo pipefail -c "
    apt-get ${APT_OPTS[*]} update -qq
    apt-get ${APT_OPTS[*]} install -y -qq --no-install-recommends buildbox postgresql-$PG_VERSION python3.13 python3.13-venv ca-certificates >/dev/null
    update-ca-certificates >/dev/null 2>&1 || true
    python3.13 -m venv /opt/buildgrid
    PIP_CERT=/etc/ssl/certs/ca-certificates.crt /opt/buildgrid/bin/pip install -q --disable-pip-version-check 'buildgrid==$BUILDGRID_VERSION'
    /opt/buildgrid/bin/bgd --help >/dev/null
  "
  as_root touch "$ROOT/.ready"
  check
}

case "${1:-}" in
  --setup) setup ;;
  --check) check ;;
  --root) echo "$ROOT" ;;
  *)
    echo "usage: tools/dev/rexec-services.sh --setup | --check | --root" >&2
    exit 2
    ;;
esac
