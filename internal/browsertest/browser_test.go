package browsertest

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// ChromiumPath is the browser the tests drive: Debian's chromium package,
// which scripts/browser.sh installs at the pinned version.
const ChromiumPath = "/usr/bin/chromium"

// axePath is axe-core's browser build, installed by npm from the root
// package.json (relative to this package's folder, where tests run).
const axePath = "../../node_modules/axe-core/axe.min.js"

// ScreenshotsEnv names the folder screenshots are saved to (none when
// unset).
const ScreenshotsEnv = "LEADHUB_SCREENSHOTS"

// Viewports: a desktop by default; a phone for the screenshots that say so.
const (
	desktopWidth, desktopHeight = 1280, 800
	phoneWidth, phoneHeight     = 390, 844
)

// actionTimeout bounds each browser action (a navigation, a click, an
// axe run).
const actionTimeout = 30 * time.Second

var browser struct {
	once   sync.Once
	ctx    context.Context // the first tab's: every test opens its own
	cancel func()
	axe    string
	err    error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if browser.cancel != nil {
		browser.cancel()
	}
	os.Exit(code)
}

// unavailable skips the test for want of the browser or axe-core, or fails
// it under CI=true, where the browser tests must run.
func unavailable(t *testing.T, err error) {
	t.Helper()
	msg := fmt.Sprintf("browser tests need Chromium at %s and axe-core in node_modules (run scripts/browser.sh): %v", ChromiumPath, err)
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// startBrowser starts the one headless Chromium of the test process, the
// first time a test needs it.
func startBrowser(t *testing.T) context.Context {
	t.Helper()
	browser.once.Do(func() {
		axe, err := os.ReadFile(axePath)
		if err != nil {
			browser.err = err
			return
		}
		browser.axe = string(axe)
		if _, err := os.Stat(ChromiumPath); err != nil {
			browser.err = err
			return
		}
		opts := append(chromedp.DefaultExecAllocatorOptions[:],
			chromedp.ExecPath(ChromiumPath),
			chromedp.Flag("headless", "new"),
			chromedp.Flag("lang", "en-US"),
			chromedp.WindowSize(desktopWidth, desktopHeight),
		)
		if os.Geteuid() == 0 {
			opts = append(opts, chromedp.NoSandbox) // Chromium refuses to sandbox as root
		}
		actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
		ctx, cancel := chromedp.NewContext(actx)
		browser.ctx, browser.cancel = ctx, func() { cancel(); acancel() }
		started := make(chan error, 1)
		go func() { started <- chromedp.Do(ctx) }() // launches the browser
		select {
		case err = <-started:
		case <-time.After(time.Minute):
			err = errors.New("Chromium did not start within a minute")
		}
		if err != nil {
			browser.cancel()
			browser.cancel, browser.err = nil, fmt.Errorf("starting Chromium: %w", err)
		}
	})
	if browser.err != nil {
		unavailable(t, browser.err)
	}
	return browser.ctx
}

// tab is a browser tab in a browser context of its own (its own cookies:
// another person, or another device of the same one) on a server.
type tab struct {
	t   *testing.T
	srv *server
	ctx context.Context
}

// newTab opens a tab with a fresh browser context, closed when the test
// ends.
func (s *server) newTab(t *testing.T) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(startBrowser(t), chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	// The first run opens the tab; it must have no timeout (see chromedp.Run).
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(desktopWidth, desktopHeight)); err != nil {
		t.Fatalf("opening a tab: %v", err)
	}
	return &tab{t: t, srv: s, ctx: ctx}
}

// run runs a browser action with a time limit.
func run[T any](b *tab, what string, a chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, actionTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		b.t.Fatalf("%s (at %s): %v", what, b.where(), err)
	}
	return v
}

// eval evaluates a JavaScript expression in the page (through the DevTools
// protocol, which the page's Content-Security-Policy does not restrict).
func eval[T any](b *tab, js string) T {
	b.t.Helper()
	return run(b, "evaluate "+js, chromedp.Evaluate[T](js))
}

// where is the tab's URL, for messages.
func (b *tab) where() string {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return "?"
	}
	return loc
}

// path is the path and query of the tab's URL.
func (b *tab) path() string {
	b.t.Helper()
	u, err := url.Parse(run(b, "location", chromedp.Location()))
	if err != nil {
		b.t.Fatal(err)
	}
	return u.RequestURI()
}

// status is the HTTP status of the page's document.
func (b *tab) status() int {
	b.t.Helper()
	return eval[int](b, `performance.getEntriesByType("navigation")[0].responseStatus`)
}

// text is what the page shows, as a person reads it.
func (b *tab) text() string {
	b.t.Helper()
	return eval[string](b, `document.body.innerText`)
}

// visit opens path on the server, waits for the page, and checks it with
// axe-core. It does not wait for anything beyond the load: use see.
func (b *tab) visit(path string) {
	b.t.Helper()
	b.open(path)
	b.axe()
}

// open is visit without the axe check (for navigations that only probe).
func (b *tab) open(path string) {
	b.t.Helper()
	run(b, "navigate to "+path, chromedp.Navigate(b.srv.URL+path))
}

// see waits until the page shows each of texts, and fails with what it
// shows instead.
func (b *tab) see(texts ...string) {
	b.t.Helper()
	js, _ := json.Marshal(texts)
	ok := b.waitFor(fmt.Sprintf(`%s.every(s => document.body && document.body.innerText.includes(s))`, js), 10*time.Second)
	if !ok {
		b.t.Fatalf("at %s: want the page to show %q; it shows:\n%s", b.where(), texts, b.text())
	}
}

// waitFor evaluates the JavaScript condition every 20 ms until it is true
// (reporting true) or timeout passes (false). Evaluations that fail while
// a page is being replaced count as false.
func (b *tab) waitFor(cond string, timeout time.Duration) bool {
	b.t.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("Boolean("+cond+")"))
		cancel()
		if err == nil && ok {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		<-tick.C
	}
}

// fill types value into the input whose <label> starts with label (so an
// input without a label cannot be filled: the page's labels are tested
// with every form a test fills).
func (b *tab) fill(label, value string) {
	b.t.Helper()
	js, _ := json.Marshal(label)
	id := eval[string](b, fmt.Sprintf(`(() => {
		const want = %s;
		for (const l of document.querySelectorAll("label[for]")) {
			if (l.textContent.trim().replace(/\s+/g, " ").startsWith(want)) {
				const el = document.getElementById(l.htmlFor);
				return el ? el.id : "";
			}
		}
		return "";
	})()`, js))
	if id == "" {
		b.t.Fatalf("at %s: no input labelled %q", b.where(), label)
	}
	// (chromedp.Clear fails on an empty textarea.)
	eval[bool](b, fmt.Sprintf(`(document.getElementById(%q).value = "") === ""`, id))
	run(b, "fill "+label, chromedp.SendKeys(chromedp.ID(id), value))
}

// click clicks the button or link whose text is text, waits for the page
// it leads to, and checks that page with axe-core.
func (b *tab) click(text string) {
	b.t.Helper()
	// A mark on the current document: the next one does not have it.
	eval[bool](b, `(window.__leadhubOld = true)`)
	lit := xpathLiteral(text)
	sel := chromedp.Search(fmt.Sprintf(`//button[normalize-space(.)=%s] | //a[normalize-space(.)=%s] | //input[@type="submit" and @value=%s]`, lit, lit, lit))
	run(b, "click "+text, chromedp.Click(sel))
	if !b.waitFor(`!window.__leadhubOld && document.readyState === "complete"`, 15*time.Second) {
		b.t.Fatalf("clicked %q at %s: no new page loaded", text, b.where())
	}
	b.axe()
}

// xpathLiteral quotes s for an XPath expression.
func xpathLiteral(s string) string {
	if !strings.Contains(s, `"`) {
		return `"` + s + `"`
	}
	if !strings.Contains(s, `'`) {
		return `'` + s + `'`
	}
	parts := strings.Split(s, `"`)
	return `concat("` + strings.Join(parts, `", '"', "`) + `")`
}

// cookies returns the values of the tab's cookies for the server.
func (b *tab) cookies() []string {
	b.t.Helper()
	res := run(b, "read cookies", func(ctx context.Context, t *chromedp.Target) ([]*network.Cookie, error) {
		r, err := cdp.Call(ctx, t, network.GetCookies, network.GetCookiesParams{URLs: []string{b.srv.URL}})
		if err != nil {
			return nil, err
		}
		return r.Cookies, nil
	})
	var out []string
	for _, c := range res {
		out = append(out, c.Value)
	}
	return out
}

// axeChecked holds the hashes of the documents axe-core checked.
var axeChecked sync.Map

type axeViolation struct {
	ID, Impact, Help, HelpURL string
	Nodes                     []string
}

// axe runs axe-core on the page and fails the test for each serious or
// critical violation, printing it.
func (b *tab) axe() {
	b.t.Helper()
	// The same document (the sign-in page of every test, say) is checked
	// once per run: axe-core takes a second or two a page.
	sum := sha256.Sum256([]byte(eval[string](b, `document.documentElement.outerHTML`)))
	if _, seen := axeChecked.LoadOrStore(sum, true); seen {
		return
	}
	for _, v := range b.axeViolations() {
		b.t.Errorf("axe-core at %s: %s %s: %s (%s)\n  %s", b.where(), v.Impact, v.ID, v.Help, v.HelpURL, strings.Join(v.Nodes, "\n  "))
	}
}

// axeViolations runs axe-core on the page and returns its serious and
// critical violations.
func (b *tab) axeViolations() []axeViolation {
	b.t.Helper()
	if !eval[bool](b, `typeof axe === "object"`) {
		eval[bool](b, browser.axe+"\n;true")
	}
	vs := run(b, "run axe-core", chromedp.Evaluate[[]axeViolation](`axe.run(document, {resultTypes: ["violations"]}).then(r =>
		r.violations.map(v => ({ID: v.id, Impact: v.impact || "", Help: v.help, HelpURL: v.helpUrl,
			Nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ") + ": " + n.html.slice(0, 160))})))`, chromedp.EvalAwaitPromise))
	var out []axeViolation
	for _, v := range vs {
		if v.Impact == "serious" || v.Impact == "critical" {
			out = append(out, v)
		}
	}
	return out
}

// screenshot saves the page as <name>.png in the folder ScreenshotsEnv
// names (nothing when it is unset). phone takes it at a phone's width.
func (b *tab) screenshot(name string, phone bool) {
	b.t.Helper()
	dir := os.Getenv(ScreenshotsEnv)
	if dir == "" {
		return
	}
	if phone {
		run(b, "phone viewport", chromedp.EmulateViewport(phoneWidth, phoneHeight, chromedp.EmulateMobile))
		defer run(b, "desktop viewport", chromedp.EmulateViewport(desktopWidth, desktopHeight))
	}
	png := run(b, "screenshot", chromedp.FullScreenshot(100))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}
