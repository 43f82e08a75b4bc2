#!/usr/bin/env bash
# Makes the git repository that run.sh serves: <dir>/iniconfig.git (bare),
# whose first commit holds the real iniconfig 2.1.0 sdist (dist/) under
# python/. Commits are dated and signed alike every time, so the first
# commit's hash is the same on every machine: the one poetry.lock pins.
#   git_repo.sh <dir>            the locked commit, then a second one on main
#                                (the lock must keep building the first)
#   git_repo.sh <dir> --first      the locked commit alone (to re-lock)
#   git_repo.sh <dir> --rewritten  a history without the locked commit
# Every mode also makes <dir>/subpkg.git, whose locked commit pins the
# submodule subpkg/vendored (URL ../vendored.git) at the first commit of
# <dir>/vendored.git; vendored's main has a later commit (not to be built).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
out="$1"
mode="${2:-}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export GIT_AUTHOR_NAME=ofiuco GIT_AUTHOR_EMAIL=ofiuco@example.invalid
export GIT_COMMITTER_NAME=ofiuco GIT_COMMITTER_EMAIL=ofiuco@example.invalid
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1
date="2024-01-01T00:00:00Z"
[[ "$mode" == --rewritten ]] && date="2024-06-01T00:00:00Z"
export GIT_AUTHOR_DATE="$date" GIT_COMMITTER_DATE="$date"
git init --quiet --initial-branch=main "$work/repo"
mkdir "$work/repo/python"
tar -xzf "$here/dist/iniconfig-2.1.0.tar.gz" -C "$work/repo/python" --strip-components=1
git -C "$work/repo" add -A
git -C "$work/repo" commit --quiet -m "iniconfig 2.1.0 (its sdist's files)"
if [[ -z "$mode" ]]; then
  export GIT_AUTHOR_DATE="2024-02-01T00:00:00Z" GIT_COMMITTER_DATE="2024-02-01T00:00:00Z"
  printf '\nOFIUCO_SECOND_COMMIT = True\n' >>"$work/repo/python/src/iniconfig/__init__.py"
  git -C "$work/repo" commit --quiet -am "a later commit on main, after the lock"
fi
rm -rf "$out/iniconfig.git"
mkdir -p "$out"
git clone --quiet --bare "$work/repo" "$out/iniconfig.git"
git -C "$out/iniconfig.git" rev-list --max-parents=0 main

# The submodule's repository: the pinned commit, then a later one on main.
export GIT_AUTHOR_DATE="2024-01-01T00:00:00Z" GIT_COMMITTER_DATE="2024-01-01T00:00:00Z"
git init --quiet --initial-branch=main "$work/vendored"
printf 'VALUE = "the commit the superproject pins"\n' >"$work/vendored/__init__.py"
git -C "$work/vendored" add -A
git -C "$work/vendored" commit --quiet -m "vendored: the pinned commit"
pinned="$(git -C "$work/vendored" rev-parse HEAD)"
export GIT_AUTHOR_DATE="2024-02-01T00:00:00Z" GIT_COMMITTER_DATE="2024-02-01T00:00:00Z"
printf 'VALUE = "a later commit"\n' >"$work/vendored/__init__.py"
git -C "$work/vendored" commit --quiet -am "vendored: a later commit on main"
# The superproject: a flit-core project whose package has the submodule inside.
export GIT_AUTHOR_DATE="2024-01-01T00:00:00Z" GIT_COMMITTER_DATE="2024-01-01T00:00:00Z"
git init --quiet --initial-branch=main "$work/subpkg"
mkdir -p "$work/subpkg/subpkg"
cat >"$work/subpkg/pyproject.toml" <<'TOML'
[build-system]
requires = ["flit_core>=3.2"]
build-backend = "flit_core.buildapi"

[project]
name = "subpkg"
version = "0.1"
description = "A package with a git submodule (an ofiuco test fixture)"
TOML
printf '"""A package whose subpackage is a git submodule."""\n\nfrom subpkg.vendored import VALUE  # noqa: F401\n' >"$work/subpkg/subpkg/__init__.py"
printf '[submodule "subpkg/vendored"]\n\tpath = subpkg/vendored\n\turl = ../vendored.git\n' >"$work/subpkg/.gitmodules"
git -C "$work/subpkg" add -A
git -C "$work/subpkg" update-index --add --cacheinfo "160000,$pinned,subpkg/vendored"
git -C "$work/subpkg" commit --quiet -m "subpkg 0.1, with its submodule"
for repo in vendored subpkg; do
  rm -rf "${out:?}/$repo.git"
  git clone --quiet --bare "$work/$repo" "$out/$repo.git"
done
git -C "$out/subpkg.git" rev-parse main >&2
