#!/usr/bin/env bash
# Mailpit, an SMTP server that keeps what it receives and shows it through
# an HTTP API, for the email tests of internal/notify.
#
#   scripts/mailpit.sh install        go install mailpit, pinned to MAILPIT_VERSION,
#                                     into .tools/bin unless it is there already
#   scripts/mailpit.sh start          start it on free ports (messages in a
#                                     temporary database) and print, once both answer:
#                                       export LEADHUB_TEST_MAILPIT_SMTP=127.0.0.1:PORT
#                                       export LEADHUB_TEST_MAILPIT_API=http://127.0.0.1:PORT
#                                       export LEADHUB_TEST_MAILPIT_PID=PID
#   scripts/mailpit.sh stop [PID]     stop it (PID defaults to
#                                     $LEADHUB_TEST_MAILPIT_PID, else the pid file)
#
# Use it as: out=$(scripts/mailpit.sh start) && eval "$out".
# The tests also start .tools/bin/mailpit themselves when the variables are
# unset. MAILPIT_STATE names the folder for the pid file and the log
# (default .tmp/mailpit); MAILPIT_START_TIMEOUT is how long start waits
# (default 30 s). Mailpit is a tool, not a dependency: it stays out of go.mod.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
state="${MAILPIT_STATE:-$root/.tmp/mailpit}"
MAILPIT_VERSION="${MAILPIT_VERSION:-v1.33.1}"
bin="$root/.tools/bin/mailpit"

say() { echo "mailpit: $*" >&2; }

installed_version() {
  [ -x "$bin" ] || return 0
  go version -m "$bin" 2>/dev/null | awk '$1 == "mod" && $2 == "github.com/axllent/mailpit" { print $3 }'
}

install() {
  if [ "$(installed_version)" = "$MAILPIT_VERSION" ]; then
    return 0
  fi
  if ! command -v go >/dev/null 2>&1; then
    say "go is needed to install mailpit $MAILPIT_VERSION"
    return 1
  fi
  say "installing mailpit $MAILPIT_VERSION into .tools/bin (go install)"
  mkdir -p "$root/.tools/bin"
  # Outside the module, so that mailpit's dependencies never join leadhub's.
  (cd / && GOBIN="$root/.tools/bin" GOFLAGS=-mod=mod go install "github.com/axllent/mailpit@$MAILPIT_VERSION" >&2)
}

answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# A port nothing answers on; a race with another process is caught by
# start, which tries again when mailpit exits early.
free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 40000))
    answers "$p" || { echo "$p"; return; }
  done
}

start() {
  install
  mkdir -p "$state"
  local timeout=${MAILPIT_START_TIMEOUT:-30}
  local attempt smtp http pid deadline
  for attempt in 1 2 3; do
    smtp=$(free_port)
    http=$(free_port)
    [ "$smtp" != "$http" ] || continue
    "$bin" --smtp "127.0.0.1:$smtp" --listen "127.0.0.1:$http" --disable-version-check \
      --smtp-auth-accept-any --smtp-auth-allow-insecure \
      >"$state/mailpit.log" 2>&1 </dev/null &
    pid=$!
    deadline=$((SECONDS + timeout))
    while kill -0 "$pid" 2>/dev/null && ! { answers "$smtp" && answers "$http"; }; do
      if [ $SECONDS -ge $deadline ]; then
        say "did not answer on 127.0.0.1:$smtp and :$http within ${timeout}s (log: $state/mailpit.log)"
        kill "$pid" 2>/dev/null || true
        return 1
      fi
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      echo "$pid" >"$state/mailpit.pid"
      echo "export LEADHUB_TEST_MAILPIT_SMTP=127.0.0.1:$smtp"
      echo "export LEADHUB_TEST_MAILPIT_API=http://127.0.0.1:$http"
      echo "export LEADHUB_TEST_MAILPIT_PID=$pid"
      return 0
    fi
    say "attempt $attempt: mailpit exited early: $(tail -n 3 "$state/mailpit.log" 2>/dev/null | tr '\n' ' ')"
  done
  return 1
}

stop() {
  local pid=${1:-${LEADHUB_TEST_MAILPIT_PID:-}}
  if [ -z "$pid" ] && [ -f "$state/mailpit.pid" ]; then
    pid=$(cat "$state/mailpit.pid")
  fi
  [ -n "$pid" ] || { say "not running (no pid)"; return 0; }
  kill "$pid" 2>/dev/null || return 0
  local deadline=$((SECONDS + 10))
  while kill -0 "$pid" 2>/dev/null; do
    if [ $SECONDS -ge $deadline ]; then
      kill -9 "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.1
  done
  if [ -f "$state/mailpit.pid" ] && [ "$(cat "$state/mailpit.pid")" = "$pid" ]; then
    rm -f "$state/mailpit.pid"
  fi
}

case "${1:-}" in
  install) install ;;
  start) start ;;
  stop) stop "${2:-}" ;;
  *) echo "usage: $0 install|start|stop [PID]" >&2; exit 2 ;;
esac
