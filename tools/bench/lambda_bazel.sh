#!/usr/bin/env bash
# lambda_bazel.sh BAZEL WORKSPACE PROFILE_DIR LABEL: `bazel build LABEL` in WORKSPACE,
# writing the JSON trace profile of the n-th call to PROFILE_DIR/run-NNN.profile.gz (the
# benchmark reads the action durations and checks for repository fetches from them) and
# Bazel's output to PROFILE_DIR/run-NNN.log.
set -euo pipefail
bazel=$1 ws=$2 dir=$3 label=$4
mkdir -p "$dir"
n=$(find "$dir" -name 'run-*.profile.gz' | wc -l)
cd "$ws"
run=$dir/$(printf 'run-%03d' "$n")
exec "$bazel" build --profile="$run.profile.gz" "$label" >"$run.log" 2>&1
