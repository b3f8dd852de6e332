package browser

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/valence-rsd/valence/api"
)

// The steps a user takes on the dashboard, against the URL map and DOM
// contract of the pages (docs/architecture.md, "Web dashboard").

// views are the dashboard's pages a signed-in user reaches from the
// navigation, with the name of their screenshot.
var views = []struct{ name, path string }{
	{"overview", "/ui/"},
	{"pod", "/ui/pod"},
	{"nodes", "/ui/nodes"},
	{"flavors", "/ui/flavors"},
	{"volumes", "/ui/volumes"},
	{"podmanagers", "/ui/podmanagers"},
}

// signIn fills the sign-in form with fields (name → value) and submits it;
// the dashboard then shows the Overview with the user in #whoami.
func (tb *tab) signIn(fields map[string]string, user string) {
	tb.t.Helper()
	tb.openOK("/ui/login")
	for name, value := range fields {
		tb.fill(name, value)
	}
	tb.clickOK("[data-action=sign-in]")
	if p := tb.path(); p != "/ui/" {
		tb.t.Fatalf("signed in as %s: at %s, want /ui/: %s", user, p, tb.text("#flash"))
	}
	if who := tb.text("#whoami"); !strings.Contains(who, user) {
		tb.t.Fatalf("signed in as %s: #whoami says %q", user, who)
	}
	tb.checkConsole()
}

// signInBasic signs in as an http_basic user.
func (tb *tab) signInBasic(u user) {
	tb.t.Helper()
	tb.signIn(map[string]string{"username": u.name, "password": u.password}, u.name)
}

// registerPodm registers the simulator at url on the Pod managers page.
func (tb *tab) registerPodm(name, url string) {
	tb.t.Helper()
	tb.openOK("/ui/podmanagers")
	tb.fill("name", name)
	tb.fill("url", url)
	tb.fill("username", simUser)
	tb.fill("password", simPassword)
	tb.clickOK("[data-action=register-podm]")
	tb.expectFlashOK("register the pod manager " + name)
}

// sessionCookie is the dashboard's session cookie of the tab, read through
// the DevTools protocol (it is HttpOnly).
func (tb *tab) sessionCookie() *network.Cookie {
	tb.t.Helper()
	cookies, err := chromedp.Call(tb.ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{tb.base + "/ui/"}})
	if err != nil {
		tb.t.Fatal(err)
	}
	for _, c := range cookies.Cookies {
		if c.Name == "valence_session" {
			return c
		}
	}
	tb.t.Fatalf("no valence_session cookie: %+v", cookies.Cookies)
	return nil
}

// flash is the text of the page's message, and whether it is an error.
func (tb *tab) flash() (text string, isError bool) {
	tb.t.Helper()
	return tb.text("#flash"), strings.Contains(" "+tb.attr("#flash", "class")+" ", " error ")
}

// expectFlashOK fails the test unless the page shows a message that is not
// an error.
func (tb *tab) expectFlashOK(step string) {
	tb.t.Helper()
	if text, isErr := tb.flash(); text == "" || isErr {
		tb.t.Fatalf("%s: at %s the message is %q (error: %t), want a confirmation", step, tb.path(), text, isErr)
	}
}

// rowIDs are the data-id of the rows of the table with id table.
func (tb *tab) rowIDs(table string) []string {
	tb.t.Helper()
	var ids []string
	tb.eval(fmt.Sprintf(`[...document.querySelectorAll("#%s tr[data-id]")].map(r => r.dataset.id)`, table), &ids)
	return ids
}

// cell is the text of the cell field of the row id of the table.
func (tb *tab) cell(table, id, field string) string {
	tb.t.Helper()
	return tb.text(fmt.Sprintf(`#%s tr[data-id=%q] [data-field=%q]`, table, id, field))
}

// rowWith returns the data-id of the row of table whose text contains s, or
// fails the test.
func (tb *tab) rowWith(table, s string) string {
	tb.t.Helper()
	var id string
	tb.eval(fmt.Sprintf(`([...document.querySelectorAll("#%s tr[data-id]")].find(r => r.innerText.includes(%q)) || {dataset: {id: ""}}).dataset.id`, table, s), &id)
	if id == "" {
		tb.t.Fatalf("at %s no row of #%s shows %q: %s", tb.path(), table, s, tb.text("#"+table))
	}
	return id
}

// detail is the text of the node detail's field (dd[data-field]).
func (tb *tab) detail(field string) string {
	tb.t.Helper()
	return tb.text(fmt.Sprintf(`#node-detail [data-field=%q]`, field))
}

// changeControls lists the controls of the page that change something: any
// data-action but sign-out, and any form that posts but the sign-out's.
func (tb *tab) changeControls() []string {
	tb.t.Helper()
	var found []string
	tb.eval(`[
		...[...document.querySelectorAll("[data-action]")].filter(e => e.dataset.action !== "sign-out").map(e => "data-action=" + e.dataset.action),
		...[...document.querySelectorAll("form")].filter(f => f.method === "post" && !f.querySelector("[data-action=sign-out]")).map(f => "form " + f.getAttribute("action")),
	]`, &found)
	return found
}

// unlabelled lists the form fields of the page a user fills that have no
// <label for> or whose id does not follow f-<name>.
func (tb *tab) unlabelled() []string {
	tb.t.Helper()
	var found []string
	tb.eval(`[...document.querySelectorAll("input, select, textarea")]
		.filter(e => !["hidden", "submit", "button", "reset"].includes(e.type))
		.filter(e => !e.id || !document.querySelector("label[for='" + CSS.escape(e.id) + "']") ||
			(e.name && e.id !== "f-" + e.name.replaceAll(".", "-")))
		.map(e => (e.name || "?") + "#" + (e.id || "?"))`, &found)
	return found
}

// checkLabels fails the test if a field of the page has no label.
func (tb *tab) checkLabels() {
	tb.t.Helper()
	if f := tb.unlabelled(); len(f) > 0 {
		tb.t.Errorf("at %s fields without a <label for> (or an id other than f-<name>): %v", tb.path(), f)
	}
}

// waitJob waits on a compose job's page until it has ended and returns its
// final state (done or failed).
func (tb *tab) waitJob() string {
	tb.t.Helper()
	if !strings.HasPrefix(tb.path(), "/ui/jobs/") {
		tb.t.Fatalf("after compose: at %s, want a job page /ui/jobs/{id}: %s", tb.path(), tb.text("main"))
	}
	tb.waitFor("the compose job to end", `document.querySelector("#job") && document.querySelector("#job").dataset.state !== "running"`)
	return tb.attr("#job", "data-state")
}

// tabTo presses Tab until the field with id is focused (at most 30 times),
// as a keyboard user reaches it.
func (tb *tab) tabTo(id string) {
	tb.t.Helper()
	for range 30 {
		var focused string
		tb.eval(`document.activeElement ? document.activeElement.id : ""`, &focused)
		if focused == id {
			return
		}
		tb.do(chromedp.KeyEvent(kb.Tab))
	}
	tb.t.Fatalf("at %s Tab never reached #%s", tb.path(), id)
}

// typeKeys types s into the focused element, key by key.
func (tb *tab) typeKeys(s string) {
	tb.t.Helper()
	tb.do(chromedp.KeyEvent(s))
}

// pressEnter presses Enter in the focused element, which submits its form
// and loads the page the form leads to; it returns that page's status.
func (tb *tab) pressEnter() int {
	tb.t.Helper()
	return tb.navigating(chromedp.KeyEvent(kb.Enter), "Enter")
}

// waitAPI polls a v1 path as u until cond holds for the decoded answer, for
// up to actionTimeout (the pod manager's state may take a moment).
func waitAPI[T any](t *testing.T, base string, u *user, path, what string, cond func(T) bool) T {
	t.Helper()
	deadline := time.Now().Add(actionTimeout)
	for {
		var v T
		apiGet(t, base, u, path, &v)
		if cond(v) {
			return v
		}
		if time.Now().After(deadline) {
			t.Fatalf("waited %s for %s: GET %s: %+v", actionTimeout, what, path, v)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// registerPodm registers the simulator through the API as u.
func registerPodm(t *testing.T, base string, u *user, name, url string) api.PodManager {
	t.Helper()
	var pm api.PodManager
	apiCreate(t, base, u, "/v1/pod_managers", api.PodManagerCreate{Name: name, URL: url, Authentication: []api.Authentication{
		{Type: "basic", AuthItems: api.AuthItems{Username: simUser, Password: simPassword}},
	}}, &pm)
	return pm
}

// apiCreate POSTs body to a v1 path as u, expects 201 and decodes the
// answer into v.
func apiCreate(t *testing.T, base string, u *user, path string, body, v any) {
	t.Helper()
	status, b := apiCall(t, base, u, http.MethodPost, path, body)
	if status != http.StatusCreated {
		t.Fatalf("POST %s: %d %s", path, status, b)
	}
	decode(t, b, v)
}
