package ui

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/crypto/bcrypt"

	"github.com/valence-rsd/valence/api"
	"github.com/valence-rsd/valence/internal/auth"
	"github.com/valence-rsd/valence/internal/rsdsim"
	"github.com/valence-rsd/valence/internal/server"
	"github.com/valence-rsd/valence/internal/stacktest"
)

// The http_basic users of the fixture, each with the password "pw-<name>":
// an administrator, members of two projects and a reader of the first.
const testUsers = `users:
  admin: {project_id: p-admin, project_name: admin, roles: [admin, member, reader]}
  alice: {project_id: p1, project_name: one, roles: [member, reader]}
  bob:   {project_id: p2, project_name: two, roles: [member, reader]}
  rita:  {project_id: p1, project_name: one, roles: [reader]}
`

// fixture is the whole server in-process (the real router, core, bolt
// store, adapter and an emulated pod manager) with the dashboard mounted.
type fixture struct {
	srv   *httptest.Server
	dash  *Dashboard
	stack *stacktest.Stack

	mu  sync.Mutex
	now time.Time
}

// fixtureOptions change the fixture's defaults (http_basic, no limit of
// failed logins).
type fixtureOptions struct {
	strategy string
	authn    auth.Authenticator // instead of the strategy's own
	failures auth.FailureLimit
	secure   bool
	keystone string
	// sim, when set, is the emulated pod manager (else one rack, one
	// drawer, two systems).
	sim *rsdsim.Config
}

func newFixture(t *testing.T, o fixtureOptions) *fixture {
	t.Helper()
	if o.strategy == "" {
		o.strategy = StrategyHTTPBasic
	}
	f := &fixture{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	sim := rsdsim.Config{Racks: 1, DrawersPerRack: 1, SystemsPerDrawer: 2}
	if o.sim != nil {
		sim = *o.sim
	}
	f.stack = stacktest.Start(t, sim)
	authn := o.authn
	if authn == nil {
		cfg := auth.Config{Strategy: o.strategy, BasicFailures: o.failures}
		if o.strategy == StrategyHTTPBasic {
			cfg.HtpasswdFile, cfg.UsersFile = writeUsers(t)
		}
		var err error
		if authn, err = auth.New(context.Background(), cfg, zerolog.Nop()); err != nil {
			t.Fatal(err)
		}
	}
	d, err := New(Options{
		Strategy: o.strategy, Auth: authn, KeystoneURL: o.keystone, Secure: o.secure,
		ComposeTimeout: time.Minute, Now: f.clock,
	})
	if err != nil {
		t.Fatal(err)
	}
	f.dash = d
	f.srv = httptest.NewServer(server.New(server.Options{
		Log: zerolog.Nop(), Service: f.stack.Service, Auth: authn, UI: d.Handler,
	}))
	t.Cleanup(f.srv.Close)
	return f
}

// writeUsers writes the htpasswd and users files of testUsers.
func writeUsers(t *testing.T) (htpasswd, users string) {
	t.Helper()
	dir := t.TempDir()
	var lines []string
	for _, name := range []string{"admin", "alice", "bob", "rita"} {
		h, err := bcrypt.GenerateFromPassword([]byte("pw-"+name), bcrypt.MinCost)
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, name+":"+string(h))
	}
	htpasswd, users = filepath.Join(dir, "htpasswd"), filepath.Join(dir, "users.yaml")
	if err := os.WriteFile(htpasswd, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(users, []byte(testUsers), 0o600); err != nil {
		t.Fatal(err)
	}
	return htpasswd, users
}

func (f *fixture) clock() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// advance moves the sessions' clock on by d.
func (f *fixture) advance(d time.Duration) {
	f.mu.Lock()
	f.now = f.now.Add(d)
	f.mu.Unlock()
}

// browser is one user agent: a cookie jar, redirects not followed.
type browser struct {
	t    *testing.T
	f    *fixture
	http *http.Client
	// header is sent with every request (Sec-Fetch-Site, Origin, ...).
	header http.Header
}

func (f *fixture) browser(t *testing.T) *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, f: f, header: http.Header{}, http: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// do sends a request and returns the answer and its body.
func (b *browser) do(method, path string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.f.srv.URL+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range b.header {
		req.Header[k] = v
	}
	resp, err := b.http.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return resp, string(raw)
}

func (b *browser) get(path string) (*http.Response, string) {
	b.t.Helper()
	return b.do(http.MethodGet, path, nil)
}

func (b *browser) post(path string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	return b.do(http.MethodPost, path, form)
}

// signIn signs user in with the fixture's password and checks it worked.
func (b *browser) signIn(user string) {
	b.t.Helper()
	resp, body := b.post("/ui/login", url.Values{"username": {user}, "password": {"pw-" + user}})
	if resp.StatusCode != http.StatusSeeOther {
		b.t.Fatalf("sign in %s: %d %s", user, resp.StatusCode, body)
	}
}

var csrfPattern = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// csrf reads the session's CSRF token from a page.
func (b *browser) csrf() string {
	b.t.Helper()
	resp, body := b.get("/ui/")
	m := csrfPattern.FindStringSubmatch(body)
	if resp.StatusCode != http.StatusOK || m == nil {
		b.t.Fatalf("no CSRF token on /ui/: %d %s", resp.StatusCode, body)
	}
	return m[1]
}

// send posts form with the session's CSRF token.
func (b *browser) send(path string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set(CSRFField, b.csrf())
	return b.post(path, form)
}

// wantStatus fails the test unless resp has status.
func wantStatus(t *testing.T, resp *http.Response, body string, status int) {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("%s %s: status %d, want %d\n%s", resp.Request.Method, resp.Request.URL.Path, resp.StatusCode, status, body)
	}
}

// wantRedirect fails the test unless resp is a 303 to location.
func wantRedirect(t *testing.T, resp *http.Response, body, location string) {
	t.Helper()
	wantStatus(t, resp, body, http.StatusSeeOther)
	if got := resp.Header.Get("Location"); got != location {
		t.Fatalf("%s %s: Location %q, want %q", resp.Request.Method, resp.Request.URL.Path, got, location)
	}
}

// wantIn fails the test unless body holds each of parts.
func wantIn(t *testing.T, body string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(body, p) {
			t.Fatalf("page lacks %q:\n%s", p, body)
		}
	}
}

// wantNotIn fails the test if body holds any of parts.
func wantNotIn(t *testing.T, body string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if strings.Contains(body, p) {
			t.Fatalf("page holds %q:\n%s", p, body)
		}
	}
}

// api calls the v1 API over HTTP as user (http_basic, password pw-<user>)
// and decodes a JSON answer into out when not nil; it returns the status.
func (f *fixture) api(t *testing.T, user, method, path, body string, out any) int {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, f.srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth(user, "pw-"+user)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatalf("%s %s: %d: %v", method, path, resp.StatusCode, err)
		}
	}
	return resp.StatusCode
}

// signedIn is a new browser signed in as user.
func (f *fixture) signedIn(t *testing.T, user string) *browser {
	t.Helper()
	b := f.browser(t)
	b.signIn(user)
	return b
}

// podManagers lists the pod managers through the API, as admin.
func (f *fixture) podManagers(t *testing.T) []api.PodManager {
	t.Helper()
	var list []api.PodManager
	if status := f.api(t, "admin", http.MethodGet, "/v1/pod_managers", "", &list); status != http.StatusOK {
		t.Fatalf("list pod managers: %d", status)
	}
	return list
}

// nodes lists the nodes user sees through the API.
func (f *fixture) nodes(t *testing.T, user string) []api.Node {
	t.Helper()
	var list []api.Node
	if status := f.api(t, user, http.MethodGet, "/v1/nodes", "", &list); status != http.StatusOK {
		t.Fatalf("list nodes as %s: %d", user, status)
	}
	return list
}

// registerForm is the register form filled for the fixture's pod manager.
func (f *fixture) registerForm(name string) url.Values {
	return url.Values{
		"name": {name}, "url": {f.stack.SimURL}, "driver": {""},
		"username": {stacktest.SimUser}, "password": {stacktest.SimPassword},
		"tls_verify": {"true"}, "description": {"lab pod"}, "location": {"room 1"},
	}
}

// registered registers the fixture's pod manager through the API, as admin.
func (f *fixture) registered(t *testing.T) api.PodManager {
	t.Helper()
	var pm api.PodManager
	body := `{"name":"pod1","url":"` + f.stack.SimURL + `","authentication":[{"type":"basic","auth_items":{"username":"` +
		stacktest.SimUser + `","password":"` + stacktest.SimPassword + `"}}]}`
	if status := f.api(t, "admin", http.MethodPost, "/v1/pod_managers", body, &pm); status != http.StatusCreated {
		t.Fatalf("register: %d", status)
	}
	return pm
}
