package browser

import (
	"net/http"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/valence-rsd/valence/api"
)

// narrowWidth is the width of a narrow window (a phone's).
const narrowWidth = 400

// TestScreenshots saves a screenshot of every view at 1280×800 and of the
// Overview 400 px wide (where no page may scroll sideways), under the test's temp dir (kept in the log's
// directory on failure) and, with -update-screenshots, as
// docs/images/ui-<view>.png (make screenshots). Each page must load with
// 200, with its fields labelled and no console error.
func TestScreenshots(t *testing.T) {
	t.Parallel()
	l := newLab(t) // the simulator's default pod: 2 racks of 4 drawers of 4 systems
	attach := api.NodeAction{Attach: &api.AttachAction{ResourceID: l.volume.ID}}
	if st, body := apiCall(t, l.base, &l.admin, http.MethodPost, "/v1/nodes/"+l.node.UUID+"/action", attach); st != http.StatusNoContent {
		t.Fatalf("attach the volume: %d %s", st, body)
	}
	dir := t.TempDir()
	b := startBrowser(t)

	signedOut := b.newTab(t, l.base)
	signedOut.openOK("/ui/login")
	signedOut.screenshot(dir, "login")

	tb := b.newTab(t, l.base)
	tb.signInBasic(l.admin)
	shots := []struct{ name, path string }{
		{"overview", "/ui/"},
		{"pod", "/ui/pod"},
		{"system", "/ui/systems/" + l.systemPodm + "/" + l.systemID},
		{"nodes", "/ui/nodes"},
		{"node", "/ui/nodes/" + l.node.UUID},
		{"compose", "/ui/nodes/new?flavor=" + l.flavor.UUID},
		{"flavors", "/ui/flavors"},
		{"volumes", "/ui/volumes"},
		{"podmanagers", "/ui/podmanagers"},
	}
	for _, s := range shots {
		tb.openOK(s.path)
		tb.checkLabels()
		tb.screenshot(dir, s.name)
	}

	// A compose job, once it has ended.
	tb.openOK("/ui/nodes/new?flavor=" + l.flavor.UUID)
	tb.fill("name", "web-2")
	tb.clickOK("[data-action=compose]")
	if st := tb.waitJob(); st != "done" {
		t.Errorf("compose job: %s: %s", st, tb.text("#job"))
	}
	tb.screenshot(dir, "job")

	// A narrow window: no page scrolls sideways (wide tables scroll in
	// their own box); the Overview's screenshot.
	tb.do(chromedp.EmulateViewport(narrowWidth, viewHeight))
	for _, s := range shots {
		tb.openOK(s.path)
		var scrollWidth int
		tb.eval("document.documentElement.scrollWidth", &scrollWidth)
		if scrollWidth > narrowWidth {
			t.Errorf("%s %d px wide scrolls sideways: %d px wide", s.path, narrowWidth, scrollWidth)
		}
	}
	tb.openOK("/ui/")
	tb.screenshot(dir, "overview-narrow")
	tb.checkConsole()
	t.Logf("screenshots in %s", dir)
}
