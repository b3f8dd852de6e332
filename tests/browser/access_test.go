package browser

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"

	"github.com/valence-rsd/valence/api"
)

// lab is a server with http_basic users and, made through the API, a pod
// manager, a flavor, a volume and a node of project a.
type lab struct {
	base                    string
	sim                     *simulator
	admin, memberA, readerA user
	memberB                 user
	podm                    api.PodManager
	flavor                  api.Flavor
	node                    api.Node
	volume                  api.Storage
	systemPodm, systemID    string
}

// newLab starts the simulator and a valence-api with http_basic and makes
// the objects of a lab.
func newLab(t *testing.T, simArgs ...string) *lab {
	t.Helper()
	l := &lab{
		admin:   user{"alice", "alicepass", "ops", []string{"admin"}},
		memberA: user{"bob", "bobpass", "project-a", []string{"member", "reader"}},
		readerA: user{"carol", "carolpass", "project-a", []string{"reader"}},
		memberB: user{"dave", "davepass", "project-b", []string{"member", "reader"}},
	}
	l.sim = startSimulator(t, simArgs...)
	l.base = startAPI(t, basicAuthEnv(t, l.admin, l.memberA, l.readerA, l.memberB)...)
	l.podm = registerPodm(t, l.base, &l.admin, "rack-a", l.sim.url)
	apiCreate(t, l.base, &l.admin, "/v1/flavors", api.FlavorCreate{Name: "small", Description: "one core or more",
		Properties: api.FlavorPropertiesInput{Processor: &api.ProcessorRequirementInput{TotalCores: 1}}}, &l.flavor)
	apiCreate(t, l.base, &l.memberA, "/v1/nodes", api.NodeCompose{Name: "web-1", FlavorID: l.flavor.UUID}, &l.node)
	apiCreate(t, l.base, &l.admin, "/v1/storages", api.StorageCreate{PodmID: l.podm.UUID, CapacityGiB: 2, Name: "scratch"}, &l.volume)
	var systems []api.System
	apiGet(t, l.base, &l.admin, "/v1/systems", &systems)
	if len(systems) == 0 {
		t.Fatal("the API lists no system")
	}
	l.systemPodm, l.systemID = systems[0].PodmID, systems[0].ID
	return l
}

// signedIn opens a browser on the lab signed in as u.
func (l *lab) signedIn(t *testing.T, u user) *tab {
	t.Helper()
	tb := startBrowser(t).newTab(t, l.base)
	tb.signInBasic(u)
	return tb
}

// pages are every page of the lab a user may open, views and details.
func (l *lab) pages() []string {
	return []string{"/ui/", "/ui/pod", "/ui/systems/" + l.systemPodm + "/" + l.systemID,
		"/ui/nodes", "/ui/nodes/" + l.node.UUID, "/ui/flavors", "/ui/flavors/" + l.flavor.UUID,
		"/ui/volumes", "/ui/podmanagers", "/ui/podmanagers/" + l.podm.UUID}
}

// TestNoAuth: under noauth there is no sign-in page and every page shows
// the warning banner.
func TestNoAuth(t *testing.T) {
	t.Parallel()
	sim := startSimulator(t, "--systems", "2")
	base := startAPI(t)
	pm := registerPodm(t, base, nil, "rack-a", sim.url)
	tb := startBrowser(t).newTab(t, base)
	tb.openOK("/ui/login")
	if p := tb.path(); p != "/ui/" {
		t.Errorf("noauth: /ui/login led to %s, want /ui/", p)
	}
	for _, p := range []string{"/ui/", "/ui/pod", "/ui/nodes", "/ui/nodes/new", "/ui/flavors", "/ui/volumes", "/ui/podmanagers", "/ui/podmanagers/" + pm.UUID} {
		tb.openOK(p)
		if tb.count(`#noauth-banner[role=alert]`) != 1 || tb.text("#noauth-banner") == "" {
			t.Errorf("noauth: %s has no #noauth-banner", p)
		}
		if tb.count("#nav a") < len(views) {
			t.Errorf("noauth: %s has no navigation", p)
		}
		tb.checkLabels()
	}
	tb.checkConsole()
}

// TestReaderSeesNoChange: a reader of the node's project sees every page,
// the node among them, and no control that changes anything, where an
// administrator sees them.
func TestReaderSeesNoChange(t *testing.T) {
	t.Parallel()
	l := newLab(t, "--systems", "2")
	b := startBrowser(t)
	at := b.newTab(t, l.base)
	at.signInBasic(l.admin)
	for _, p := range []string{"/ui/nodes/" + l.node.UUID, "/ui/flavors", "/ui/volumes", "/ui/podmanagers"} {
		at.openOK(p)
		if len(at.changeControls()) == 0 {
			t.Errorf("an administrator at %s sees no control", p)
		}
	}
	at.checkConsole()

	tb := b.newTab(t, l.base)
	tb.signInBasic(l.readerA)
	for _, p := range l.pages() {
		tb.openOK(p)
		if c := tb.changeControls(); len(c) > 0 {
			t.Errorf("a reader at %s sees controls that change things: %v", p, c)
		}
	}
	tb.openOK("/ui/nodes")
	if ids := tb.rowIDs("nodes-table"); !slices.Equal(ids, []string{l.node.UUID}) {
		t.Errorf("a reader of project a lists nodes %v, want [%s]", ids, l.node.UUID)
	}
	tb.checkConsole()
}

// TestOtherProjectsNode: a member of another project does not see the node
// listed, and its page is the 404 page.
func TestOtherProjectsNode(t *testing.T) {
	t.Parallel()
	l := newLab(t, "--systems", "2")
	tb := l.signedIn(t, l.memberB)
	tb.openOK("/ui/nodes")
	if ids := tb.rowIDs("nodes-table"); len(ids) != 0 {
		t.Errorf("a member of project b lists nodes %v, want none", ids)
	}
	tb.allowConsole("status of 404")
	if status := tb.open("/ui/nodes/" + l.node.UUID); status != http.StatusNotFound {
		t.Errorf("project b opens project a's node: status %d, want 404", status)
	}
	if strings.Contains(tb.text("body"), "web-1") || tb.count("#node-detail") != 0 {
		t.Errorf("the 404 page shows the node: %s", tb.text("body"))
	}
	if tb.count("#nav") != 1 {
		t.Errorf("the 404 page is not the dashboard's (no #nav): %s", tb.text("body"))
	}
	tb.checkConsole()
}

// TestCSRF: a change without the session's CSRF token (from the page's own
// context, from a form of another origin, or as a plain POST with the
// session cookie) is refused with 403 and changes nothing; with the token
// (the form) it is done.
func TestCSRF(t *testing.T) {
	t.Parallel()
	l := newLab(t, "--systems", "2")
	tb := l.signedIn(t, l.admin)
	tb.openOK("/ui/flavors")

	post := func(path string, form url.Values) int {
		var status int
		tb.eval(fmt.Sprintf(`fetch(%q, {method: "POST", body: new URLSearchParams(%q), credentials: "same-origin", redirect: "manual"}).then(r => r.status)`,
			path, form.Encode()), &status)
		return status
	}
	tb.allowConsole("status of 403")
	for _, c := range []struct {
		name string
		form url.Values
	}{
		{"no token", url.Values{"name": {"evil"}}},
		{"a wrong token", url.Values{"name": {"evil"}, "csrf_token": {strings.Repeat("A", 43)}}},
	} {
		if st := post("/ui/flavors", c.form); st != http.StatusForbidden {
			t.Errorf("create a flavor from the page with %s: %d, want 403", c.name, st)
		}
		if st := post("/ui/flavors/"+l.flavor.UUID+"/delete", c.form); st != http.StatusForbidden {
			t.Errorf("delete a flavor from the page with %s: %d, want 403", c.name, st)
		}
	}

	session := tb.sessionCookie()
	if !session.HTTPOnly || session.SameSite != network.CookieSameSiteStrict || session.Path != "/ui" {
		t.Errorf("session cookie: HttpOnly %t, SameSite %q, Path %q; want true, Strict, /ui", session.HTTPOnly, session.SameSite, session.Path)
	}
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, l.base+"/ui/nodes/"+l.node.UUID+"/delete", strings.NewReader(""))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(&http.Cookie{Name: session.Name, Value: session.Value})
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("a plain POST to decompose with the session cookie and no token: %d, want 403: %.300s", resp.StatusCode, b)
	}

	// Another site on the same host (the same site for SameSite, so the
	// browser sends the cookie) posts a form to the dashboard: refused.
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			w.WriteHeader(http.StatusNoContent) // the favicon
			return
		}
		fmt.Fprintf(w, `<!doctype html><title>evil</title><form method="post" action="%s/ui/flavors">
<input type="hidden" name="name" value="evil"><input type="hidden" name="csrf_token" value="guess">
<button id="go" type="submit">go</button></form>`, l.base)
	}))
	t.Cleanup(evil.Close)
	tb.base = evil.URL
	tb.openOK("/")
	if st := tb.click("#go"); st != http.StatusForbidden {
		t.Errorf("a form of another origin posting to the dashboard: %d, want 403", st)
	}
	tb.base = l.base

	var flavors []api.Flavor
	apiGet(t, l.base, &l.admin, "/v1/flavors", &flavors)
	if len(flavors) != 1 || flavors[0].UUID != l.flavor.UUID {
		t.Errorf("after the refused posts the flavors are %+v, want only %s", flavors, l.flavor.Name)
	}
	var n api.Node
	apiGet(t, l.base, &l.admin, "/v1/nodes/"+l.node.UUID, &n)

	// The same change through the form, with the token, is done.
	tb.openOK("/ui/flavors")
	tb.fill("name", "from-the-form")
	tb.clickOK("[data-action=create-flavor]")
	tb.expectFlashOK("create a flavor with the token")
	tb.checkConsole()
}

// TestKeyboard: the sign-in and compose forms are filled and sent with Tab,
// typing and Enter alone, and their fields are labelled.
func TestKeyboard(t *testing.T) {
	t.Parallel()
	l := newLab(t, "--systems", "2")
	tb := startBrowser(t).newTab(t, l.base)
	tb.openOK("/ui/login")
	tb.checkLabels()
	tb.tabTo("f-username")
	tb.typeKeys(l.memberA.name)
	tb.tabTo("f-password")
	tb.typeKeys(l.memberA.password)
	if st := tb.pressEnter(); st != http.StatusOK || tb.path() != "/ui/" {
		t.Fatalf("sign-in by keyboard: status %d at %s", st, tb.path())
	}
	if who := tb.text("#whoami"); !strings.Contains(who, l.memberA.name) {
		t.Errorf("signed in by keyboard: #whoami %q", who)
	}

	tb.openOK("/ui/nodes/new?flavor=" + l.flavor.UUID)
	tb.checkLabels()
	tb.tabTo("f-name")
	tb.typeKeys("typed-1")
	if st := tb.pressEnter(); st != http.StatusOK {
		t.Fatalf("compose by keyboard: status %d at %s", st, tb.path())
	}
	if st := tb.waitJob(); st != "done" {
		t.Fatalf("compose by keyboard: job %s: %s", st, tb.text("#job"))
	}
	var nodes []api.Node
	apiGet(t, l.base, &l.memberA, "/v1/nodes?name=typed-1", &nodes)
	if len(nodes) != 1 || nodes[0].ProjectID != "project-a" {
		t.Errorf("the node composed by keyboard: %+v", nodes)
	}
	tb.checkConsole()
}

// TestListsRefresh: the nodes list and a node's page follow changes made
// elsewhere (here through the API) without a reload, and a field the user
// has typed into keeps its value.
func TestListsRefresh(t *testing.T) {
	t.Parallel()
	l := newLab(t, "--systems", "2")
	tb := l.signedIn(t, l.admin)

	tb.openOK("/ui/nodes")
	tb.eval("window.notReloaded = true", nil)
	tb.fill("node_index", "typed by hand")
	var n api.Node
	apiCreate(t, l.base, &l.memberA, "/v1/nodes", api.NodeCompose{Name: "web-2", FlavorID: l.flavor.UUID}, &n)
	tb.waitFor("the new node in the list", fmt.Sprintf(`document.querySelector('#nodes-table tr[data-id=%q]')`, n.UUID))
	var kept bool
	tb.eval(`window.notReloaded === true && document.getElementById("f-node_index").value === "typed by hand"`, &kept)
	if !kept {
		t.Errorf("the nodes list refreshed by reloading the page or losing what was typed")
	}

	tb.openOK("/ui/nodes/" + n.UUID)
	tb.eval("window.notReloaded = true", nil)
	before := tb.detail("node_power_state")
	target := api.PowerTargetOn
	want := api.PowerOn
	if before == api.PowerOn {
		target, want = api.PowerTargetOff, api.PowerOff
	}
	if st, body := apiCall(t, l.base, &l.admin, http.MethodPut, "/v1/nodes/"+n.UUID+"/states/power", api.PowerTarget{Target: target}); st/100 != 2 {
		t.Fatalf("PUT power %s: %d %s", target, st, body)
	}
	tb.waitFor("the node page to show power "+want, fmt.Sprintf(`window.notReloaded && document.querySelector('#node-detail [data-field=node_power_state]').innerText.trim() === %q`, want))
	tb.checkConsole()
}

// TestManage: the updates and deletes of flavors, volumes and pod managers
// the API allows, and its refusals shown on the form, as an administrator.
func TestManage(t *testing.T) {
	t.Parallel()
	l := newLab(t, "--systems", "2")
	tb := l.signedIn(t, l.admin)

	// A flavor renamed, then deleted after a confirmation.
	tb.openOK("/ui/flavors/" + l.flavor.UUID)
	tb.fill("name", "small-2")
	tb.clickOK("[data-action=update-flavor]")
	tb.expectFlashOK("rename the flavor")
	var fl api.Flavor
	apiGet(t, l.base, &l.admin, "/v1/flavors/"+l.flavor.UUID, &fl)
	if fl.Name != "small-2" || fl.Properties.Processor == nil || fl.Properties.Processor.TotalCores != 1 {
		t.Errorf("the flavor after its rename: %+v", fl)
	}
	tb.takeDialogs()
	tb.clickOK("[data-action=delete-flavor]")
	if d := tb.takeDialogs(); len(d) != 1 {
		t.Errorf("delete a flavor asked %q, want one confirm()", d)
	}
	tb.expectFlashOK("delete the flavor")
	if st, _ := apiCall(t, l.base, &l.admin, http.MethodGet, "/v1/flavors/"+l.flavor.UUID, nil); st != http.StatusNotFound {
		t.Errorf("GET the deleted flavor: %d, want 404", st)
	}

	// A volume of 0 GiB is refused at its field; the lab's volume is deleted.
	tb.allowConsole("status of 400")
	tb.openOK("/ui/volumes")
	tb.fill("podm_id", l.podm.UUID)
	tb.fill("capacity_gib", "0")
	if st := tb.click("[data-action=create-volume]"); st != http.StatusBadRequest || tb.text("#f-capacity_gib-error") == "" {
		t.Errorf("a volume of 0 GiB: status %d, field message %q, want 400 and a message", st, tb.text("#f-capacity_gib-error"))
	}
	tb.openOK("/ui/volumes")
	tb.clickOK(fmt.Sprintf(`#volumes-table tr[data-id=%q] [data-action=delete-volume]`, l.volume.ID))
	tb.expectFlashOK("delete the volume")
	if st, _ := apiCall(t, l.base, &l.admin, http.MethodGet, "/v1/storages/"+l.volume.ID, nil); st != http.StatusNotFound {
		t.Errorf("GET the deleted volume: %d, want 404", st)
	}

	// A pod manager edited; its delete refused while it has a node, then
	// forced.
	tb.openOK("/ui/podmanagers/" + l.podm.UUID)
	tb.fill("description", "the lab's")
	tb.clickOK("[data-action=update-podm]")
	tb.expectFlashOK("edit the pod manager")
	var pm api.PodManager
	apiGet(t, l.base, &l.admin, "/v1/pod_managers/"+l.podm.UUID, &pm)
	if pm.Description != "the lab's" || pm.Name != l.podm.Name {
		t.Errorf("the pod manager after its edit: %+v", pm)
	}
	tb.openOK("/ui/podmanagers/" + l.podm.UUID)
	tb.allowConsole("status of 409")
	if st := tb.click("[data-action=delete-podm]"); st != http.StatusConflict {
		t.Errorf("delete a pod manager with a node: status %d, want 409", st)
	}
	if text, isErr := tb.flash(); !isErr || !strings.Contains(text, l.node.UUID) && !strings.Contains(text, l.node.Name) {
		t.Errorf("the refused delete says %q (error %t), want the node named", text, isErr)
	}
	tb.openOK("/ui/podmanagers/" + l.podm.UUID)
	tb.eval(`document.getElementById("f-force").checked = true`, nil)
	tb.clickOK("[data-action=delete-podm]")
	tb.expectFlashOK("delete the pod manager with force")
	var podms []api.PodManager
	apiGet(t, l.base, &l.admin, "/v1/pod_managers", &podms)
	if len(podms) != 0 {
		t.Errorf("after the forced delete the API lists %+v", podms)
	}
	if n := l.sim.nodes(t); len(n) != 0 {
		t.Errorf("after the forced delete the pod manager still has nodes %v", n)
	}
	tb.checkConsole()
}
