#!/usr/bin/env bash
# Azurite, Microsoft's Azure Storage emulator, for the Azure Table tests.
# The version is pinned in package.json / package-lock.json (npm ci).
#
#   scripts/azurite.sh install        npm ci, unless node_modules already has it
#   scripts/azurite.sh start          start the table service on a free port
#                                     (in memory) and print, once it answers:
#                                       export LEADHUB_TEST_AZURITE=http://127.0.0.1:PORT/devstoreaccount1
#                                       export LEADHUB_TEST_AZURITE_PID=PID
#   scripts/azurite.sh stop [PID]     stop it (PID defaults to
#                                     $LEADHUB_TEST_AZURITE_PID, else the pid file)
#
# Use it as: out=$(scripts/azurite.sh start) && eval "$out".
# AZURITE_STATE names the folder for the pid file and the log (default
# .tmp/azurite); AZURITE_START_TIMEOUT is how long start waits (default 60 s).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
state="${AZURITE_STATE:-$root/.tmp/azurite}"
bin="$root/node_modules/.bin/azurite-table"

say() { echo "azurite: $*" >&2; }

install() {
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    say "node and npm are needed (Debian: apt-get install nodejs npm)"
    return 1
  fi
  want=$(node -p 'require(process.argv[1]).devDependencies.azurite' "$root/package.json")
  have=""
  if [ -f "$root/node_modules/azurite/package.json" ]; then
    have=$(node -p 'require(process.argv[1]).version' "$root/node_modules/azurite/package.json")
  fi
  if [ -x "$bin" ] && [ "$have" = "$want" ]; then
    return 0
  fi
  say "installing azurite $want (npm ci)"
  (cd "$root" && npm ci --no-audit --no-fund --loglevel=error >&2)
}

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start() {
  install
  mkdir -p "$state"
  local timeout=${AZURITE_START_TIMEOUT:-60}
  local attempt port pid deadline
  for attempt in 1 2 3; do
    port=$(free_port)
    # In memory; run in the state folder so that nothing lands elsewhere.
    (cd "$state" && exec "$bin" --tableHost 127.0.0.1 --tablePort "$port" --inMemoryPersistence \
      --skipApiVersionCheck --disableTelemetry --silent) >"$state/azurite.log" 2>&1 </dev/null &
    pid=$!
    deadline=$((SECONDS + timeout))
    while kill -0 "$pid" 2>/dev/null && ! answers "$port"; do
      if [ $SECONDS -ge $deadline ]; then
        say "table service did not answer on 127.0.0.1:$port within ${timeout}s (log: $state/azurite.log)"
        kill "$pid" 2>/dev/null || true
        return 1
      fi
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      echo "$pid" >"$state/azurite.pid"
      echo "export LEADHUB_TEST_AZURITE=http://127.0.0.1:$port/devstoreaccount1"
      echo "export LEADHUB_TEST_AZURITE_PID=$pid"
      return 0
    fi
    # It exited: most likely another process took the port first; try another.
    say "attempt $attempt: azurite exited early: $(tail -n 3 "$state/azurite.log" 2>/dev/null | tr '\n' ' ')"
  done
  return 1
}

stop() {
  local pid=${1:-${LEADHUB_TEST_AZURITE_PID:-}}
  if [ -z "$pid" ] && [ -f "$state/azurite.pid" ]; then
    pid=$(cat "$state/azurite.pid")
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
  if [ -f "$state/azurite.pid" ] && [ "$(cat "$state/azurite.pid")" = "$pid" ]; then
    rm -f "$state/azurite.pid"
  fi
}

case "${1:-}" in
  install) install ;;
  start) start ;;
  stop) stop "${2:-}" ;;
  *) echo "usage: $0 install|start|stop [PID]" >&2; exit 2 ;;
esac
