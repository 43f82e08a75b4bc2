#!/usr/bin/env bash
# Re-locks the default build tools ofiuco ships for source builds
# (python/private/build_tools/{pyproject.toml,poetry.lock}) with real Poetry.
#
#   tools/dev/update_build_tools.sh           # re-lock within pyproject.toml's ranges
#   tools/dev/update_build_tools.sh --upgrade # newest versions of everything
#
# Poetry is installed once into a venv under ~/.cache (needs PyPI).
set -euo pipefail
cd "$(dirname "$0")/../.."
POETRY_VERSION=2.5.1
VENV="${XDG_CACHE_HOME:-$HOME/.cache}/ofiuco-poetry-$POETRY_VERSION"
if [[ ! -x "$VENV/bin/poetry" ]]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet "poetry==$POETRY_VERSION"
fi
cd python/private/build_tools
if [[ "${1:-}" == "--upgrade" ]]; then
  rm -f poetry.lock
fi
"$VENV/bin/poetry" lock
echo "ofiuco: python/private/build_tools/poetry.lock updated; review the diff and run tools/dev/test_all.sh" >&2
