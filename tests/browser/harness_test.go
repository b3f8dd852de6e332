package browser

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

// TestHarness checks the harness against a page of its own: console errors
// and uncaught exceptions are caught, allowed ones are not, and a confirm()
// is accepted with its question noted.
func TestHarness(t *testing.T) {
	t.Parallel()
	b := startBrowser(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			fmt.Fprint(w, `<!doctype html><title>t</title>
<form method="post" action="/done"><button id="go" type="submit">go</button></form>
<script>document.getElementById("go").addEventListener("click", e => { if (!confirm("Really?")) e.preventDefault(); });</script>`)
		case "/favicon.ico": // else the browser logs its 404
			w.WriteHeader(http.StatusNoContent)
		case "/done":
			fmt.Fprint(w, `<!doctype html><title>done</title><p id="done">done</p>`)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	tb := b.newTab(t, srv.URL)
	tb.openOK("/")

	tb.eval(`console.error("boom")`, nil)
	tb.eval(`setTimeout(() => { throw new Error("kaboom") }, 0)`, nil)
	tb.waitFor("the timer", "true")
	got := tb.consoleErrors()
	if len(got) != 2 || !strings.Contains(got[0], "boom") || !strings.Contains(got[1], "kaboom") {
		t.Errorf("console errors %q, want boom and kaboom", got)
	}

	tb.allowConsole("status of 404")
	if status := tb.open("/missing"); status != 404 {
		t.Errorf("GET /missing: %d", status)
	}
	tb.eval(`console.warn("only a warning")`, nil)
	if got := tb.consoleErrors(); len(got) != 0 {
		t.Errorf("console errors %q, want none (a 404 allowed, a warning)", got)
	}

	tb.openOK("/")
	tb.clickOK("#go")
	if tb.text("#done") != "done" {
		t.Errorf("after the confirmed submit: %s", tb.path())
	}
	if d := tb.takeDialogs(); !slices.Equal(d, []string{"confirm: Really?"}) {
		t.Errorf("dialogs %q", d)
	}
}
