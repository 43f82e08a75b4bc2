#!/usr/bin/env bash
# One `ofiuco install` process per wheel, each into its own tree OUT/<name>:
# what Bazel runs (one action per package). JOBS > 1 runs that many at once,
# as Bazel schedules independent actions on the available cores.
#
# usage: install_each.sh OFIUCO OUT JOBS WHEEL...
set -euo pipefail
ofiuco=$1 out=$2 jobs=$3
shift 3
mkdir -p "$out"
if [[ $jobs == 1 ]]; then
    for w in "$@"; do
        n=${w##*/}
        "$ofiuco" install --wheel "$w" --output "$out/${n%%-*}"
    done
else
    for w in "$@"; do
        n=${w##*/}
        printf '%s\0%s\0%s\0%s\0' --wheel "$w" --output "$out/${n%%-*}"
    done | xargs -0 -n 4 -P "$jobs" "$ofiuco" install
fi
