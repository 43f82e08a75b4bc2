#!/usr/bin/env bash
# Lints ofiuco's own shell and Python code:
#   - shellcheck on every shell script (*.sh, and files without an extension
#     that start with a sh/bash shebang, such as .ci/run);
#   - ruff check and ruff format --check on every Python file (ruff.toml at
#     the root; tests/corpus is data and excluded there).
#
#   tools/dev/lint.sh          # check (CI): fails on any finding
#   tools/dev/lint.sh --fix    # apply ruff's fixes and formatting (shellcheck has no fixer)
#
# Installs what is missing: shellcheck with apt-get (Debian's package), ruff
# (pinned) from PyPI into a venv under ~/.cache/ofiuco-tools, once per machine.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
RUFF_VERSION=0.17.6
TOOLS="${OFIUCO_TOOLS_DIR:-$HOME/.cache/ofiuco-tools}"
VENV="$TOOLS/ruff-$RUFF_VERSION"
RUFF="$VENV/bin/ruff"
# Its cache beside it, not in the work tree.
export RUFF_CACHE_DIR="${RUFF_CACHE_DIR:-$TOOLS/ruff-cache}"

as_root() { if [[ $EUID == 0 ]]; then "$@"; else sudo "$@"; fi; }

if ! command -v shellcheck >/dev/null; then
  echo "lint: installing shellcheck with apt-get" >&2
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq shellcheck >/dev/null
fi
if [[ "$("$RUFF" --version 2>/dev/null)" != "ruff $RUFF_VERSION" ]]; then
  echo "lint: installing ruff $RUFF_VERSION into $VENV" >&2
  rm -rf "$VENV"
  mkdir -p "$TOOLS"
  if ! python3 -m venv "$VENV"; then
    echo "error: cannot create a venv for ruff with python3 ($(command -v python3 || echo none))" >&2
    echo "hint: install Python's venv module (Debian: apt-get install python3-venv), or set OFIUCO_TOOLS_DIR to a writable directory" >&2
    exit 1
  fi
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check "ruff==$RUFF_VERSION"
fi

# Tracked and new (not ignored) files, so a script is linted before its first commit.
mapfile -d '' -t all < <(git ls-files -z --cached --others --exclude-standard -- ':!:tests/corpus/')
shell=() python=()
for f in "${all[@]}"; do
  [[ -f $f ]] || continue # deleted in the work tree
  case "${f##*/}" in
    *.sh) shell+=("$f") ;;
    *.py) python+=("$f") ;;
    *.*) ;; # another extension
    *)
      first=
      read -r first <"$f" || true
      if [[ $first =~ ^'#!'(/usr/bin/env[[:space:]]+|/bin/|/usr/bin/)(ba)?sh([[:space:]]|$) ]]; then
        shell+=("$f")
      fi
      ;;
  esac
done

status=0
echo "shellcheck ($(shellcheck --version | sed -n 's/^version: //p')): ${#shell[@]} scripts"
shellcheck "${shell[@]}" || status=1
echo "ruff $RUFF_VERSION: ${#python[@]} Python files"
if [[ "${1:-}" == "--fix" ]]; then
  "$RUFF" check --fix "${python[@]}" || status=1
  "$RUFF" format "${python[@]}" || status=1
else
  "$RUFF" check "${python[@]}" || status=1
  "$RUFF" format --check "${python[@]}" || status=1
fi
exit "$status"
