#!/usr/bin/env bash
# `bazel run` deploys of the aws_lambda zips to a real local AWS API: moto's
# server on 127.0.0.1 (started and stopped here by PID), called by the real
# AWS CLI (both pinned, from PyPI, by tools/dev/aws-tools.sh), with fake keys:
#  - //:deploy (update-function-code --publish): the CodeSha256 AWS reports is
#    base64(sha256(zip)), and the function's code is the zip;
#  - //:deploy_layer (publish-layer-version): the same for the layer;
#  - //:deploy_big (a 51 MiB zip): goes through S3, asserted from the object
#    moto stored and moto's request log;
#  - errors: an unknown function, refused credentials, an unreachable endpoint.
#
#   examples/aws_lambda/run_deploy.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
ROOT="$(cd ../.. && pwd)"
BAZEL="$ROOT/tools/dev/bazel.sh"

"$ROOT/tools/dev/aws-tools.sh" --setup
PATH="$("$ROOT/tools/dev/aws-tools.sh" --bin):$PATH"

WORK="$(mktemp -d /tmp/ofiuco-deploy.XXXXXX)"
# shellcheck source=tools/dev/testlib.sh
source "$ROOT/tools/dev/testlib.sh"
cleanup() {
  stop_pids
  rm -rf "$WORK"
}
trap cleanup EXIT
step() { printf '\n--> %s\n' "$*"; }

# Fake keys: moto accepts any (unless it is told to check them, below).
export AWS_ACCESS_KEY_ID=AKIAOFIUCOTESTKEY000 AWS_SECRET_ACCESS_KEY=ofiuco-test-secret AWS_REGION=us-east-1
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_DEFAULT_REGION
# The test's own calls; the deploys see only AWS_REGION (AWS CLI v1 reads
# AWS_DEFAULT_REGION, so ofiuco passes AWS_REGION on).
awsc() { AWS_DEFAULT_REGION="$AWS_REGION" aws "$@"; }
start_moto() { # PORT LOG [ENV...]
  local port="$1" log="$2"
  shift 2
  env "$@" moto_server -H 127.0.0.1 -p "$port" >"$log" 2>&1 &
  track_pid $!
  for _ in $(seq 100); do
    curl -sf "http://127.0.0.1:$port/moto-api/" >/dev/null && return
    sleep 0.1
  done
  fail "moto_server did not start: $(cat "$log")"
}
PORT="$(free_port)"
step "moto_server on 127.0.0.1:$PORT"
start=$SECONDS
start_moto "$PORT" "$WORK/moto.log"
echo "ready in $((SECONDS - start)) s"
export AWS_ENDPOINT_URL="http://127.0.0.1:$PORT"

# `bazel run TARGET -- ARGS`. Under tools/dev/bazel.sh's chroot the run step
# runs there too: OFIUCO_AWS names an AWS CLI that runs there.
OFIUCO_AWS="$("$ROOT/tools/dev/aws-tools.sh" --bazel-run-aws)"
export OFIUCO_AWS
run() { # TARGET ARGS...
  local target="$1"
  shift
  "$BAZEL" run --ui_event_filters=-info,-stdout,-stderr --noshow_progress "$target" -- "$@"
}
exec_root="$("$BAZEL" info execution_root 2>/dev/null)"
output_of() { echo "$exec_root/$("$BAZEL" cquery --output=files "$1" 2>/dev/null | grep '\.zip$' | head -1)"; }
code_sha() { python3 -c 'import base64,hashlib,sys; print(base64.b64encode(hashlib.sha256(open(sys.argv[1],"rb").read()).digest()).decode())' "$1"; }

step "create the functions (a placeholder zip) and the bucket"
python3 -c 'import zipfile; z=zipfile.ZipFile("'"$WORK"'/empty.zip","w"); z.writestr("lambda_function.py","def handler(e, c):\n    return 0\n"); z.close()'
awsc iam create-role --role-name ofiuco-lambda --assume-role-policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}' --query Role.Arn --output text >"$WORK/role"
for fn in ofiuco-example ofiuco-example-big; do
  awsc lambda create-function --function-name "$fn" --runtime python3.12 --architectures arm64 \
    --role "$(cat "$WORK/role")" --handler lambda_function.handler --zip-file "fileb://$WORK/empty.zip" --query FunctionName --output text
done
awsc s3 mb s3://ofiuco-deploys

step "bazel run //:deploy (update-function-code --publish)"
run //:deploy | tee "$WORK/deploy.out"
zip="$(output_of //:deploy_python3_12)"
want="$(code_sha "$zip")"
grep -qF "CodeSha256 $want" "$WORK/deploy.out" || fail "//:deploy did not report CodeSha256 $want"
got="$(awsc lambda get-function --function-name ofiuco-example --query Configuration.CodeSha256 --output text)"
[[ "$got" == "$want" ]] || fail "the function's CodeSha256 is $got, base64(sha256(zip)) is $want"
versions="$(awsc lambda list-versions-by-function --function-name ofiuco-example --query 'length(Versions)' --output text)"
[[ "$versions" -ge 2 ]] || fail "--publish made no version ($versions)"
echo "function code: $got ($(stat -c %s "$zip") bytes), $versions versions"

step "bazel run //:deploy -- --dry-run"
dry="$(run //:deploy --dry-run 2>/dev/null)"
[[ "$dry" == "$OFIUCO_AWS lambda update-function-code --function-name ofiuco-example --zip-file fileb://"*"deploy_python3_12.zip --publish --output json" ]] \
  || fail "dry run printed: $dry"
echo "$dry"

step "bazel run //:deploy_layer (publish-layer-version)"
run //:deploy_layer | tee "$WORK/layer.out"
want="$(code_sha "$(output_of //:layer_python3_12)")"
version="$(awsc lambda list-layer-versions --layer-name ofiuco-example-deps --query 'LayerVersions[0].Version' --output text)"
got="$(awsc lambda get-layer-version --layer-name ofiuco-example-deps --version-number "$version" --query Content.CodeSha256 --output text)"
[[ "$got" == "$want" ]] || fail "the layer's CodeSha256 is $got, base64(sha256(zip)) is $want"
echo "layer: $got"

step "bazel run //:deploy_big (51 MiB: through S3)"
start=$SECONDS
run //:deploy_big | tee "$WORK/big.out"
echo "built and deployed in $((SECONDS - start)) s"
zip="$(output_of //:big_zip)"
size="$(stat -c %s "$zip")"
((size > 50 * 1024 * 1024)) || fail "the big zip is only $size bytes"
want="$(code_sha "$zip")"
hex="$(sha256sum "$zip" | cut -d' ' -f1)"
stored="$(awsc s3api head-object --bucket ofiuco-deploys --key "ofiuco-example-big/$hex.zip" --query ContentLength --output text)"
[[ "$stored" == "$size" ]] || fail "S3 holds $stored bytes at ofiuco-example-big/$hex.zip, the zip has $size"
got="$(awsc lambda get-function --function-name ofiuco-example-big --query Configuration.CodeSha256 --output text)"
[[ "$got" == "$want" ]] || fail "the big function's CodeSha256 is $got, base64(sha256(zip)) is $want"
# moto's request log: the zip went to S3 with a PUT (multipart parts from
# `aws s3 cp`), and the function's code was set from the bucket, not sent inline.
grep -qE '"(PUT|POST) /ofiuco-deploys/ofiuco-example-big/'"$hex"'\.zip' "$WORK/moto.log" \
  || fail "moto's log shows no upload of the zip to S3"
echo "S3 object ofiuco-example-big/$hex.zip ($stored bytes), CodeSha256 $got"

step "errors: an unknown function, refused credentials, an unreachable endpoint"
expect_error() { # MESSAGE [ENV...] -- ARGS...
  local message="$1" envs=() out
  shift
  while [[ "$1" != -- ]]; do envs+=("$1"); shift; done
  shift
  if out="$(env "${envs[@]}" "$BAZEL" run --ui_event_filters=-info --noshow_progress //:deploy -- "$@" 2>&1)"; then
    fail "deploy $* succeeded"
  fi
  grep -qF "$message" <<<"$out" || fail "deploy $*: expected '$message' in:"$'\n'"$out"
  if grep -qF "$AWS_SECRET_ACCESS_KEY" <<<"$out"; then fail "the secret key was printed"; fi
  grep -F "error: " <<<"$out" | head -1
}
expect_error "the function \`nope\` does not exist in region \`us-east-1\`" -- --name nope
AUTH_PORT="$(free_port)"
start_moto "$AUTH_PORT" "$WORK/moto-auth.log" INITIAL_NO_AUTH_ACTION_COUNT=0
expect_error "AWS refused the credentials" "AWS_ENDPOINT_URL=http://127.0.0.1:$AUTH_PORT" --
DEAD="$(free_port)"
expect_error "cannot reach the endpoint \`http://127.0.0.1:$DEAD\`" "AWS_ENDPOINT_URL=http://127.0.0.1:$DEAD" "AWS_MAX_ATTEMPTS=1" --

echo; echo "aws_lambda deploys: all checks passed"
