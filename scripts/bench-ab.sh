#!/usr/bin/env bash
# Compare the ingest speed of two builds of leadhub, each run as shipped
# (`leadhub serve` with its defaults: the resolver, the source monitor and
# every other background step on), on a new SQLite database (or PostgreSQL
# with DATABASE=postgres), alternating A and B so that both see the same
# machine. The load comes from this checkout's `leadhub bench load` for both.
#   scripts/bench-ab.sh A_BINARY B_BINARY [ROUNDS] [LEADS] [CONCURRENCY]
# Prints one line per run: build, leads/s, p50, p99.
set -euo pipefail
cd "$(dirname "$0")/.."
a=$1 b=$2 rounds=${3:-3} count=${4:-40000} conc=${5:-32}
work=$(mktemp -d)
server_pid=""
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
go build -o "$work/load" ./cmd/leadhub
pg="${LEADHUB_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}"

run() { # run NAME BINARY N
  local name=$1 bin=$2 n=$3 dsn log="$work/$1-$3.log"
  if [ "${DATABASE:-sqlite}" = postgres ]; then
    local schema="lh_ab_$$_${name}_$n"
    psql -q "$pg" -c "CREATE SCHEMA $schema" >/dev/null
    case "$pg" in *\?*) dsn="$pg&search_path=$schema" ;; *) dsn="$pg?search_path=$schema" ;; esac
  else
    dsn="sqlite:$work/$name-$n.db"
  fi
  "$bin" serve --addr 127.0.0.1:0 --database "$dsn" >/dev/null 2>"$log" &
  server_pid=$!
  local deadline=$((SECONDS + 60))
  until grep -q '"msg":"listening"' "$log"; do
    [ $SECONDS -lt $deadline ] || { echo "bench-ab: $name did not start" >&2; cat "$log" >&2; exit 1; }
    sleep 0.05
  done
  local addr code
  addr=$(sed -nE 's/.*"msg":"listening","addr":"([^"]+)".*/\1/p' "$log" | head -n1)
  code=$("$bin" token create --database "$dsn" 2>/dev/null | sed -E 's/.*code=//')
  local out
  out=$("$work/load" bench load --url "http://$addr/ingest/marketplace?code=$code" --run "ab$n" \
    --count "$count" --concurrency "$conc" --retry-for 0s --acks "$work/$name-$n.acks")
  kill -TERM "$server_pid"; wait "$server_pid" || true; server_pid=""
  [ "${DATABASE:-sqlite}" = postgres ] && psql -q "$pg" -c "SET client_min_messages = warning; DROP SCHEMA $schema CASCADE" >/dev/null
  printf '%s\t%s\n' "$name" "$(printf '%s' "$out" | sed -E 's/.*, ([0-9]+) leads\/s, p50 ([0-9.]+ ms), p99 ([0-9.]+ ms)/\1 leads\/s\tp50 \2\tp99 \3/')"
}

for n in $(seq 1 "$rounds"); do
  run A "$a" "$n"
  run B "$b" "$n"
done
