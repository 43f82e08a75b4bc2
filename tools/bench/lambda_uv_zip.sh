#!/usr/bin/env bash
# The uv side of the lambda benchmark: what a hand-rolled Lambda zip build does.
#
#   lambda_uv_zip.sh UV CACHE_DIR REQUIREMENTS HANDLER OUT_DIR OUT_ZIP [UV_ARGS...]
#
# Installs the pinned requirements (no resolution: --no-deps, every version and hash from
# the lock) for linux aarch64 / CPython 3.11 into OUT_DIR, deletes what the py_zip target
# excludes (*.dist-info, __pycache__, numpy/**/tests, shapely/tests), adds the handler and
# zips the tree with `zip -qr` (deflate level 6). OUT_DIR and OUT_ZIP are replaced.
#
# uv 0.13 has no aarch64-manylinux_2_26 platform (the AL2 glibc): aarch64-manylinux_2_28 is
# the closest that admits shapely's manylinux_2_24 wheel; the benchmark checks that the
# picked wheels are the ones the lock's hub picks for glibc 2.26.
set -euo pipefail
uv=$1 cache=$2 reqs=$3 handler=$4 out=$5 zipfile=$6
shift 6
rm -rf "$out" "$zipfile"
env -u UV_INDEX_URL -u UV_EXTRA_INDEX_URL -u UV_FIND_LINKS -u PIP_INDEX_URL \
    "$uv" pip install -q --no-deps --require-hashes --only-binary :all: \
    --python-platform aarch64-manylinux_2_28 --python-version 3.11 \
    --index-url https://pypi.org/simple --link-mode=copy --cache-dir "$cache" \
    --target "$out" -r "$reqs" "$@"
# Before pruning: the wheel tags uv picked (the dist-info WHEEL files).
if [[ -n ${LAMBDA_UV_TAGS:-} ]]; then
    for w in "$out"/*.dist-info/WHEEL; do
        printf '%s %s\n' "$(basename "$(dirname "$w")")" "$(grep '^Tag:' "$w" | cut -d' ' -f2 | paste -sd.)"
    done >"$LAMBDA_UV_TAGS"
fi
find "$out" -depth -type d \( -name '*.dist-info' -o -name __pycache__ \) -exec rm -rf {} +
[[ ! -d $out/numpy ]] || find "$out/numpy" -depth -type d -name tests -exec rm -rf {} +
rm -rf "$out/shapely/tests"
cp "$handler" "$out/"
(cd "$out" && zip -qr "$zipfile" .)
