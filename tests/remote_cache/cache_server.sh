# shellcheck shell=bash
# Sourced by the remote cache tests: a real HTTP cache server (nginx with
# WebDAV) on 127.0.0.1.
#
#   start_cache_server DIR   # serves DIR/cache; sets CACHE_URL and NGINX_PID
#   stop_cache_server        # stops it by its PID

# Installs nginx-light once (apt-get) when it is missing.
ensure_nginx() {
  if ! command -v nginx >/dev/null; then
    echo "ofiuco: installing nginx-light (a WebDAV server for the remote cache tests; once)" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx-light >/dev/null
  fi
}

NGINX_PID=""
CACHE_URL=""
start_cache_server() {
  local dir="$1" port
  ensure_nginx
  port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  mkdir -p "$dir/cache" "$dir/nginx"
  cat >"$dir/nginx/nginx.conf" <<CONF
user root;
worker_processes 1;
pid $dir/nginx/nginx.pid;
error_log $dir/nginx/error.log;
events { worker_connections 1024; }
http {
  access_log $dir/nginx/access.log;
  client_body_temp_path $dir/nginx/body;
  server {
    listen 127.0.0.1:$port;
    root $dir/cache;
    client_max_body_size 0;
    dav_methods PUT DELETE;
    create_full_put_path on;
  }
}
CONF
  nginx -c "$dir/nginx/nginx.conf" -g 'daemon off;' &
  NGINX_PID=$!
  CACHE_URL="http://127.0.0.1:$port"
  for _ in $(seq 50); do
    curl -fsS -o /dev/null -X PUT --data-binary probe "$CACHE_URL/probe" 2>/dev/null && break
    sleep 0.1
  done
  curl -fsS "$CACHE_URL/probe" >/dev/null || {
    echo "FAIL: the cache server did not start" >&2
    cat "$dir/nginx/error.log" >&2
    return 1
  }
}

stop_cache_server() {
  if [[ -n "$NGINX_PID" ]]; then
    kill "$NGINX_PID" 2>/dev/null && wait "$NGINX_PID" 2>/dev/null
  fi
  NGINX_PID=""
  return 0
}
