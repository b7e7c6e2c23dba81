#!/usr/bin/env bash
# Measure `leadhub import` with the real binary: a synthetic CSV of 100,000
# leads into a new SQLite database, the same file again (it must create 0
# leads), then 1,000,000 leads (peak memory must stay flat), and the 100,000
# on PostgreSQL when it is reachable. Appends a "### CSV import" section to
# docs/BENCHMARKS.md.
#   scripts/bench-import.sh [ROWS_SMALL] [ROWS_LARGE]
# BENCH_OUT names another file to append to (for a trial run).
# Needs GNU time (/usr/bin/time; Debian/Ubuntu: apt-get install time).
set -euo pipefail
cd "$(dirname "$0")/.."
small=${1:-100000}
large=${2:-1000000}
pg="${LEADHUB_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}"
out="${BENCH_OUT:-docs/BENCHMARKS.md}"

if [ ! -x /usr/bin/time ]; then
  echo "bench-import: /usr/bin/time (GNU time) is missing; install it (apt-get install time)" >&2
  exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/leadhub" ./cmd/leadhub
go run ./internal/csvimport/testdata/gencsv -rows "$small" -o "$work/small.csv"
go run ./internal/csvimport/testdata/gencsv -rows "$large" -o "$work/large.csv"

# run NAME DSN FILE: import FILE and write "rows/s created RSS_KiB duration"
# to $work/NAME.res.
run() {
  local name=$1 dsn=$2 file=$3
  if ! /usr/bin/time -v -o "$work/$name.time" "$work/leadhub" import "$file" --database "$dsn" >"$work/$name.out" 2>"$work/$name.err"; then
    echo "bench-import: the $name import failed:" >&2
    cat "$work/$name.out" "$work/$name.err" >&2
    exit 1
  fi
  local summary rate created rss secs
  summary=$(grep -E '^import [0-9A-Z]+ of ' "$work/$name.out")
  rate=$(printf '%s' "$summary" | sed -E 's/.*\(([0-9]+) rows\/s\).*/\1/')
  created=$(printf '%s' "$summary" | sed -E 's/.*: ([0-9]+) created.*/\1/')
  secs=$(printf '%s' "$summary" | sed -E 's/.* rows in ([^ ]+) \(.*/\1/')
  rss=$(sed -nE 's/.*Maximum resident set size \(kbytes\): ([0-9]+)/\1/p' "$work/$name.time")
  echo "$rate $created $rss $secs" >"$work/$name.res"
  echo "  $name: $summary (peak RSS $((rss / 1024)) MiB)" >&2
}

# Only serve and `migrate --create` make a database; import needs one.
"$work/leadhub" migrate --create --database "sqlite:$work/small.db" >/dev/null
"$work/leadhub" migrate --create --database "sqlite:$work/large.db" >/dev/null
run small "sqlite:$work/small.db" "$work/small.csv"
read -r s_rate s_created s_rss s_secs <"$work/small.res"
run again "sqlite:$work/small.db" "$work/small.csv"
read -r r_rate r_created r_rss r_secs <"$work/again.res"
run large "sqlite:$work/large.db" "$work/large.csv"
read -r l_rate l_created l_rss l_secs <"$work/large.res"
size_small=$(du -m "$work/small.csv" | cut -f1)
size_large=$(du -m "$work/large.csv" | cut -f1)

pg_rows=""
if bash scripts/pg-ready.sh "$pg" && command -v psql >/dev/null 2>&1; then
  schema="lh_bench_import_$$"
  psql -q "$pg" -c "CREATE SCHEMA $schema" >/dev/null
  sep='?'; case "$pg" in *\?*) sep='&';; esac
  pgdsn="${pg}${sep}search_path=$schema"
  run pg "$pgdsn" "$work/small.csv"
  read -r p_rate p_created p_rss p_secs <"$work/pg.res"
  run pgagain "$pgdsn" "$work/small.csv"
  read -r q_rate q_created q_rss q_secs <"$work/pgagain.res"
  psql -q "$pg" -c "SET client_min_messages = warning; DROP SCHEMA $schema CASCADE" >/dev/null
  pg_rows=$(printf '| PostgreSQL, %s rows (%s MB), new database | %s | **%s rows/s** | %s | %s MiB |\n| PostgreSQL, the same %s rows again | %s | %s rows/s | **%s** | %s MiB |' \
    "$small" "$size_small" "$p_secs" "$p_rate" "$p_created" "$((p_rss / 1024))" "$small" "$q_secs" "$q_rate" "$q_created" "$((q_rss / 1024))")
fi

cpu=$(sed -nE 's/^model name\s*:\s*(.*)/\1/p' /proc/cpuinfo | head -1)
{
  printf '\n### CSV import — %s\n\n' "$(date -u '+%Y-%m-%d %H:%M UTC')"
  printf 'Machine: %s cores (%s), %s. %s. Files from `go run ./internal/csvimport/testdata/gencsv -rows N` (Partner Center shaped, 14 columns, one row in five with a two-line quoted comment). ' \
    "$(nproc)" "$cpu" "$(uname -s | tr 'A-Z' 'a-z')" "$(go version | cut -d' ' -f3)"
  printf 'Command: `/usr/bin/time -v leadhub import FILE.csv --database DSN` (SQLite: a new file, WAL, `synchronous=FULL`). Script: `scripts/bench-import.sh %s %s`.\n\n' "$small" "$large"
  printf '| what | time | rate | leads created | peak RSS |\n|---|---:|---:|---:|---:|\n'
  printf '| SQLite, %s rows (%s MB), new database | %s | **%s rows/s** | %s | %s MiB |\n' "$small" "$size_small" "$s_secs" "$s_rate" "$s_created" "$((s_rss / 1024))"
  printf '| SQLite, the same %s rows again | %s | %s rows/s | **%s** | %s MiB |\n' "$small" "$r_secs" "$r_rate" "$r_created" "$((r_rss / 1024))"
  printf '| SQLite, %s rows (%s MB), new database | %s | **%s rows/s** | %s | **%s MiB** |\n' "$large" "$size_large" "$l_secs" "$l_rate" "$l_created" "$((l_rss / 1024))"
  if [ -n "$pg_rows" ]; then printf '%s\n' "$pg_rows"; fi
  printf '\nPeak memory does not grow with the file: rows are streamed and at most 128 are in flight to the inbox.\n'
} >>"$out"
echo "appended to $out" >&2
