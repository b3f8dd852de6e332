package browser

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/valence-rsd/valence/tests/internal/procs"
)

const (
	// chromiumPath is Debian's chromium (apt-get install chromium).
	chromiumPath = "/usr/bin/chromium"
	// actionTimeout bounds one step in the browser (a page load, a click
	// and the page it leads to) on a loaded machine.
	actionTimeout = 60 * time.Second
	// consoleTimeout bounds the wait for the browser's console to catch up
	// with the test (see tab.checkConsole).
	consoleTimeout = 10 * time.Second
	// maxConsoleLog bounds the console messages a tab keeps for the log.
	maxConsoleLog = 200
	// Viewport of the pages and screenshots: the 1280×800.
	viewWidth, viewHeight = 1280, 800
)

// browser is one headless chromium, with a profile of its own, for a test.
type browser struct{ ctx context.Context }

// startBrowser starts chromium for the test and closes it in t.Cleanup. It
// skips the test when chromium is not installed, or fails it when the
// environment says CI=true, so CI never skips silently.
func startBrowser(t *testing.T) *browser {
	t.Helper()
	if _, err := exec.LookPath(chromiumPath); err != nil {
		msg := "chromium is not installed (" + chromiumPath + "); apt-get install --no-install-recommends chromium"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.Flag("headless", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		// A profile of its own, empty: nothing of another run leaks in.
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(viewWidth, viewHeight),
	}
	if os.Geteuid() == 0 {
		// Chromium refuses to run as root with its sandbox on.
		opts = append(opts, chromedp.NoSandbox)
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	// The first action starts the browser, which lives as long as the
	// context it runs on: ctx itself, not one with a deadline.
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return &browser{ctx: ctx}
}

// tab is a tab in a browser context of its own (its own cookies, so its own
// dashboard session), on the dashboard at base. It records the console's
// error-level messages and uncaught exceptions, which fail the test, and
// accepts every confirm() dialog, noting its question.
type tab struct {
	t    *testing.T
	ctx  context.Context
	base string

	mu       sync.Mutex
	console  []string // every console message, the last maxConsoleLog, for a failure's log
	problems []string // error-level console messages, not allowed
	allowed  []string // substrings of console errors the test expects
	dialogs  []string // questions of the dialogs accepted
	markers  map[string]bool
}

// newTab opens a tab of b on base; at the end of the test its console must
// hold no error.
func (b *browser) newTab(t *testing.T, base string) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
	tb := &tab{t: t, ctx: ctx, base: base, markers: map[string]bool{}}
	// Subscribing creates the tab; both streams start before any page loads.
	console := chromedp.Console(ctx)
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		for m, err := range console {
			if err != nil {
				return
			}
			tb.noteConsole(m)
		}
	}()
	go func() {
		defer wg.Done()
		for ev, err := range dialogs {
			if err != nil {
				return
			}
			tb.mu.Lock()
			tb.dialogs = append(tb.dialogs, string(ev.Type)+": "+ev.Message)
			tb.mu.Unlock()
			// Answered from here: the page, and the click that opened the
			// dialog, wait for it.
			_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
		}
	}()
	t.Cleanup(func() {
		if !t.Failed() {
			tb.checkConsole()
		}
		if t.Failed() {
			tb.mu.Lock()
			t.Logf("the tab's console:\n%s", strings.Join(tb.console, "\n"))
			tb.mu.Unlock()
		}
		cancel()
		wg.Wait()
	})
	tb.do(chromedp.EmulateViewport(viewWidth, viewHeight))
	return tb
}

// consoleMarker prefixes the messages checkConsole writes to the console.
const consoleMarker = "valence-browser-test-marker "

func (tb *tab) noteConsole(m chromedp.ConsoleMessage) {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	if rest, ok := strings.CutPrefix(m.Text, consoleMarker); ok {
		tb.markers[rest] = true
		return
	}
	tb.console = append(tb.console, fmt.Sprintf("%s (%s:%d)", m, m.URL, m.Line))
	if len(tb.console) > maxConsoleLog {
		tb.console = tb.console[1:]
	}
	if m.Type != chromedp.ConsoleError && !m.IsException() {
		return
	}
	for _, a := range tb.allowed {
		if strings.Contains(m.Text+" "+m.URL, a) {
			return
		}
	}
	tb.problems = append(tb.problems, fmt.Sprintf("%s (%s:%d)", m, m.URL, m.Line))
}

// allowConsole lets console errors that contain s (in their text or URL)
// pass: those the browser logs for an answer the test asks for, such as a
// 404 page ("status of 404").
func (tb *tab) allowConsole(s string) {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	tb.allowed = append(tb.allowed, s)
}

// checkConsole fails the test if the console holds an error.
func (tb *tab) checkConsole() {
	tb.t.Helper()
	if problems := tb.consoleErrors(); len(problems) > 0 {
		tb.t.Errorf("the browser's console at %s holds errors:\n%s", tb.path(), strings.Join(problems, "\n"))
	}
}

// consoleErrors returns the console's errors since the last call. It writes
// a marker to the console and waits until the recorder has seen it: the
// console keeps the order, so every message before it has been seen too.
func (tb *tab) consoleErrors() []string {
	tb.t.Helper()
	id := fmt.Sprint(time.Now().UnixNano())
	tb.eval(fmt.Sprintf("console.debug(%q)", consoleMarker+id), nil)
	deadline := time.Now().Add(consoleTimeout)
	for {
		tb.mu.Lock()
		seen := tb.markers[id]
		tb.mu.Unlock()
		if seen {
			break
		}
		if time.Now().After(deadline) {
			tb.t.Fatalf("the console did not show the marker within %s", consoleTimeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
	tb.mu.Lock()
	defer tb.mu.Unlock()
	p := tb.problems
	tb.problems = nil
	return p
}

// takeDialogs returns the dialogs accepted since the last call.
func (tb *tab) takeDialogs() []string {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	d := tb.dialogs
	tb.dialogs = nil
	return d
}

// do runs actions in the tab within actionTimeout, failing the test on error.
func (tb *tab) do(actions ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, actionTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		tb.t.Fatalf("browser at %s: %v", tb.location(), err)
	}
}

// location is the tab's URL, for messages.
func (tb *tab) location() string {
	ctx, cancel := context.WithTimeout(tb.ctx, 5*time.Second)
	defer cancel()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return "?"
	}
	return loc
}

// path is the tab's URL relative to the server, with the query.
func (tb *tab) path() string {
	u, err := url.Parse(tb.location())
	if err != nil {
		return "?"
	}
	return u.RequestURI()
}

// open loads path of the server and returns the document's HTTP status.
func (tb *tab) open(path string) int {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, actionTimeout)
	defer cancel()
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(tb.base+path))
	if err != nil {
		tb.t.Fatalf("open %s: %v", path, err)
	}
	return int(resp.Status)
}

// openOK loads path and expects 200.
func (tb *tab) openOK(path string) {
	tb.t.Helper()
	if status := tb.open(path); status != 200 {
		tb.t.Fatalf("open %s: status %d, want 200", path, status)
	}
}

// click clicks sel (a submit button or a link) and waits for the page it leads to
// (after any redirect), returning that page's status.
func (tb *tab) click(sel string) int {
	tb.t.Helper()
	if tb.count(sel) == 0 { // else chromedp waits for it to appear
		tb.t.Fatalf("at %s there is no %s to click", tb.path(), sel)
	}
	return tb.navigating(chromedp.Click(chromedp.CSS(sel)), "click "+sel)
}

// navigating runs a, which loads another page, and returns its status.
func (tb *tab) navigating(a chromedp.Action[chromedp.Void], what string) int {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, actionTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, a)
	if err != nil {
		tb.t.Fatalf("%s at %s: %v", what, tb.path(), err)
	}
	if resp == nil {
		tb.t.Fatalf("%s at %s: no page loaded", what, tb.path())
	}
	return int(resp.Status)
}

// clickOK clicks sel and expects the page it leads to to answer 200.
func (tb *tab) clickOK(sel string) {
	tb.t.Helper()
	if status := tb.click(sel); status != 200 {
		tb.t.Fatalf("click %s: status %d at %s, want 200: %s", sel, status, tb.path(), tb.text("main"))
	}
}

// fill sets the form field named name (id f-<name>, dots as dashes) to
// value, as typing or choosing would, with the events a user's edit fires.
func (tb *tab) fill(name, value string) {
	tb.t.Helper()
	id := fieldID(name)
	tb.eval(fmt.Sprintf(`(() => {
		const el = document.getElementById(%q);
		if (!el) throw new Error("no field #" + %q);
		el.focus();
		if (el.tagName === "SELECT" && ![...el.options].some(o => o.value === %q)) throw new Error("no option " + %q + " in #" + %q);
		el.value = %q;
		el.dispatchEvent(new Event("input", {bubbles: true}));
		el.dispatchEvent(new Event("change", {bubbles: true}));
	})()`, id, id, value, value, id, value), nil)
}

// fieldID is the DOM id of a form field: f-<name>, dots as dashes.
func fieldID(name string) string { return "f-" + strings.ReplaceAll(name, ".", "-") }

// eval evaluates a JavaScript expression in the page and decodes its value
// (a promise's, once it settles) into v (nil ignores it).
func (tb *tab) eval(expr string, v any) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, actionTimeout)
	defer cancel()
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[[]byte](expr, func(p *runtime.EvaluateParams) { p.AwaitPromise = new(true) }))
	if err != nil {
		tb.t.Fatalf("evaluate at %s: %v\n%s", tb.path(), err, expr)
	}
	if v != nil {
		if err := json.Unmarshal(raw, v); err != nil {
			tb.t.Fatalf("evaluate at %s: %v: %s", tb.path(), err, raw)
		}
	}
}

// count is how many elements match the CSS selector sel.
func (tb *tab) count(sel string) int {
	tb.t.Helper()
	var n int
	tb.eval(fmt.Sprintf("document.querySelectorAll(%q).length", sel), &n)
	return n
}

// text is the visible text of the first element matching sel ("" when none).
func (tb *tab) text(sel string) string {
	tb.t.Helper()
	var s string
	tb.eval(fmt.Sprintf("(document.querySelector(%q) || {innerText: ''}).innerText", sel), &s)
	return strings.TrimSpace(s)
}

// attr is the attribute name of the first element matching sel ("" when
// none).
func (tb *tab) attr(sel, name string) string {
	tb.t.Helper()
	var s string
	tb.eval(fmt.Sprintf("((document.querySelector(%q) || {getAttribute: () => ''}).getAttribute(%q) || '')", sel, name), &s)
	return s
}

// waitFor polls the JavaScript condition cond in the page until it is true,
// for up to actionTimeout (the dashboard's lists refresh themselves).
func (tb *tab) waitFor(what, cond string) {
	tb.t.Helper()
	deadline := time.Now().Add(actionTimeout)
	for {
		var ok bool
		tb.eval("!!("+cond+")", &ok)
		if ok {
			return
		}
		if time.Now().After(deadline) {
			tb.t.Fatalf("waited %s at %s for %s", actionTimeout, tb.path(), what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// screenshot saves the viewport as name.png under the test's temp dir and,
// with -update-screenshots, as docs/images/ui-<name>.png.
func (tb *tab) screenshot(dir, name string) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, actionTimeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		tb.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		tb.t.Fatal(err)
	}
	if *updateScreenshots {
		root, err := procs.ModuleRoot()
		if err != nil {
			tb.t.Fatal(err)
		}
		images := filepath.Join(root, "docs", "images")
		if err := os.MkdirAll(images, 0o755); err != nil {
			tb.t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(images, "ui-"+name+".png"), png, 0o644); err != nil {
			tb.t.Fatal(err)
		}
	}
}
