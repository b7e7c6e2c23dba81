#!/usr/bin/env bash
# The whole test suite: formatting, vet, and every Go test on SQLite and
# PostgreSQL. PostgreSQL tests use LEADHUB_TEST_POSTGRES_URL (default: the
# local server on 127.0.0.1:5432, database test, user postgres). Under
# CI=true an unreachable PostgreSQL fails the run; elsewhere those tests skip.
set -euo pipefail
cd "$(dirname "$0")/.."

export LEADHUB_TEST_POSTGRES_URL="${LEADHUB_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}"

if [ "${CI:-}" = "true" ]; then
  # Fail early and clearly when the database CI must test against is down.
  if ! bash scripts/pg-ready.sh "$LEADHUB_TEST_POSTGRES_URL"; then
    echo "test: PostgreSQL at LEADHUB_TEST_POSTGRES_URL is unreachable; CI requires it" >&2
    exit 1
  fi
fi

unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
  echo "test: gofmt would change:" $unformatted >&2
  exit 1
fi
go vet ./...
# The kill test: SIGKILL a loaded server and check that every acknowledged
# lead is stored exactly once, on each engine.
bash scripts/killtest.sh sqlite 2000 32
if bash scripts/pg-ready.sh "$LEADHUB_TEST_POSTGRES_URL"; then
  bash scripts/killtest.sh postgres 2000 32
else
  echo "test: PostgreSQL unreachable; kill test on PostgreSQL skipped"
fi

# Emulators this script starts are stopped at exit.
started_azurite="" started_mailpit=""
stop_emulators() {
  if [ -n "$started_azurite" ]; then bash scripts/azurite.sh stop "$started_azurite"; fi
  if [ -n "$started_mailpit" ]; then bash scripts/mailpit.sh stop "$started_mailpit"; fi
}
trap stop_emulators EXIT

# The Azure Table tests run against Azurite (npm, pinned in package.json),
# installed if needed and stopped at exit. Under CI=true it must start.
if [ -z "${LEADHUB_TEST_AZURITE:-}" ]; then
  if azurite_env=$(bash scripts/azurite.sh start); then
    eval "$azurite_env"
    started_azurite=$LEADHUB_TEST_AZURITE_PID
  elif [ "${CI:-}" = "true" ]; then
    echo "test: Azurite could not start; CI requires it" >&2
    exit 1
  else
    echo "test: Azurite could not start; Azure Table tests will skip"
  fi
fi

# The email tests (internal/notify) send to Mailpit, go-installed into
# .tools/bin at the version pinned in scripts/mailpit.sh, and read what it
# received through its HTTP API. Under CI=true it must start; elsewhere the
# tests start .tools/bin/mailpit themselves, or skip, saying why.
if [ -z "${LEADHUB_TEST_MAILPIT_SMTP:-}" ]; then
  if mailpit_env=$(bash scripts/mailpit.sh start); then
    eval "$mailpit_env"
    started_mailpit=$LEADHUB_TEST_MAILPIT_PID
  elif [ "${CI:-}" = "true" ]; then
    echo "test: Mailpit could not be installed or started; CI requires it" >&2
    exit 1
  else
    echo "test: Mailpit could not start; the email tests will skip"
  fi
fi

# The browser tests (internal/browsertest) drive Debian's Chromium, pinned
# in scripts/browser.sh, and run axe-core from node_modules (package.json).
# Under CI=true they must run: a failed install fails here, and a Chromium
# that cannot start fails the tests; elsewhere they skip, saying why.
if ! bash scripts/browser.sh install; then
  if [ "${CI:-}" = "true" ]; then
    echo "test: Chromium or axe-core could not be installed; CI requires them" >&2
    exit 1
  fi
  echo "test: Chromium or axe-core missing; the browser tests will skip"
fi

go test -count=1 -timeout 20m "$@" ./...
