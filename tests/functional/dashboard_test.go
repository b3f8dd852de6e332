package functional

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/valence-rsd/valence/api"
)

// testDashboard drives the web dashboard of the built valence-api as a
// browser without JavaScript would, over HTTP with a cookie jar: sign in
// with http_basic, register the simulator, compose a node from the form
// and follow the job, power it off and on, decompose it; and VALENCE_UI=false
// turns the dashboard off.
func testDashboard(t *testing.T, b backend) {
	sim := startSimulator(t)
	dir := t.TempDir()
	var htpasswd []string
	for _, user := range []string{"root", "alice"} {
		hash, err := bcrypt.GenerateFromPassword([]byte("pw-"+user), bcrypt.MinCost)
		if err != nil {
			t.Fatal(err)
		}
		htpasswd = append(htpasswd, user+":"+string(hash))
	}
	write := func(name, content string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	s := startAPI(t, b, "VALENCE_AUTH_STRATEGY=http_basic",
		"VALENCE_HTPASSWD_FILE="+write("htpasswd", strings.Join(htpasswd, "\n")+"\n"),
		"VALENCE_USERS_FILE="+write("users.yaml", "users:\n  root: {project_id: ops, roles: [admin, member, reader]}\n  alice: {project_id: lab, roles: [member, reader]}\n"))
	asAlice := func(path string) string { return strings.Replace(s.base, "://", "://alice:pw-alice@", 1) + path }

	br := newBrowser(t, s.base)
	page := br.get(t, http.StatusSeeOther, "/ui/")
	if loc := page.header.Get("Location"); loc != "/ui/login?next=%2Fui%2F" {
		t.Fatalf("signed out, /ui/ goes to %q", loc)
	}
	br.post(t, http.StatusSeeOther, "/ui/login", url.Values{"username": {"root"}, "password": {"pw-root"}})
	page = br.post(t, http.StatusSeeOther, "/ui/podmanagers", url.Values{
		"name": {"podm1"}, "url": {sim.url}, "username": {simUser}, "password": {simPassword}, "tls_verify": {"true"},
	})
	page = br.get(t, http.StatusOK, page.header.Get("Location"))
	page.want(t, "Pod manager podm1 registered: Online.")
	br.post(t, http.StatusSeeOther, "/ui/logout", url.Values{})

	br.post(t, http.StatusSeeOther, "/ui/login", url.Values{"username": {"alice"}, "password": {"pw-alice"}})
	page = br.get(t, http.StatusOK, "/ui/nodes/new")
	page.want(t, `<span id="whoami">alice (lab)</span>`, `>podm1 (Online)</option>`)
	page = br.post(t, http.StatusSeeOther, "/ui/nodes", url.Values{"name": {"web1"}, "properties.processor.total_cores": {"2"}})
	job := page.header.Get("Location")
	waitFor(t, "the compose of web1 to end", func() bool {
		return !strings.Contains(br.get(t, http.StatusOK, job+"?fragment=job").body, `data-state="running"`)
	})
	page = br.get(t, http.StatusOK, job)
	m := regexp.MustCompile(`<div id="job" data-state="done"[^>]*>\s*<p>Node <a href="/ui/nodes/([0-9a-f-]+)">web1</a>`).FindStringSubmatch(page.body)
	if m == nil {
		t.Fatalf("the compose did not end with the node:\n%s", page.body)
	}
	node := "/ui/nodes/" + m[1]

	power := func() string {
		return decodeAs[api.NodeStates](t, s.get(t, http.StatusOK, asAlice("/v1/nodes/"+m[1]+"/states"))).PowerState
	}
	for _, step := range []struct{ target, want string }{{"power off", api.PowerOff}, {"power on", api.PowerOn}} {
		page = br.post(t, http.StatusSeeOther, node+"/power", url.Values{"target": {step.target}})
		if got := power(); got != step.want {
			t.Fatalf("after %q the node's power is %s", step.target, got)
		}
		br.get(t, http.StatusOK, node).want(t, "Power change sent.", `<dd data-field="node_power_state">`+step.want+`</dd>`)
	}
	br.post(t, http.StatusSeeOther, node+"/delete", url.Values{})
	br.get(t, http.StatusOK, "/ui/nodes").want(t, "Node "+m[1]+" decomposed.")
	s.get(t, http.StatusNotFound, asAlice("/v1/nodes/"+m[1]))
	br.get(t, http.StatusNotFound, node)
	if left := sim.nodes(t); len(left) != 0 {
		t.Fatalf("the simulator still has nodes %v", left)
	}

	off := startAPI(t, b, "VALENCE_UI=false")
	for _, path := range []string{"/ui", "/ui/", "/ui/login"} {
		off.get(t, http.StatusNotFound, path)
	}
}

// browser is a user agent with a cookie jar that does not follow
// redirects; post sends the session's CSRF token, read from its pages.
type browser struct {
	base string
	hc   *http.Client
	csrf string
}

func newBrowser(t *testing.T, base string) *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{base: base, hc: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// htmlPage is one answer of the dashboard.
type htmlPage struct {
	header http.Header
	body   string
}

// want fails the test unless the page holds each of parts.
func (p htmlPage) want(t *testing.T, parts ...string) {
	t.Helper()
	for _, part := range parts {
		if !strings.Contains(p.body, part) {
			t.Fatalf("the page lacks %q:\n%s", part, p.body)
		}
	}
}

var csrfField = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

func (br *browser) do(t *testing.T, want int, method, path string, form url.Values) htmlPage {
	t.Helper()
	var body io.Reader
	if form != nil {
		if path != "/ui/login" {
			if br.csrf == "" {
				br.get(t, http.StatusOK, "/ui/nodes")
			}
			form.Set("csrf_token", br.csrf)
		}
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, br.base+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := br.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != want {
		t.Fatalf("%s %s: %d, want %d\n%s", method, path, resp.StatusCode, want, raw)
	}
	if path == "/ui/login" || path == "/ui/logout" {
		br.csrf = "" // a new session, a new token
	} else if m := csrfField.FindSubmatch(raw); m != nil {
		br.csrf = string(m[1])
	}
	return htmlPage{header: resp.Header, body: string(raw)}
}

func (br *browser) get(t *testing.T, want int, path string) htmlPage {
	t.Helper()
	return br.do(t, want, http.MethodGet, path, nil)
}

func (br *browser) post(t *testing.T, want int, path string, form url.Values) htmlPage {
	t.Helper()
	return br.do(t, want, http.MethodPost, path, form)
}
