#!/usr/bin/env bash
# A private package index for tests: pypiserver (PEP 503) with basic auth from
# an htpasswd file (passlib), in a venv under ~/.cache (needs PyPI once).
#
#   tools/dev/pypiserver.sh --setup                   # once per machine (~15 s)
#   tools/dev/pypiserver.sh --htpasswd FILE USER PASS # write an htpasswd entry (apr1)
#   tools/dev/pypiserver.sh --tls ARGS...             # over https: tools/dev/pypiserver_tls.py ARGS...
#   tools/dev/pypiserver.sh ARGS...                   # run `pypi-server ARGS...`
#
# The tests start the server on 127.0.0.1 themselves and stop it by PID.
set -euo pipefail
PYPISERVER_VERSION=2.4.2
PASSLIB_VERSION=1.7.4
VENV="${XDG_CACHE_HOME:-$HOME/.cache}/ofiuco-pypiserver-$PYPISERVER_VERSION"

setup() {
  [[ -f "$VENV/.ofiuco-ready" ]] && return 0
  echo "ofiuco: installing pypiserver $PYPISERVER_VERSION into $VENV (once per machine)" >&2
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check \
    "pypiserver[passlib]==$PYPISERVER_VERSION" "passlib==$PASSLIB_VERSION"
  touch "$VENV/.ofiuco-ready"
}

case "${1:-}" in
  --setup) setup ;;
  --htpasswd)
    setup
    "$VENV/bin/python" - "$2" "$3" "$4" <<'PY'
import sys
from passlib.apache import HtpasswdFile

path, user, password = sys.argv[1:4]
ht = HtpasswdFile(path, new=True, default_scheme="apr_md5_crypt")
ht.set_password(user, password)
ht.save()
PY
    ;;
  --tls)
    setup
    shift
    exec "$VENV/bin/python" "$(dirname "${BASH_SOURCE[0]}")/pypiserver_tls.py" "$@"
    ;;
  *)
    setup
    exec "$VENV/bin/pypi-server" "$@"
    ;;
esac
