#!/usr/bin/env bash
# Screenshots of every page the browser tests check, into docs/screenshots
# (<page>.png at 1280x800, and <page>-phone.png at 390x844 where the page
# table asks for one). README.md shows them. Runs the page tests on SQLite
# only; installs Chromium and axe-core first (scripts/browser.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/browser.sh install
out="$(pwd)/docs/screenshots"
mkdir -p "$out"
# CI=true: fail rather than skip when Chromium cannot start.
CI=true LEADHUB_TEST_POSTGRES_URL= LEADHUB_SCREENSHOTS="$out" \
  go test -count=1 -run '^TestPages$' ./internal/browsertest/
ls -l "$out"
