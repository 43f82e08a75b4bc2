#!/usr/bin/env bash
# The function zip built with `layers = [":layer_python3_12"]` holds only the
# application: every package is in the layer, which its report lists.
#   function_with_layer_test.sh ZIP REPORT.txt
set -euo pipefail
zip="" report=""
for f in "$@"; do
  case "$f" in
    *.zip) zip="$f" ;;
    *.report.txt) report="$f" ;;
  esac
done
fail() { echo "FAIL: $*" >&2; exit 1; }
[[ -f "$zip" && -f "$report" ]] || fail "expected the zip and its report, got: $*"
cat "$report"
for package in numpy pydantic pydantic-core shapely; do
  if grep -qE "^  $package " "$report"; then fail "$package is in the function zip, though the layer has it"; fi
done
grep -qE "^  \(application\) +1 " "$report" || fail "the application is not in the function zip"
grep -qE "^  (@@)?//:layer_python3_12  [0-9]+ bytes unzipped" "$report" || fail "the report does not list the layer"
grep -q "^function + layers: " "$report" || fail "the report has no total of the function and its layers"
# The zip itself: the handler, and nothing of numpy.
python3 - "$zip" <<'PY'
import sys, zipfile
names = zipfile.ZipFile(sys.argv[1]).namelist()
assert "lambda_function.py" in names, names
assert not any(n.startswith(("numpy/", "shapely/", "pydantic/")) for n in names), names[:20]
print("function zip entries:", names)
PY
