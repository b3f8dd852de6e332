package ui

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/valence-rsd/valence/internal/auth"
	"github.com/valence-rsd/valence/internal/server"
	"github.com/valence-rsd/valence/internal/valence"
)

func TestNoauthNeedsNoSignInAndShowsTheBanner(t *testing.T) {
	f := newFixture(t, fixtureOptions{strategy: StrategyNoauth})
	b := f.browser(t)
	resp, body := b.get("/ui")
	wantRedirect(t, resp, body, "/ui/")
	resp, body = b.get("/ui/")
	wantStatus(t, resp, body, http.StatusOK)
	wantIn(t, body, `<div id="noauth-banner" role="alert">`, `<span id="whoami">noauth (default)</span>`, `<nav id="nav"`)
	wantNotIn(t, body, `data-action="sign-out"`)
	resp, body = b.get("/ui/login")
	wantRedirect(t, resp, body, "/ui/")
	// Every page, the 404 page too.
	resp, body = b.get("/ui/no-such-page")
	wantStatus(t, resp, body, http.StatusNotFound)
	wantIn(t, body, `id="noauth-banner"`, `id="flash"`)
}

func TestSessionCookieAndSecurityHeaders(t *testing.T) {
	for _, secure := range []bool{false, true} {
		f := newFixture(t, fixtureOptions{secure: secure})
		b := f.browser(t)
		resp, body := b.post("/ui/login", url.Values{"username": {"alice"}, "password": {"pw-alice"}})
		wantRedirect(t, resp, body, "/ui/")
		var c *http.Cookie
		for _, k := range resp.Cookies() {
			if k.Name == CookieName {
				c = k
			}
		}
		if c == nil {
			t.Fatalf("no session cookie: %v", resp.Header["Set-Cookie"])
		}
		if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/ui" || c.Secure != secure || len(c.Value) != 43 {
			t.Errorf("secure=%v: cookie %+v", secure, c)
		}
		if strings.Contains(resp.Header.Get("Set-Cookie"), "pw-alice") {
			t.Error("the cookie holds the password")
		}
		for _, path := range []string{"/ui/", "/ui/login", "/ui/nowhere"} {
			resp, _ := b.get(path)
			h := resp.Header
			if h.Get("Content-Security-Policy") != "default-src 'self'; frame-ancestors 'none'; form-action 'self'" ||
				h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") != "same-origin" ||
				h.Get("Cache-Control") != "no-store" || h.Get(server.RequestIDHeader) == "" {
				t.Errorf("%s: headers %v", path, h)
			}
		}
	}
}

func TestHTTPBasicSignInAndSignOut(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	b := f.browser(t)
	resp, body := b.get("/ui/?x=1")
	wantRedirect(t, resp, body, "/ui/login?next=%2Fui%2F%3Fx%3D1")
	resp, body = b.get("/ui/login?next=%2Fui%2F")
	wantStatus(t, resp, body, http.StatusOK)
	wantIn(t, body, `<label for="f-username">`, `id="f-username" name="username"`, `<label for="f-password">`,
		`type="password" id="f-password"`, `data-action="sign-in"`)
	wantNotIn(t, body, `id="f-project"`, `id="nav"`)

	resp, body = b.post("/ui/login", url.Values{"username": {"alice"}, "password": {"wrong"}, "next": {"/ui/"}})
	wantStatus(t, resp, body, http.StatusUnauthorized)
	wantIn(t, body, `class="flash error"`, "The user name or password is wrong.", `value="alice"`)
	wantNotIn(t, body, "wrong\"")
	if len(resp.Cookies()) != 0 {
		t.Fatalf("a failed sign-in set %v", resp.Cookies())
	}
	resp, body = b.post("/ui/login", url.Values{"password": {"x"}})
	wantStatus(t, resp, body, http.StatusBadRequest)
	wantIn(t, body, `<p class="field-error" id="f-username-error">required</p>`)

	resp, body = b.post("/ui/login", url.Values{"username": {"alice"}, "password": {"pw-alice"}, "next": {"/ui/"}})
	wantRedirect(t, resp, body, "/ui/")
	resp, body = b.get("/ui/")
	wantStatus(t, resp, body, http.StatusOK)
	wantIn(t, body, `<span id="whoami">alice (one)</span>`, `data-action="sign-out"`)
	wantNotIn(t, body, "noauth-banner")
	// Signed in, the form sends the user on.
	resp, body = b.get("/ui/login")
	wantRedirect(t, resp, body, "/ui/")

	resp, body = b.send("/ui/logout", nil)
	wantRedirect(t, resp, body, "/ui/login")
	resp, body = b.get("/ui/")
	wantRedirect(t, resp, body, "/ui/login?next=%2Fui%2F")
	if n := len(f.dash.sessions.byID); n != 0 {
		t.Fatalf("%d sessions after sign-out", n)
	}
}

func TestSignInGoesOnlyToDashboardPages(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	for next, want := range map[string]string{
		"/ui/nodes":            "/ui/nodes",
		"//evil.example/ui/":   "/ui/",
		"https://evil.example": "/ui/",
		"/ui//evil.example":    "/ui/",
		"/v1/nodes":            "/ui/",
		"/ui/\\evil":           "/ui/",
	} {
		b := f.browser(t)
		resp, body := b.post("/ui/login", url.Values{"username": {"alice"}, "password": {"pw-alice"}, "next": {next}})
		wantRedirect(t, resp, body, want)
	}
}

func TestSignInFromAnotherSiteIsRefused(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	for _, h := range []http.Header{
		{"Sec-Fetch-Site": {"cross-site"}},
		{"Origin": {"https://evil.example"}},
	} {
		b := f.browser(t)
		b.header = h
		resp, body := b.post("/ui/login", url.Values{"username": {"alice"}, "password": {"pw-alice"}})
		wantStatus(t, resp, body, http.StatusForbidden)
		if len(resp.Cookies()) != 0 {
			t.Fatalf("%v: signed in", h)
		}
	}
	// The browser's own origin is this site.
	b := f.browser(t)
	b.header = http.Header{"Origin": {f.srv.URL}, "Sec-Fetch-Site": {"same-origin"}}
	b.signIn("alice")
}

func TestHTTPBasicSignInHasTheFailedLoginLimit(t *testing.T) {
	f := newFixture(t, fixtureOptions{failures: auth.FailureLimit{Max: 2, Window: time.Hour}})
	b := f.browser(t)
	for range 2 {
		resp, body := b.post("/ui/login", url.Values{"username": {"alice"}, "password": {"wrong"}})
		wantStatus(t, resp, body, http.StatusUnauthorized)
	}
	// Over the limit, even the right password is not looked at.
	resp, body := b.post("/ui/login", url.Values{"username": {"alice"}, "password": {"pw-alice"}})
	wantStatus(t, resp, body, http.StatusTooManyRequests)
	wantIn(t, body, "Too many failed attempts")
}

func TestSignInRefusesOverlongFields(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	b := f.browser(t)
	resp, body := b.post("/ui/login", url.Values{"username": {strings.Repeat("a", 256)}, "password": {strings.Repeat("p", 1025)}})
	wantStatus(t, resp, body, http.StatusBadRequest)
	wantIn(t, body, `id="f-username-error"`, `id="f-password-error"`)
}

func TestCSRFRefusesChangesWithoutTheToken(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	b := f.signedIn(t, "alice")
	token := b.csrf()
	for name, form := range map[string]url.Values{
		"no token":    {},
		"wrong token": {CSRFField: {token[:len(token)-1] + "x"}},
		"empty":       {CSRFField: {""}},
	} {
		resp, body := b.post("/ui/logout", form)
		wantStatus(t, resp, body, http.StatusForbidden)
		wantIn(t, body, `id="flash" role="alert" class="flash error"`)
		if resp, _ := b.get("/ui/"); resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: the refused sign-out ended the session", name)
		}
	}
	// The right token from another site is refused too.
	b.header = http.Header{"Sec-Fetch-Site": {"cross-site"}}
	resp, body := b.post("/ui/logout", url.Values{CSRFField: {token}})
	wantStatus(t, resp, body, http.StatusForbidden)
	b.header = http.Header{}
	// The header a script sends works as the field does.
	b.header.Set(CSRFHeader, token)
	resp, body = b.post("/ui/logout", url.Values{})
	wantRedirect(t, resp, body, "/ui/login")
}

func TestChangeWithoutSessionIsRefused(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	b := f.browser(t)
	resp, body := b.post("/ui/logout", url.Values{CSRFField: {"x"}})
	wantStatus(t, resp, body, http.StatusForbidden)
	wantIn(t, body, "Your session has ended")
}

func TestSessionsExpire(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	b := f.signedIn(t, "alice")
	// Used within the idle time, the session lives on...
	for range 3 {
		f.advance(SessionIdle - time.Minute)
		if resp, body := b.get("/ui/"); resp.StatusCode != http.StatusOK {
			t.Fatalf("session ended while used: %d %s", resp.StatusCode, body)
		}
	}
	// ...until left unused longer than that.
	f.advance(SessionIdle + time.Second)
	resp, body := b.get("/ui/")
	wantRedirect(t, resp, body, "/ui/login?next=%2Fui%2F")

	// However used, a session ends after its lifetime.
	b.signIn("alice")
	for elapsed := time.Duration(0); elapsed < SessionLifetime; elapsed += SessionIdle / 2 {
		f.advance(SessionIdle / 2)
		b.get("/ui/")
	}
	f.advance(time.Second)
	resp, body = b.get("/ui/")
	wantRedirect(t, resp, body, "/ui/login?next=%2Fui%2F")
}

func TestSessionStoreIsBounded(t *testing.T) {
	now := time.Now()
	s := newSessions(func() time.Time { return now })
	first := s.create(valence.Caller{UserName: "first"}, nil)
	second := s.create(valence.Caller{UserName: "second"}, nil)
	s.get(first.id) // first is now the most recently used
	for range MaxSessions - 1 {
		s.create(valence.Caller{}, nil)
	}
	if n := len(s.byID); n != MaxSessions {
		t.Fatalf("%d sessions kept, want %d", n, MaxSessions)
	}
	if _, ok := s.get(second.id); ok {
		t.Error("the least recently used session was kept")
	}
	if _, ok := s.get(first.id); !ok {
		t.Error("a recently used session was dropped")
	}
}

// tokenAuth is a Keystone stand-in for the server: a token the fake
// Keystone issued is valid, as the user it was issued to.
type tokenAuth map[string]valence.Caller

func (a tokenAuth) Authenticate(_ context.Context, r *http.Request) (valence.Caller, error) {
	if c, ok := a[r.Header.Get("X-Auth-Token")]; ok {
		return c, nil
	}
	return valence.Caller{}, valence.Errorf(valence.Unauthorized, "The request you have made requires authentication.")
}

func (tokenAuth) Challenge() string { return `Keystone uri="http://keystone.invalid"` }

// fakeKeystone issues token "tok-<user>" to a password auth of user with
// password "pw-<user>" scoped to project p1 in domain Default.
func fakeKeystone(t *testing.T) *httptest.Server {
	ks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/v3/auth/tokens" {
			http.NotFound(w, r)
			return
		}
		var req struct {
			Auth struct {
				Identity struct {
					Password struct {
						User struct {
							Name, Password string
							Domain         struct{ Name string }
						}
					}
				}
				Scope struct {
					Project struct {
						Name   string
						Domain struct{ Name string }
					}
				}
			}
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		u, s := req.Auth.Identity.Password.User, req.Auth.Scope.Project
		if u.Password != "pw-"+u.Name || u.Domain.Name != "Default" || s.Name != "p1" || s.Domain.Name != "Default" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte(`{"error":{"code":401,"message":"The request you have made requires authentication.","title":"Unauthorized"}}`))
			return
		}
		w.Header().Set("X-Subject-Token", "tok-"+u.Name)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		w.Write([]byte(`{"token":{"expires_at":"2099-01-01T00:00:00.000000Z","catalog":[],"user":{"id":"u","name":"` + u.Name + `"}}}`))
	}))
	t.Cleanup(ks.Close)
	return ks
}

func TestKeystoneSignIn(t *testing.T) {
	ks := fakeKeystone(t)
	f := newFixture(t, fixtureOptions{
		strategy: StrategyKeystone, keystone: ks.URL + "/v3",
		authn: tokenAuth{"tok-alice": {UserName: "alice", ProjectID: "p1", ProjectName: "p1", Roles: []string{"member", "reader"}}},
	})
	b := f.browser(t)
	resp, body := b.get("/ui/login")
	wantStatus(t, resp, body, http.StatusOK)
	wantIn(t, body, `id="f-project"`, `id="f-domain" name="domain" value="Default"`)

	resp, body = b.post("/ui/login", url.Values{"username": {"alice"}, "password": {"pw-bad"}, "project": {"p1"}, "domain": {"Default"}})
	wantStatus(t, resp, body, http.StatusUnauthorized)
	wantIn(t, body, "The user name, password, project or domain is wrong.")
	resp, body = b.post("/ui/login", url.Values{"username": {"alice"}, "password": {"pw-alice"}, "domain": {"Default"}})
	wantStatus(t, resp, body, http.StatusBadRequest)
	wantIn(t, body, `id="f-project-error"`)

	resp, body = b.post("/ui/login", url.Values{"username": {"alice"}, "password": {"pw-alice"}, "project": {"p1"}, "domain": {"Default"}})
	wantRedirect(t, resp, body, "/ui/")
	// The pages call the API with the token Keystone issued.
	resp, body = b.get("/ui/")
	wantStatus(t, resp, body, http.StatusOK)
	wantIn(t, body, `<span id="whoami">alice (p1)</span>`)

	// A token the API no longer takes sends the user to sign in again.
	delete(f.dash.opts.Auth.(tokenAuth), "tok-alice")
	resp, body = b.get("/ui/")
	wantRedirect(t, resp, body, "/ui/login")
	resp, body = b.get("/ui/")
	wantRedirect(t, resp, body, "/ui/login?next=%2Fui%2F")
}

func TestKeystoneUnreachableIs503(t *testing.T) {
	ks := fakeKeystone(t)
	ks.Close()
	f := newFixture(t, fixtureOptions{strategy: StrategyKeystone, keystone: ks.URL + "/v3", authn: tokenAuth{}})
	b := f.browser(t)
	resp, body := b.post("/ui/login", url.Values{"username": {"alice"}, "password": {"pw-alice"}, "project": {"p1"}, "domain": {"Default"}})
	wantStatus(t, resp, body, http.StatusServiceUnavailable)
	wantIn(t, body, "Keystone did not answer")
}

func TestDashboardOffIsNotFound(t *testing.T) {
	f := newFixture(t, fixtureOptions{strategy: StrategyNoauth})
	// The same server without the dashboard, as VALENCE_UI=false builds it.
	srv := httptest.NewServer(server.New(server.Options{Log: zerolog.Nop(), Service: f.stack.Service, Auth: f.dash.opts.Auth}))
	t.Cleanup(srv.Close)
	for _, path := range []string{"/ui", "/ui/", "/ui/login", "/ui/nodes"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d without the dashboard", path, resp.StatusCode)
		}
	}
}

func TestNotFoundIsTheDashboardsPage(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	b := f.signedIn(t, "alice")
	resp, body := b.get("/ui/no/such/page")
	wantStatus(t, resp, body, http.StatusNotFound)
	wantIn(t, body, "<!doctype html>", `id="nav"`, "nothing you may see")
	if ct := resp.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	resp, body = b.get("/ui/?fragment=nope")
	wantStatus(t, resp, body, http.StatusNotFound)
}

func TestStaticFilesAreVersioned(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	b := f.browser(t)
	for file, ct := range map[string]string{"valence.css": "text/css; charset=utf-8", "valence.js": "text/javascript; charset=utf-8", "favicon.svg": "image/svg+xml"} {
		resp, body := b.get(f.dash.staticPrefix + "/" + file)
		wantStatus(t, resp, body, http.StatusOK)
		if resp.Header.Get("Content-Type") != ct || !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") {
			t.Errorf("%s: %v", file, resp.Header)
		}
		resp, body = b.get("/ui/static/000000000000/" + file)
		wantStatus(t, resp, body, http.StatusNotFound)
	}
	resp, body := b.get(f.dash.staticPrefix + "/nothing.js")
	wantStatus(t, resp, body, http.StatusNotFound)
}

func TestFieldErrorsFollowTheAPIMessage(t *testing.T) {
	p := &page{Errors: map[string]string{}, Form: url.Values{
		"name": {""}, "properties.processor.total_cores": {"9999"}, "properties.memory.capacity_mib": {"1"},
	}}
	p.fieldErrors("name is required; processor.total_cores must be at most 1024, not 9999; unknown field \"x\"")
	want := map[string]string{
		"name":                             "name is required",
		"properties.processor.total_cores": "processor.total_cores must be at most 1024, not 9999",
	}
	if len(p.Errors) != len(want) {
		t.Fatalf("errors %v, want %v", p.Errors, want)
	}
	for k, v := range want {
		if p.Errors[k] != v {
			t.Errorf("%s: %q, want %q", k, p.Errors[k], v)
		}
	}
}

// The dashboard is mounted inside the server: its requests get the
// server's access log (with the route pattern) and body limit.
func TestDashboardRequestsGoThroughTheServersMiddleware(t *testing.T) {
	f := newFixture(t, fixtureOptions{strategy: StrategyNoauth})
	var log strings.Builder
	var mu sync.Mutex
	srv := httptest.NewServer(server.New(server.Options{
		Log: zerolog.New(lockedWriter{&mu, &log}), Service: f.stack.Service, Auth: f.dash.opts.Auth, UI: f.dash.Handler,
	}))
	t.Cleanup(srv.Close)
	resp, err := http.Post(srv.URL+"/ui/login", "application/x-www-form-urlencoded", strings.NewReader("username="+strings.Repeat("a", server.MaxBodyBytes)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("a body over the limit: %d", resp.StatusCode)
	}
	resp, err = http.Get(srv.URL + "/ui/nodes/abc")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	mu.Lock()
	defer mu.Unlock()
	// The page's line, and the line of the API call it made in-process
	// (both written before the page's answer was sent).
	wantIn(t, log.String(), `"route":"/ui/nodes/{uuid}"`, `"route":"/v1/nodes/{uuid}"`)
}

// lockedWriter serialises the log's writes, which come from the server's
// goroutines.
type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
