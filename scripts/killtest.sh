#!/usr/bin/env bash
# Kill test: post leads from many concurrent clients, SIGKILL the server
# part-way, restart it, and check that every lead that got a 2xx is stored
# exactly once.
#
#   scripts/killtest.sh sqlite|postgres [COUNT] [CONCURRENCY]
#
# PostgreSQL uses LEADHUB_TEST_POSTGRES_URL (default: local server, database
# test) with a throw-away schema.
set -euo pipefail
cd "$(dirname "$0")/.."
engine=${1:-sqlite}
count=${2:-5000}
conc=${3:-32}
work=$(mktemp -d)
run="kill$$"
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill -9 "$server_pid" 2>/dev/null || true
  [ -n "${schema:-}" ] && psql -q "$pg" -c "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

go build -o "$work/leadhub" ./cmd/leadhub
bin="$work/leadhub"

case "$engine" in
  sqlite) dsn="sqlite:$work/kill.db" ;;
  postgres)
    pg="${LEADHUB_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}"
    schema="killtest_$$"
    psql -q "$pg" -c "CREATE SCHEMA $schema" >/dev/null
    case "$pg" in *\?*) dsn="$pg&search_path=$schema" ;; *) dsn="$pg?search_path=$schema" ;; esac ;;
  *) echo "usage: $0 sqlite|postgres [COUNT] [CONCURRENCY]" >&2; exit 2 ;;
esac

"$bin" migrate --create --database "$dsn" >/dev/null
code=$("$bin" token create --database "$dsn" 2>/dev/null | sed -E 's/.*code=//')

# wait_for DESCRIPTION SECONDS COMMAND…: poll until COMMAND succeeds.
wait_for() {
  local what=$1 secs=$2; shift 2
  local deadline=$((SECONDS + secs))
  until "$@"; do
    if [ $SECONDS -ge $deadline ]; then echo "killtest: timed out waiting for $what" >&2; exit 1; fi
    sleep 0.05
  done
}
listening() { grep -q '"msg":"listening"' "$1"; }
acks_at_least() { [ -f "$work/acks.jsonl" ] && [ "$(wc -l < "$work/acks.jsonl")" -ge "$1" ]; }

start_server() {
  local addr=$1 log=$2
  "$bin" serve --addr "$addr" --database "$dsn" >/dev/null 2>"$log" &
  server_pid=$!
  wait_for "the server to listen" 60 listening "$log"
}

start_server 127.0.0.1:0 "$work/server1.log"
addr=$(sed -nE 's/.*"msg":"listening","addr":"([^"]+)".*/\1/p' "$work/server1.log" | head -n1)

"$bin" bench load --url "http://$addr/ingest/marketplace?code=$code" --run "$run" \
  --count "$count" --concurrency "$conc" --retry-for 2m --acks "$work/acks.jsonl" > "$work/load.out" 2>&1 &
load_pid=$!

# Kill the server without warning once about 40% of the leads are acknowledged.
wait_for "leads to be acknowledged" 120 acks_at_least $((count * 2 / 5))
kill -9 "$server_pid"
wait "$server_pid" 2>/dev/null || true
acked_at_kill=$(wc -l < "$work/acks.jsonl")
echo "killtest[$engine]: SIGKILL after $acked_at_kill of $count leads were acknowledged"

start_server "$addr" "$work/server2.log"
if ! wait "$load_pid"; then
  cat "$work/load.out" >&2
  exit 1
fi
echo "killtest[$engine]: $(cat "$work/load.out")"
kill -TERM "$server_pid"
wait "$server_pid" || true
server_pid=""

"$bin" bench verify --database "$dsn" --acks "$work/acks.jsonl" --run "$run" | sed "s/^/killtest[$engine]: /"
