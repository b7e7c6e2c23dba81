// Package browsertest drives leadhub's web app in a real, headless
// Chromium (the Debian package, pinned by scripts/browser.sh) through the
// DevTools protocol (chromedp). Its tests start the whole server in-process
// as `serve --demo` runs it, on SQLite and on PostgreSQL, with simulated
// leads; sign in, click and type as a person would; run axe-core on every
// page they visit (a serious or critical violation fails the test); and
// check that no password, session id, one-time token, API key or ingest
// token ever reaches the server's log.
//
// Every GET page of the web app is one entry of the table in
// pages_test.go; TestEveryPageHasABrowserCheck fails for a route that has
// none. With LEADHUB_SCREENSHOTS=<dir> the page tests save a screenshot of
// each page there (scripts/screenshots.sh writes docs/screenshots).
//
// The tests need /usr/bin/chromium and node_modules/axe-core (both
// installed by scripts/browser.sh). Without them they skip, saying why;
// under CI=true they fail instead.
//
// The package holds only tests.
package browsertest
