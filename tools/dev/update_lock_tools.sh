#!/usr/bin/env bash
# Re-pins the Poetry that the hubs' `:lock` and `:update` targets run for a
# poetry.lock (python/private/poetry_tool.txt: every requirement of Poetry,
# exact versions with their sha256, for any platform and Python >= 3.10),
# with the uv those targets run (python/private/uv_tool_repo.bzl).
#
#   tools/dev/update_lock_tools.sh   # needs PyPI
set -euo pipefail
cd "$(dirname "$0")/../.."
POETRY_VERSION=2.5.1
line="$(grep '"linux_x86_64":' python/private/uv_tool_repo.bzl)"
read -r file sha path < <(sed -E 's/.*\("([^"]+)", "([0-9a-f]+)", "([^"]+)"\).*/\1 \2 \3/' <<<"$line")
version="$(sed -E 's/^uv-([^-]+)-.*/\1/' <<<"$file")"
dir="${XDG_CACHE_HOME:-$HOME/.cache}/ofiuco-uv-$version"
if [[ ! -x "$dir/uv-$version.data/scripts/uv" ]]; then
  mkdir -p "$dir"
  curl -fsSL -o "$dir/uv.whl" "https://files.pythonhosted.org/packages/$path/$file"
  echo "$sha  $dir/uv.whl" | sha256sum -c --quiet
  (cd "$dir" && unzip -q -o uv.whl "uv-$version.data/scripts/uv" && chmod +x "uv-$version.data/scripts/uv")
fi
echo "poetry==$POETRY_VERSION" | "$dir/uv-$version.data/scripts/uv" pip compile --quiet --universal \
  --python-version 3.10 --generate-hashes --no-annotate --custom-compile-command tools/dev/update_lock_tools.sh \
  - -o python/private/poetry_tool.txt
echo "ofiuco: python/private/poetry_tool.txt updated (Poetry $POETRY_VERSION); review the diff" >&2
