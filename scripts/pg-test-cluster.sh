#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests: `start STATE` installs Debian's postgresql when it is
# missing, creates a cluster in a new temporary folder (initdb + pg_ctl as an unprivileged user,
# never root), listening on 127.0.0.1 on a free port and on a Unix socket in that folder only, and
# writes STATE/env with the variables the tests read:
#   CLOISTER_TEST_POSTGRES_URL       postgresql://cloister@127.0.0.1:PORT/postgres (no password in it)
#   CLOISTER_TEST_POSTGRES_PASSWORD  the password of the role `cloister` (scram-sha-256 over TCP)
#   CLOISTER_TEST_POSTGRES_BIN       the server's bin folder (pg_dump, pg_ctl)
#   CLOISTER_TEST_POSTGRES_DATA      the cluster's data folder
#   CLOISTER_TEST_POSTGRES_USER      the unprivileged user the server runs as (for pg_ctl)
#   CLOISTER_TEST_POSTGRES_STATE     STATE, as an absolute path (for halt and resume)
# `stop STATE` stops the cluster and deletes its folder. Both are safe to repeat.
# `halt STATE` stops the server but keeps its data; `resume STATE` starts it again on the same port
# (outage tests).
set -euo pipefail

command=${1:-}
state=${2:-.build/pg-test-cluster}

bin_dir() {
  local initdb
  initdb=$(ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -1 || true)
  [ -n "$initdb" ] && dirname "$initdb"
}

install_postgres() {
  [ -n "$(bin_dir)" ] && return
  echo "Installing Debian's postgresql (the tests start a throwaway cluster of their own)"
  if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
  $sudo apt-get update -qq
  # Debian's package would create and start a system cluster; the tests need none.
  echo "create_main_cluster = false" | $sudo tee /etc/postgresql-common/createcluster.conf.d/cloister-tests.conf \
    >/dev/null 2>&1 || true
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql >/dev/null
}

# Runs a command as the cluster's user: `nobody` when we are root (PostgreSQL refuses root), else ourselves.
as_cluster_user() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u nobody -- "$@"; else "$@"; fi
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

start() {
  stop_cluster quiet
  install_postgres
  local bin folder port password user
  bin=$(bin_dir)
  folder=$(mktemp -d /tmp/cloister-pg-XXXXXX)
  chmod 755 "$folder"
  password=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
  printf '%s\n' "$password" >"$folder/pwfile"
  if [ "$(id -u)" -eq 0 ]; then user=nobody; chown -R nobody "$folder"; else user=$(id -un); fi
  as_cluster_user "$bin/initdb" -D "$folder/data" -U cloister --pwfile="$folder/pwfile" \
    --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --no-locale >"$folder/initdb.log" 2>&1 \
    || { cat "$folder/initdb.log"; exit 1; }
  rm -f "$folder/pwfile"
  port=$(free_port)
  mkdir -p "$state"
  echo "$port" >"$state/port"
  echo "$folder" >"$state/folder"
  start_server
  cat >"$state/env" <<EOF
CLOISTER_TEST_POSTGRES_URL=postgresql://cloister@127.0.0.1:$port/postgres
CLOISTER_TEST_POSTGRES_PASSWORD=$password
CLOISTER_TEST_POSTGRES_BIN=$bin
CLOISTER_TEST_POSTGRES_DATA=$folder/data
CLOISTER_TEST_POSTGRES_USER=$user
CLOISTER_TEST_POSTGRES_STATE=$(cd "$state" && pwd)
EOF
  echo "PostgreSQL test cluster on 127.0.0.1:$port ($folder)"
}

start_server() {
  local folder port
  folder=$(cat "$state/folder")
  port=$(cat "$state/port")
  as_cluster_user "$(bin_dir)/pg_ctl" -D "$folder/data" -l "$folder/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$folder -c fsync=off -c max_connections=200" \
    start >/dev/null || { cat "$folder/server.log"; exit 1; }
}

halt_server() {
  as_cluster_user "$(bin_dir)/pg_ctl" -D "$(cat "$state/folder")/data" -m fast -w stop >/dev/null
}

stop_cluster() {
  [ -f "$state/folder" ] || return 0
  local folder bin
  folder=$(cat "$state/folder")
  bin=$(bin_dir)
  if [ -d "$folder/data" ] && [ -n "$bin" ]; then
    as_cluster_user "$bin/pg_ctl" -D "$folder/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$folder" "$state/folder" "$state/env" "$state/port"
  [ "${1:-}" = quiet ] || echo "PostgreSQL test cluster stopped"
}

case "$command" in
  start) start ;;
  stop) stop_cluster ;;
  halt) halt_server ;;
  resume) start_server ;;
  *) echo "usage: $0 start|stop|halt|resume [STATE_FOLDER]" >&2; exit 2 ;;
esac
