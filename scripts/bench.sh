#!/usr/bin/env bash
# Measure ingest on SQLite and PostgreSQL and append the results, with the
# machine and the command, to docs/BENCHMARKS.md. Also runs the Go
# micro-benchmarks and appends their output.
#   scripts/bench.sh [DURATION]
set -euo pipefail
cd "$(dirname "$0")/.."
dur=${1:-20s}
pg="${LEADHUB_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}"
go build -o bin/leadhub ./cmd/leadhub
bin/leadhub bench ingest --duration "$dur" --concurrency 32 --write docs/BENCHMARKS.md
bin/leadhub bench ingest --database "$pg" --duration "$dur" --concurrency 32 --write docs/BENCHMARKS.md
{
  printf '\n### Go micro-benchmarks — %s\n\nCommand: `go test -run ^$ -bench . -benchmem ./internal/...`\n\n```\n' "$(date -u '+%Y-%m-%d %H:%M UTC')"
  LEADHUB_TEST_POSTGRES_URL="$pg" go test -run '^$' -bench . -benchmem ./internal/... | grep -E '^(Benchmark|goos|goarch|cpu|pkg)'
  printf '```\n'
} >> docs/BENCHMARKS.md
