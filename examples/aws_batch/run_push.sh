#!/usr/bin/env bash
# `bazel run` pushes of the aws_batch images to a real registry (Debian's
# docker-registry on 127.0.0.1, started and stopped here by PID):
#  - //:push_index pushes the multi-arch index with both platforms and two tags;
#  - //:push_arm64 pushes //:image built for linux arm64 on this x86_64 host
#    (py_oci_push's transition);
#  - //:deploy_arm64 runs //:push_current through run_for_platform (the
#    transitioning wrapper);
# each pushed manifest's digest (Docker-Content-Digest) must equal the built
# one; a second registry that wants a password takes the one in a Docker
# config.json and refuses a wrong one, then the one a credential helper
# (`credHelpers`, the way docker-credential-ecr-login is configured) gives;
# no password is printed; an unreachable registry and a plain-HTTP registry
# without --insecure fail with their messages.
#
#   examples/aws_batch/run_push.sh
#
# Needs root for the setup (apt-get: docker-registry, skopeo, htpasswd, the OCI base).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
ROOT="$(cd ../.. && pwd)"
BAZEL="$ROOT/tools/dev/bazel.sh"

"$ROOT/tools/dev/oci-tools.sh" --setup
"$ROOT/tools/dev/oci-base.sh" --setup
"$ROOT/tools/dev/aws-tools.sh" --setup-registry

WORK="$(mktemp -d /tmp/ofiuco-push.XXXXXX)"
# shellcheck source=tools/dev/testlib.sh
source "$ROOT/tools/dev/testlib.sh"
cleanup() {
  stop_pids
  rm -rf "$WORK"
}
trap cleanup EXIT
step() { printf '\n--> %s\n' "$*"; }

start_registry() { # NAME ADDR [CONFIG LINES...]
  local name="$1" addr="$2"
  shift 2
  {
    printf 'version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: %s\n' "$WORK/$name" "$addr"
    printf '%s\n' "$@"
  } >"$WORK/$name.yml"
  docker-registry serve "$WORK/$name.yml" >"$WORK/$name.log" 2>&1 &
  track_pid $!
  for _ in $(seq 50); do
    # 200, or 401 from a registry that wants a password: it is up.
    [[ "$(curl -s -o /dev/null -w '%{http_code}' "http://$addr/v2/")" =~ ^(200|401)$ ]] && return
    sleep 0.1
  done
  fail "docker-registry did not start: $(cat "$WORK/$name.log")"
}
REGISTRY="127.0.0.1:$(free_port)"
step "docker-registry on $REGISTRY"
start_registry registry "$REGISTRY"

# Where a target's output is (the images are built in transitioned configurations).
built_digest() { # TARGET [BAZEL FLAGS]
  local target="$1" exec_root out
  shift
  exec_root="$("$BAZEL" info execution_root 2>/dev/null)"
  out="$("$BAZEL" cquery --output=files "$target" "$@" 2>/dev/null | head -1)"
  python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["manifests"][0]["digest"])' "$exec_root/$out/index.json"
}
registry_digest() { # REPO:TAG
  curl -sfI -H 'Accept: application/vnd.oci.image.index.v1+json' -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
    "http://$REGISTRY/v2/${1%%:*}/manifests/${1#*:}" | tr -d '\r' | sed -n 's/^Docker-Content-Digest: //Ip'
}
REPO="$REGISTRY/aws-batch-worker"
# `bazel run TARGET -- ARGS`. Under tools/dev/bazel.sh's chroot the run step
# runs there too, with the chroot's skopeo (tools/dev/aws-tools.sh installs it).
run() { # TARGET ARGS...
  local target="$1"
  shift
  "$BAZEL" run --ui_event_filters=-info,-stdout,-stderr --noshow_progress "$target" -- "$@"
}

step "bazel run //:push_index (the multi-arch index, tags latest and nightly)"
start=$SECONDS
run //:push_index --repository "$REPO" --insecure
echo "pushed in $((SECONDS - start)) s"
want="$(built_digest //:index)"
for tag in latest nightly; do
  got="$(registry_digest "aws-batch-worker:$tag")"
  [[ "$got" == "$want" ]] || fail "aws-batch-worker:$tag is '$got' in the registry, //:index is $want"
done
echo "index: $want"
for arch in amd64 arm64; do
  seen="$(skopeo inspect --tls-verify=false --override-arch "$arch" "docker://$REPO:latest" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Architecture"])')"
  [[ "$seen" == "$arch" ]] || fail "the pushed index has no $arch image (skopeo read $seen)"
done
echo "both platforms are in the pushed index"

step "bazel run //:push_arm64 (//:image built for linux arm64 on $(uname -m))"
run //:push_arm64 --repository "$REPO" --insecure
# //:image_arm64 is //:image with `platform = ":linux_arm64"`: the same image.
"$BAZEL" build //:image_arm64 2>/dev/null
want="$(built_digest //:image_arm64)"
got="$(registry_digest aws-batch-worker:arm64)"
[[ "$got" == "$want" ]] || fail "aws-batch-worker:arm64 is '$got' in the registry, //:image_arm64 is $want"
arch="$(skopeo inspect --tls-verify=false "docker://$REPO:arm64" --override-arch arm64 | python3 -c 'import json,sys; print(json.load(sys.stdin)["Architecture"])')"
[[ "$arch" == arm64 ]] || fail "aws-batch-worker:arm64 is for $arch"
echo "arm64: $got"

step "bazel run //:deploy_arm64 (run_for_platform of //:push_current)"
run //:deploy_arm64 --repository "$REPO" --insecure
got="$(registry_digest aws-batch-worker:deploy-arm64)"
[[ "$got" == "$want" ]] || fail "aws-batch-worker:deploy-arm64 is '$got', //:image for arm64 is $want"
echo "deploy-arm64: $got (the arm64 image)"

step "errors: a registry that is not there, plain HTTP without --insecure"
expect_error() { # MESSAGE ARGS...
  local message="$1" out
  shift
  if out="$(run //:push_arm64 "$@" 2>&1)"; then
    fail "push $* succeeded"
  fi
  grep -qF "$message" <<<"$out" || fail "push $*: expected '$message' in:"$'\n'"$out"
  grep -F "error: " <<<"$out" | head -1
}
dead="$(free_port)"
expect_error "cannot reach the registry \`127.0.0.1:$dead\`" --repository "127.0.0.1:$dead/w" --insecure
expect_error "speaks plain HTTP" --repository "$REPO"
expect_error "is not REGISTRY/REPOSITORY" --repository "http://$REPO"

step "credentials: a registry with a password, the user's Docker config.json"
SECURE="127.0.0.1:$(free_port)"
htpasswd -Bbn ofiuco right-password >"$WORK/htpasswd"
start_registry secure "$SECURE" "auth:" "  htpasswd:" "    realm: ofiuco-test" "    path: $WORK/htpasswd"
mkdir -p "$WORK/docker"
docker_config() { printf '{"auths": {"%s": {"auth": "%s"}}}\n' "$SECURE" "$(printf 'ofiuco:%s' "$1" | base64)" >"$WORK/docker/config.json"; }
docker_config wrong-password
# skopeo reads $DOCKER_CONFIG/config.json (default ~/.docker), as docker does.
export DOCKER_CONFIG="$WORK/docker"
expect_error "refused the credentials for \`$SECURE/w\`" --repository "$SECURE/w" --insecure
if run //:push_arm64 --repository "$SECURE/w" --insecure 2>&1 | grep -q wrong-password; then
  fail "the password was printed"
fi
docker_config right-password
run //:push_arm64 --repository "$SECURE/w" --insecure
got="$(curl -sfI -u ofiuco:right-password -H 'Accept: application/vnd.oci.image.manifest.v1+json' "http://$SECURE/v2/w/manifests/arm64" | tr -d '\r' | sed -n 's/^Docker-Content-Digest: //Ip')"
[[ "$got" == "$want" ]] || fail "the password-protected registry has '$got', //:image for arm64 is $want"
echo "pushed with the credentials of config.json: $got"

step "credentials: a credential helper (credHelpers in config.json), as for ECR"
# skopeo (containers/image) runs `docker-credential-NAME get`, the registry on
# stdin, and reads {"ServerURL", "Username", "Secret"} from its stdout: the
# protocol of docker-credential-ecr-login (ECR is not reachable here), spoken
# by the real skopeo to this stand-in, which logs what it was asked.
mkdir -p "$WORK/bin"
cat >"$WORK/bin/docker-credential-ofiuco-test" <<'SH'
#!/usr/bin/env bash
set -euo pipefail
[[ "$1" == get ]] || { echo "credentials not found in native keychain" >&2; exit 1; }
# The registry comes without a newline.
server="$(cat)"
echo "get $server" >>"$OFIUCO_TEST_CRED_LOG"
# A helper whose login has expired, as docker-credential-ecr-login's does.
if [[ "$(cat "$OFIUCO_TEST_CRED_SECRET")" == expired ]]; then
  echo "ofiuco-test: the login has expired, log in again" >&2
  exit 1
fi
printf '{"ServerURL": "%s", "Username": "ofiuco", "Secret": "%s"}\n' "$server" "$(cat "$OFIUCO_TEST_CRED_SECRET")"
SH
chmod +x "$WORK/bin/docker-credential-ofiuco-test"
export OFIUCO_TEST_CRED_LOG="$WORK/cred.log" OFIUCO_TEST_CRED_SECRET="$WORK/cred.secret"
# tools/dev/bazel.sh's chroot sets its own PATH: skopeo is run through
# $OFIUCO_SKOPEO (py_oci_push's documented override) by a wrapper that puts
# the helper on PATH, where skopeo looks for docker-credential-*.
# shellcheck disable=SC2016 # $PATH and $@ are the wrapper's
printf '#!/bin/sh\nPATH="%s:$PATH" exec skopeo "$@"\n' "$WORK/bin" >"$WORK/skopeo-with-helper"
chmod +x "$WORK/skopeo-with-helper"
export OFIUCO_SKOPEO="$WORK/skopeo-with-helper"
printf '{"credHelpers": {"%s": "ofiuco-test"}}\n' "$SECURE" >"$WORK/docker/config.json"
echo helper-wrong-secret >"$OFIUCO_TEST_CRED_SECRET"
out="$(run //:push_arm64 --repository "$SECURE/h" --insecure --tag helper 2>&1)" && fail "the push with a wrong secret from the helper succeeded"
grep -qF "refused the credentials for \`$SECURE/h\`" <<<"$out" || fail "the refused helper credentials: expected the message in:"$'\n'"$out"
grep -q helper-wrong-secret <<<"$out" && fail "the helper's secret was printed"
grep -qxF "get $SECURE" "$WORK/cred.log" || fail "skopeo did not ask docker-credential-ofiuco-test for $SECURE (log: $(cat "$WORK/cred.log" 2>/dev/null))"
echo "a wrong secret from the helper: refused, not printed"
echo expired >"$OFIUCO_TEST_CRED_SECRET"
out="$(run //:push_arm64 --repository "$SECURE/h" --insecure --tag helper 2>&1)" && fail "the push with a failing credential helper succeeded"
grep -qF "the credential helper for the registry \`$SECURE\` failed" <<<"$out" || fail "the failing helper: expected the message in:"$'\n'"$out"
grep -qF "the helper said: ofiuco-test: the login has expired, log in again" <<<"$out" || fail "the failing helper: its own words are not in:"$'\n'"$out"
echo "a failing credential helper: named, with its own words"
echo right-password >"$OFIUCO_TEST_CRED_SECRET"
: >"$WORK/cred.log"
run //:push_arm64 --repository "$SECURE/h" --insecure --tag helper
grep -qxF "get $SECURE" "$WORK/cred.log" || fail "the push did not take its credentials from docker-credential-ofiuco-test"
got="$(curl -sfI -u ofiuco:right-password -H 'Accept: application/vnd.oci.image.manifest.v1+json' "http://$SECURE/v2/h/manifests/helper" | tr -d '\r' | sed -n 's/^Docker-Content-Digest: //Ip')"
[[ "$got" == "$want" ]] || fail "the registry has '$got' for h:helper, //:image for arm64 is $want"
echo "pushed with the credentials of docker-credential-ofiuco-test: $got ($(wc -l <"$WORK/cred.log") helper calls)"
unset OFIUCO_SKOPEO

echo; echo "aws_batch pushes: all checks passed"
