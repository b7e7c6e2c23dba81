#!/usr/bin/env bash
# Identity resolution on B2B leads, batch and online, against the ground
# truth of a simulated run (person and account pairwise precision, recall
# and F1, and the error classes).
#
#   scripts/eval-b2b.sh [SEED] [LEADS] [COMPANIES] [EXTRA SIMULATE FLAGS…]
#   scripts/eval-b2b.sh 1 20000 1500
#   scripts/eval-b2b.sh 2 20000 1500 --large
#   DATABASE=postgres scripts/eval-b2b.sh 1 20000 1500
#
# Batch: `leadhub simulate --leads` writes the leads' contacts as parsed,
# `leadhub dedupe` clusters them, `leadhub simulate eval --clusters` scores
# the clusters. Online: a fresh `leadhub serve` (SQLite, or a schema of its
# own on PostgreSQL with DATABASE=postgres) receives the leads one at a time
# in arrival order through the HTTPS ingest endpoint; `leadhub simulate eval`
# waits until every lead is resolved, reads them all from /api/v1/leads and
# scores customer_id against person_id and, when the server gives one,
# account_id against company_id. OUT=DIR keeps the files (default: a
# temporary directory, removed).
set -euo pipefail
cd "$(dirname "$0")/.."
seed=${1:-1} count=${2:-20000} companies=${3:-1500}
shift $(($# < 3 ? $# : 3))
extra=("$@")
work=${OUT:-$(mktemp -d)}
mkdir -p "$work"
server_pid=""
schema=""
pg="${LEADHUB_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}"
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  [ -n "$schema" ] && psql -q "$pg" -c "SET client_min_messages = warning; DROP SCHEMA $schema CASCADE" >/dev/null
  [ -z "${OUT:-}" ] && rm -rf "$work"
  return 0
}
trap cleanup EXIT
bin=${LEADHUB_BIN:-$work/leadhub}
[ -n "${LEADHUB_BIN:-}" ] || go build -o "$bin" ./cmd/leadhub
run=(--b2b --seed "$seed" --count "$count" --companies "$companies" "${extra[@]}")

echo "== run: ${run[*]}"
"$bin" simulate "${run[@]}" --truth "$work/truth.csv" --leads "$work/leads.csv" >/dev/null

echo "== batch: leadhub dedupe"
"$bin" dedupe --input "$work/leads.csv" --id-column lead_seq --output "$work/clusters.csv" --quiet --accounts
"$bin" dedupe eval --clusters "$work/clusters.csv" --truth "$work/truth.csv" --truth-id lead_seq --truth-entity person_id \
  --label "batch, leadhub dedupe eval (Microsoft's test leads included)"
"$bin" simulate eval "${run[@]}" --clusters "$work/clusters.csv" --label "batch (leadhub dedupe)"

if [ "${DATABASE:-sqlite}" = postgres ]; then
  schema="lh_b2b_$$"
  psql -q "$pg" -c "CREATE SCHEMA $schema" >/dev/null
  case "$pg" in *\?*) dsn="$pg&search_path=$schema" ;; *) dsn="$pg?search_path=$schema" ;; esac
else
  dsn="sqlite:$work/leadhub.db"
  rm -f "$work/leadhub.db" "$work/leadhub.db-wal" "$work/leadhub.db-shm"
fi
log="$work/serve.log"
"$bin" serve --addr 127.0.0.1:0 --database "$dsn" >/dev/null 2>"$log" &
server_pid=$!
deadline=$((SECONDS + 60))
until grep -q '"msg":"listening"' "$log"; do
  [ $SECONDS -lt $deadline ] || { echo "eval-b2b: the server did not start" >&2; cat "$log" >&2; exit 1; }
  kill -0 "$server_pid" || { echo "eval-b2b: the server exited" >&2; cat "$log" >&2; exit 1; }
  sleep 0.05
done
addr=$(sed -nE 's/.*"msg":"listening","addr":"([^"]+)".*/\1/p' "$log" | head -n1)
code=$("$bin" token create --database "$dsn" 2>/dev/null | sed -E 's/.*code=//')
key=$("$bin" apikey create --name eval-b2b --database "$dsn" 2>/dev/null)

echo "== online: leadhub serve (${DATABASE:-sqlite})"
LEADHUB_API_KEY="$key" "$bin" simulate eval "${run[@]}" --url "http://$addr/ingest/marketplace?code=$code" \
  --server "http://$addr" --label "online (leadhub serve, ${DATABASE:-sqlite})"
