#!/usr/bin/env bash
# Headless Chromium and axe-core for the browser tests (internal/browsertest).
#
#   scripts/browser.sh install   install Chromium from the Debian packages,
#                                pinned to CHROMIUM_VERSION, when /usr/bin/chromium
#                                is missing or another version; then the root
#                                npm packages (axe-core, pinned in package.json)
#                                with npm ci when node_modules lacks them
#
# Installing Chromium needs root (or sudo) and apt; without them the script
# says so and fails, and the browser tests skip (outside CI).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"

# The Debian package version the browser tests are pinned to. Debian's
# security archive keeps only the newest build: when it moves on, the
# install fails; set the new version here (apt-cache policy chromium).
CHROMIUM_VERSION="${CHROMIUM_VERSION:-156.0.8078.114-1~deb12u1}"

say() { echo "browser: $*" >&2; }

installed_version() {
  dpkg-query -W -f='${Version}' chromium 2>/dev/null || true
}

chromium() {
  if [ -x /usr/bin/chromium ] && [ "$(installed_version)" = "$CHROMIUM_VERSION" ]; then
    return 0
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    say "apt-get is needed to install chromium=$CHROMIUM_VERSION"
    return 1
  fi
  local sudo=""
  if [ "$(id -u)" != 0 ]; then
    if ! command -v sudo >/dev/null 2>&1; then
      say "root or sudo is needed to install chromium=$CHROMIUM_VERSION"
      return 1
    fi
    sudo="sudo -n"
  fi
  local have
  have=$(installed_version)
  say "installing chromium=$CHROMIUM_VERSION (have: ${have:-none})"
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    "chromium=$CHROMIUM_VERSION" "chromium-common=$CHROMIUM_VERSION" fonts-dejavu-core >&2
}

npm_packages() {
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    say "node and npm are needed (Debian: apt-get install nodejs npm)"
    return 1
  fi
  local want have=""
  want=$(node -p 'require(process.argv[1]).devDependencies["axe-core"]' "$root/package.json")
  if [ -f "$root/node_modules/axe-core/package.json" ]; then
    have=$(node -p 'require(process.argv[1]).version' "$root/node_modules/axe-core/package.json")
  fi
  if [ -f "$root/node_modules/axe-core/axe.min.js" ] && [ "$have" = "$want" ]; then
    return 0
  fi
  say "installing axe-core $want (npm ci)"
  (cd "$root" && npm ci --no-audit --no-fund --loglevel=error >&2)
}

case "${1:-install}" in
  install)
    chromium
    npm_packages
    ;;
  chromium) chromium ;;
  npm) npm_packages ;;
  *)
    say "usage: $0 [install|chromium|npm]"
    exit 2
    ;;
esac
