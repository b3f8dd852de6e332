package browser

import (
	"strings"
	"testing"

	"github.com/valence-rsd/valence/internal/auth/keystonetest"
)

// TestKeystone signs in to a valence-api with the keystone strategy against
// a real Keystone (internal/auth/keystonetest; skipped where keystone is
// not installed, unless CI=true): an administrator with user, password,
// project and domain sees the change controls, a reader none, and a wrong
// password is refused on the form.
func TestKeystone(t *testing.T) {
	t.Parallel()
	ks := keystonetest.Start(t)
	svc := ks.NewUser(t, "service", "service")
	admin := ks.NewUser(t, "ops", "admin")
	reader := ks.NewUser(t, "project-r", "reader")
	sim := startSimulator(t, "--systems", "2")
	base := startAPI(t, "VALENCE_AUTH_STRATEGY=keystone", "VALENCE_KEYSTONE_AUTH_URL="+ks.URL,
		"VALENCE_KEYSTONE_USERNAME="+svc.Name, "VALENCE_KEYSTONE_PASSWORD="+svc.Password,
		"VALENCE_KEYSTONE_PROJECT_NAME="+svc.ProjectName)
	b := startBrowser(t)
	signIn := func(tb *tab, u keystonetest.User) {
		tb.signIn(map[string]string{"username": u.Name, "password": u.Password, "project": u.ProjectName, "domain": "Default"}, u.Name)
	}

	tb := b.newTab(t, base)
	tb.openOK("/ui/login")
	tb.checkLabels()
	tb.allowConsole("status of 401")
	tb.fill("username", admin.Name)
	tb.fill("password", "wrong")
	tb.fill("project", admin.ProjectName)
	tb.fill("domain", "Default")
	tb.click("[data-action=sign-in]")
	if text, isErr := tb.flash(); !isErr || text == "" || !strings.HasPrefix(tb.path(), "/ui/login") {
		t.Errorf("a wrong password: at %s, message %q (error %t), want the form with an error", tb.path(), text, isErr)
	}

	signIn(tb, admin)
	tb.registerPodm("rack-a", sim.url)
	tb.checkConsole()

	rt := b.newTab(t, base)
	signIn(rt, reader)
	for _, p := range []string{"/ui/", "/ui/pod", "/ui/nodes", "/ui/flavors", "/ui/volumes", "/ui/podmanagers"} {
		rt.openOK(p)
		if c := rt.changeControls(); len(c) > 0 {
			t.Errorf("a Keystone reader at %s sees controls that change things: %v", p, c)
		}
	}
	rt.clickOK("[data-action=sign-out]")
	rt.checkConsole()
}
