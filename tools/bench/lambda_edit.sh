#!/usr/bin/env bash
# lambda_edit.sh ORIGINAL FILE: FILE := ORIGINAL plus one comment line that is new every
# call (so no build or action cache can have seen the content before).
set -euo pipefail
cat "$1" >"$2"
printf '# ofiuco bench edit %s\n' "$(date +%s%N)" >>"$2"
