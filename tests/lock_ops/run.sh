#!/usr/bin/env bash
# Lock maintenance and private indexes, end to end with real tools:
# a pypiserver on 127.0.0.1 that requires basic auth serves real wheels
# (idna, six: fetched from PyPI and checked against the sha256 of the uv.lock
# fixture); a scratch workspace has a uv project and a Poetry project whose
# only index is that server.
#
#  1. `:lock_test` fails on a pyproject.toml edited since the lock, naming the
#     change and `bazel run @<hub>//:lock`; `bazel run @<hub>//:lock` (the
#     hermetic uv 0.13.9, Poetry 2.5.1 through it) re-locks against the
#     private index with credentials from the environment; then it passes.
#  2. Building from the private index: with a netrc (`NETRC`) it builds (a
#     cold fetch prints no `WARNING: Download from` line); with a credential
#     helper instead of a netrc too; without credentials or with a wrong
#     password it fails with one message naming the host and how to supply
#     credentials.
#  3. The same index over https (tools/dev/pypiserver.sh --tls, a CA made
#     here with openssl): Bazel trusts it through a JVM trust store
#     (`--host_jvm_args=-Djavax.net.ssl.trustStore=...`), uv through
#     `SSL_CERT_FILE`, Poetry through `POETRY_CERTIFICATES_<SOURCE>_CERT`;
#     `:lock` with credentials from a netrc (uv) and Poetry's http-basic
#     setting, builds of both hubs (a Poetry legacy source needs the index
#     page, which plain http cannot give), a Poetry single-page source (a
#     find-links page); refused credentials and an untrusted CA fail
#     clearly.
#  4. No password in any output, log, lock, hub or repository file.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"
BAZEL="$ROOT/tools/dev/bazel.sh"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
WORK="$(mktemp -d /tmp/ofiuco-lockops.XXXXXX)"
WS="$WORK/ws"
USER_NAME=ofiuco
PASSWORD="s3cret-$RANDOM$RANDOM-pw"
passed=0
failed=0
server_pid=""
tls_pid=""
bases=()

cleanup() {
  for base in "${bases[@]}"; do
    (cd "$WS" && "$BAZEL" --output_base="$base" shutdown >/dev/null 2>&1) || true
  done
  [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null
  [[ -n "$tls_pid" ]] && kill "$tls_pid" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

pass() { passed=$((passed + 1)); echo "PASS $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1"; [[ -n "${2:-}" ]] && tail -25 <<<"$2" | sed 's/^/    | /'; }

# --- the private index -------------------------------------------------------
"$ROOT/tools/dev/pypiserver.sh" --setup
mkdir -p "$WORK/packages"
fixture="$ROOT/tools/lock/tests/fixtures/uv.lock"
for wheel in idna-3.20-py3-none-any.whl six-1.17.0-py2.py3-none-any.whl; do
  line="$(grep -o "{ url = \"[^\"]*/$wheel\", hash = \"sha256:[0-9a-f]*\"" "$fixture" | head -1)"
  url="$(sed -E 's/.*url = "([^"]+)".*/\1/' <<<"$line")"
  sha="$(sed -E 's/.*sha256:([0-9a-f]+).*/\1/' <<<"$line")"
  curl -fsSL -o "$WORK/packages/$wheel" "$url"
  echo "$sha  $WORK/packages/$wheel" | sha256sum -c --quiet || { echo "sha256 mismatch for $wheel"; exit 1; }
done
"$ROOT/tools/dev/pypiserver.sh" --htpasswd "$WORK/htpasswd" "$USER_NAME" "$PASSWORD"
PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
"$ROOT/tools/dev/pypiserver.sh" run -i 127.0.0.1 -p "$PORT" -P "$WORK/htpasswd" -a download,list,update \
  "$WORK/packages" >"$WORK/pypiserver.log" 2>&1 &
server_pid=$!
INDEX="http://127.0.0.1:$PORT/simple/"
for _ in $(seq 50); do
  curl -fs -o /dev/null -u "$USER_NAME:$PASSWORD" "$INDEX" && break
  sleep 0.2
done
code="$(curl -s -o /dev/null -w '%{http_code}' "$INDEX")"
if [[ "$code" == 401 ]]; then pass "index_requires_auth (anonymous: HTTP $code)"; else fail "index_requires_auth (anonymous: HTTP $code)"; fi

printf 'machine 127.0.0.1\nlogin %s\npassword %s\n' "$USER_NAME" "$PASSWORD" >"$WORK/netrc"
printf 'machine 127.0.0.1\nlogin %s\npassword wrong\n' "$USER_NAME" >"$WORK/netrc.wrong"
cat >"$WORK/credential-helper" <<HELPER
#!/bin/sh
# A Bazel credential helper (the protocol's \`get\`): basic auth for the test index.
cat >/dev/null
printf '{"headers":{"Authorization":["Basic %s"]}}\n' "$(printf '%s:%s' "$USER_NAME" "$PASSWORD" | base64 -w0)"
HELPER
chmod +x "$WORK/credential-helper"

# --- the workspace -------------------------------------------------------------
mkdir -p "$WS/uvproj" "$WS/poetryproj" "$WS/linksproj" "$WS/uvflat"
cat >"$WS/MODULE.bazel" <<MOD
module(name = "ofiuco_lockops")

bazel_dep(name = "ofiuco")
local_path_override(module_name = "ofiuco", path = "$ROOT")

uv = use_extension("@ofiuco//python:extensions.bzl", "uv")
uv.parse(name = "uvhub", lock = "//uvproj:uv.lock")
use_repo(uv, "uvhub")

poetry = use_extension("@ofiuco//python:extensions.bzl", "poetry")
poetry.parse(name = "poetryhub", lock = "//poetryproj:poetry.lock")
use_repo(poetry, "poetryhub")

poetry.parse(name = "linkshub", lock = "//linksproj:poetry.lock")
use_repo(poetry, "linkshub")

uv.parse(name = "uvflathub", lock = "//uvflat:uv.lock")
use_repo(uv, "uvflathub")
MOD
cp "$ROOT/.bazelrc" "$ROOT/.bazelversion" "$WS/"
touch "$WS/BUILD.bazel" "$WS/uvproj/BUILD.bazel" "$WS/poetryproj/BUILD.bazel" "$WS/linksproj/BUILD.bazel" "$WS/uvflat/BUILD.bazel"
uv_pyproject() {
  local index="${2:-$INDEX}"
  cat >"$WS/uvproj/pyproject.toml" <<PY
[project]
name = "uvproj"
version = "0.1.0"
requires-python = ">=3.10"
dependencies = [$1]

[[tool.uv.index]]
name = "private"
url = "$index"
default = true
PY
}
poetry_pyproject() {
  local index="${2:-$INDEX}"
  cat >"$WS/poetryproj/pyproject.toml" <<PY
[project]
name = "poetryproj"
version = "0.1.0"
requires-python = ">=3.10"
dependencies = [$1]

[tool.poetry]
package-mode = false

[[tool.poetry.source]]
name = "private"
url = "$index"
priority = "primary"
PY
}
uv_pyproject '"idna"'
poetry_pyproject '"idna"'
# Bootstrap locks: a project without dependencies, as the tools write it (a
# hub needs a lock to exist; the first `:lock` run replaces them).
cat >"$WS/uvproj/uv.lock" <<'LOCK'
version = 1
revision = 3
requires-python = ">=3.10"

[[package]]
name = "uvproj"
version = "0.1.0"
source = { virtual = "." }
LOCK
cat >"$WS/poetryproj/poetry.lock" <<'LOCK'
# This file is automatically @generated by Poetry 2.5.1 and should not be changed by hand.
package = []

[metadata]
lock-version = "2.1"
python-versions = ">=3.10"
content-hash = "0000000000000000000000000000000000000000000000000000000000000000"
LOCK
cp "$WS/poetryproj/poetry.lock" "$WS/linksproj/poetry.lock"
sed 's/"uvproj"/"uvflat"/' "$WS/uvproj/uv.lock" >"$WS/uvflat/uv.lock"

BASE="$WORK/base-main"
CACHE="$WORK/repo-cache"
bases+=("$BASE")
# Credentials for the lock tools, as a user would set them.
export UV_INDEX_PRIVATE_USERNAME="$USER_NAME" UV_INDEX_PRIVATE_PASSWORD="$PASSWORD"
export POETRY_HTTP_BASIC_PRIVATE_USERNAME="$USER_NAME" POETRY_HTTP_BASIC_PRIVATE_PASSWORD="$PASSWORD"
ALL_OUTPUT="$WORK/all-output.log"
: >"$ALL_OUTPUT"
bz() {
  local base="$1"
  shift
  (cd "$WS" && "$BAZEL" --output_base="$base" "$@" 2>&1) | tee -a "$ALL_OUTPUT"
  return "${PIPESTATUS[0]}"
}
# expect NAME WANT(0|fail) OUTPUT_VAR_TEXT STATUS LINES...: each line must be in the text.
expect() {
  local name="$1" want="$2" out="$3" status="$4"
  shift 4
  local ok=1
  if [[ "$want" == 0 && $status != 0 ]] || [[ "$want" == fail && $status == 0 ]]; then ok=0; fi
  for line in "$@"; do
    grep -qF -- "$line" <<<"$out" || { ok=0; echo "    missing: $line"; }
  done
  if [[ $ok == 1 ]]; then pass "$name"; else fail "$name (exit $status)" "$out"; fi
}

# --- 1. staleness and re-locking ------------------------------------------------
for hub in uvhub poetryhub; do
  out="$(bz "$BASE" test --repository_cache="$CACHE" "@$hub//:lock_test" --test_output=errors)"
  expect "${hub}_lock_test_fails_when_stale" fail "$out" $? \
    "is out of date" "changed since it was locked" "hint: run \`bazel run @$hub//:lock\` and commit the new lock"
  out="$(bz "$BASE" run --repository_cache="$CACHE" "@$hub//:lock")"
  expect "${hub}_lock_relocks_from_the_private_index" 0 "$out" $? "ofiuco: wrote"
  out="$(bz "$BASE" test --repository_cache="$CACHE" "@$hub//:lock_test" --test_output=errors)"
  expect "${hub}_lock_test_passes_after_lock" 0 "$out" $? "PASSED"
done
if grep -q "url = \"http://127.0.0.1:$PORT/packages/idna-3.20-py3-none-any.whl" "$WS/uvproj/uv.lock" &&
  grep -q "url = \"http://127.0.0.1:$PORT/simple" "$WS/poetryproj/poetry.lock" && grep -q '^name = "idna"' "$WS/poetryproj/poetry.lock"; then
  pass "locks_come_from_the_private_index"
else
  fail "locks_come_from_the_private_index" "$(cat "$WS/uvproj/uv.lock" "$WS/poetryproj/poetry.lock")"
fi

# A second edit: the test names the new requirement; `:update` re-locks.
uv_pyproject '"idna", "six>=1.16"'
out="$(bz "$BASE" test --repository_cache="$CACHE" @uvhub//:lock_test --test_output=errors)"
expect uv_lock_test_names_the_change fail "$out" $? \
  "\`six>=1.16\` is in pyproject.toml but not in the lock"
out="$(bz "$BASE" run --repository_cache="$CACHE" @uvhub//:update)"
expect uv_update_relocks 0 "$out" $? "ofiuco: wrote"
out="$(bz "$BASE" test --repository_cache="$CACHE" @uvhub//:lock_test)"
expect uv_lock_test_passes_after_update 0 "$out" $? "PASSED"

# A failing tool leaves the lock as it was (here: a requirement no index has).
cp "$WS/uvproj/uv.lock" "$WORK/uv.lock.before"
uv_pyproject '"idna", "six>=1.16", "no-such-package-ofiuco"'
out="$(bz "$BASE" run --repository_cache="$CACHE" @uvhub//:lock)"
status=$?
backups=("$WS"/uvproj/.uv.lock.ofiuco-backup.*)
if [[ $status != 0 ]] && cmp -s "$WORK/uv.lock.before" "$WS/uvproj/uv.lock" && [[ ! -e "${backups[0]}" ]]; then
  pass "failed_lock_leaves_the_lock_unchanged"
else
  fail "failed_lock_leaves_the_lock_unchanged (exit $status)" "$out"
fi
uv_pyproject '"idna", "six>=1.16"'

# --- 2. building from the private index ---------------------------------------
cold() {
  # A fresh output base and repository cache: every file comes from the index.
  local name="$1"
  shift
  local base="$WORK/base-$name"
  bases+=("$base")
  bz "$base" build --repository_cache="$WORK/cache-$name" "$@"
}
# The uv.lock has the file URLs (with sha256): no index page is needed.
out="$(cold uv_netrc --repo_env=NETRC="$WORK/netrc" @uvhub//:idna @uvhub//:six)"
status=$?
expect uvhub_builds_with_netrc 0 "$out" $status
if grep -q "WARNING: Download from" <<<"$out"; then fail uvhub_cold_fetch_is_quiet "$out"; else pass uvhub_cold_fetch_is_quiet; fi
: >"$WORK/netrc.empty"
out="$(cold helper --repo_env=NETRC="$WORK/netrc.empty" --credential_helper=127.0.0.1="$WORK/credential-helper" @uvhub//:six)"
expect uvhub_builds_with_a_credential_helper 0 "$out" $?
out="$(cold none_uv --repo_env=NETRC="$WORK/netrc.empty" @uvhub//:idna)"
expect uv_without_credentials_fails_clearly fail "$out" $? \
  "ofiuco: could not download idna-3.20-py3-none-any.whl of idna 3.20 from http://127.0.0.1:$PORT/packages/" \
  "hint: if 127.0.0.1:$PORT needs credentials, supply them in a netrc file" "--credential_helper=127.0.0.1="
out="$(cold wrong --repo_env=NETRC="$WORK/netrc.wrong" @uvhub//:idna)"
expect wrong_password_fails_clearly fail "$out" $? \
  "the credentials ofiuco found for 127.0.0.1:$PORT (URL user info or netrc) were sent: check them"

# A Poetry legacy source needs its index page, which Bazel's downloader does
# not fetch over plain http (no checksum): said plainly, without a request.
out="$(cold poetry_http --repo_env=NETRC="$WORK/netrc" @poetryhub//:idna)"
expect poetry_http_index_is_refused_clearly fail "$out" $? \
  "ofiuco: cannot read the index page of idna for idna-3.20-py3-none-any.whl (idna 3.20)" \
  "Bazel downloads plain-http URLs only with a checksum, and an index page has none: serve the index over https"
out="$(cold missing_netrc --repo_env=NETRC="$WORK/no-such-netrc" @uvhub//:idna)"
expect missing_netrc_file_is_named fail "$out" $? "ofiuco: \`NETRC\` names $WORK/no-such-netrc, which does not exist"

# --- 3. the private index over https ---------------------------------------------
TLS="$WORK/tls"
mkdir -p "$TLS"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -keyout "$TLS/ca.key" -out "$TLS/ca.pem" \
  -subj "/CN=ofiuco lock_ops test CA" -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout "$TLS/server.key" -out "$TLS/server.csr" -subj "/CN=127.0.0.1" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >"$TLS/ext.cnf"
openssl x509 -req -days 2 -in "$TLS/server.csr" -CA "$TLS/ca.pem" -CAkey "$TLS/ca.key" -CAcreateserial \
  -out "$TLS/server.pem" -extfile "$TLS/ext.cnf" 2>/dev/null
TPORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
"$ROOT/tools/dev/pypiserver.sh" --tls --port "$TPORT" --cert "$TLS/server.pem" --key "$TLS/server.key" \
  --htpasswd "$WORK/htpasswd" --links-page links.html "$WORK/packages" >"$WORK/pypiserver-tls.log" 2>&1 &
tls_pid=$!
HTTPS_INDEX="https://127.0.0.1:$TPORT/simple/"
for _ in $(seq 50); do
  curl -fs -o /dev/null --cacert "$TLS/ca.pem" -u "$USER_NAME:$PASSWORD" "$HTTPS_INDEX" && break
  sleep 0.2
done
# Bazel's downloader is Java: it trusts the JVM's trust store, here one holding
# only the test CA (the other downloads of this workspace come from the warm
# repository cache). A corporate CA goes into a copy of the JDK's cacerts.
keytool -importcert -noprompt -alias ofiuco-test-ca -file "$TLS/ca.pem" \
  -keystore "$TLS/truststore.p12" -storetype PKCS12 -storepass changeit >/dev/null 2>&1
TRUST=(--host_jvm_args=-Djavax.net.ssl.trustStore="$TLS/truststore.p12" --host_jvm_args=-Djavax.net.ssl.trustStorePassword=changeit)
# uv reads SSL_CERT_FILE (the system's CAs and the test CA: uv also reaches
# PyPI for Poetry); Poetry the per-source certificate setting.
cat /etc/ssl/certs/ca-certificates.crt "$TLS/ca.pem" >"$TLS/bundle.pem"
TBASE="$WORK/base-tls"
bases+=("$TBASE")
# bzt BASE ARGS...: Bazel with the trust store.
bzt() {
  local base="$1"
  shift
  (cd "$WS" && "$BAZEL" --output_base="$base" "${TRUST[@]}" "$@" 2>&1) | tee -a "$ALL_OUTPUT"
  return "${PIPESTATUS[0]}"
}
uv_pyproject '"idna", "six>=1.16"' "$HTTPS_INDEX"
poetry_pyproject '"idna"' "$HTTPS_INDEX"
cat >"$WS/linksproj/pyproject.toml" <<PY
[project]
name = "linksproj"
version = "0.1.0"
requires-python = ">=3.10"
dependencies = ["six"]

[tool.poetry]
package-mode = false

[[tool.poetry.source]]
name = "links"
url = "https://127.0.0.1:$TPORT/links.html"
priority = "primary"
PY
# A flat index (a find-links page) for uv.
cat >"$WS/uvflat/pyproject.toml" <<PY
[project]
name = "uvflat"
version = "0.1.0"
requires-python = ">=3.10"
dependencies = ["six"]

[[tool.uv.index]]
name = "links"
url = "https://127.0.0.1:$TPORT/links.html"
format = "flat"
default = true
PY
# uv: the credentials from a netrc only; Poetry: its http-basic setting (as environment).
unset UV_INDEX_PRIVATE_USERNAME UV_INDEX_PRIVATE_PASSWORD
export POETRY_HTTP_BASIC_LINKS_USERNAME="$USER_NAME" POETRY_HTTP_BASIC_LINKS_PASSWORD="$PASSWORD"
export POETRY_CERTIFICATES_PRIVATE_CERT="$TLS/ca.pem" POETRY_CERTIFICATES_LINKS_CERT="$TLS/ca.pem"
out="$(NETRC="$WORK/netrc.wrong" SSL_CERT_FILE="$TLS/bundle.pem" bzt "$TBASE" run --repository_cache="$CACHE" @uvhub//:lock)"
expect https_uv_lock_with_refused_credentials_fails_clearly fail "$out" $? \
  "ofiuco: an index refused the credentials (HTTP 401 or 403" "127.0.0.1:$TPORT" "UV_INDEX_<NAME>_USERNAME"
for hub in uvhub uvflathub; do
  out="$(NETRC="$WORK/netrc" SSL_CERT_FILE="$TLS/bundle.pem" bzt "$TBASE" run --repository_cache="$CACHE" "@$hub//:lock")"
  expect "https_${hub}_lock_with_netrc" 0 "$out" $? "ofiuco: wrote"
done
for hub in poetryhub linkshub; do
  out="$(bzt "$TBASE" run --repository_cache="$CACHE" "@$hub//:lock")"
  expect "https_${hub}_lock_with_http_basic" 0 "$out" $? "ofiuco: wrote"
done
if grep -q "url = \"https://127.0.0.1:$TPORT/packages/idna-3.20-py3-none-any.whl" "$WS/uvproj/uv.lock" &&
  grep -q "url = \"https://127.0.0.1:$TPORT/simple" "$WS/poetryproj/poetry.lock" &&
  grep -q "url = \"https://127.0.0.1:$TPORT/links.html\"" "$WS/linksproj/poetry.lock" &&
  grep -q "source = { registry = \"https://127.0.0.1:$TPORT/links.html\" }" "$WS/uvflat/uv.lock"; then
  pass "https_locks_come_from_the_https_index"
else
  fail "https_locks_come_from_the_https_index" "$(cat "$WS/uvproj/uv.lock" "$WS/poetryproj/poetry.lock" "$WS/linksproj/poetry.lock" "$WS/uvflat/uv.lock")"
fi
out="$(bzt "$TBASE" test --repository_cache="$CACHE" @uvhub//:lock_test @poetryhub//:lock_test @linkshub//:lock_test @uvflathub//:lock_test)"
expect https_lock_tests_pass 0 "$out" $?
# Builds: a cold fetch of each hub, credentials from the netrc.
tcold() {
  local name="$1"
  shift
  local base="$WORK/base-$name"
  bases+=("$base")
  bzt "$base" build --repository_cache="$WORK/cache-$name" "$@"
}
out="$(tcold https_netrc --repo_env=NETRC="$WORK/netrc" @uvhub//:idna @poetryhub//:idna @linkshub//:six @uvflathub//:six)"
expect https_hubs_build_with_netrc 0 "$out" $?
out="$(tcold https_wrong --repo_env=NETRC="$WORK/netrc.wrong" @poetryhub//:idna)"
expect https_poetry_wrong_password_fails_clearly fail "$out" $? \
  "ofiuco: cannot read the index page of idna" "the credentials ofiuco found for 127.0.0.1:$TPORT (URL user info or netrc) were sent: check them"
# Without the trust store, Bazel refuses the server's certificate: said plainly.
base="$WORK/base-https_untrusted"
bases+=("$base")
out="$(bz "$base" build --repository_cache="$WORK/cache-https_untrusted" --repo_env=NETRC="$WORK/netrc" @uvhub//:idna)"
expect https_untrusted_ca_fails_clearly fail "$out" $? \
  "ofiuco: could not download idna-3.20-py3-none-any.whl of idna 3.20 from https://127.0.0.1:$TPORT/packages/" \
  "that Bazel trusts the certificate of 127.0.0.1:$TPORT"

# --- 4. no credential anywhere ---------------------------------------------------
# The output bases hold every repository (external/), the hubs, the test logs
# and Bazel's own logs.
leaks="$(grep -rlF -- "$PASSWORD" "$ALL_OUTPUT" "$WS" "${bases[@]}" 2>/dev/null || true)"
if [[ -z "$leaks" ]]; then
  pass "no_password_in_outputs_locks_hubs_or_repositories"
else
  fail "no_password_in_outputs_locks_hubs_or_repositories" "$leaks"
fi

echo
echo "lock_ops: $passed passed, $failed failed"
[[ $failed == 0 ]]
