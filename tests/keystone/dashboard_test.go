package keystone

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// TestDashboardSignInWithKeystone signs in to the dashboard with a real
// Keystone: user, password, project and domain give a token that the pages
// use; wrong credentials are refused; a user Keystone no longer knows is
// sent to sign in again once the token cache lets the token go.
func TestDashboardSignInWithKeystone(t *testing.T) {
	e := start(t)
	member := e.ks.NewUser(t, "dash", "member", "reader")
	reader := e.ks.NewUser(t, "dash", "reader")
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	hc := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	send := func(method, path string, form url.Values) (*http.Response, string) {
		t.Helper()
		var body io.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		}
		req, _ := http.NewRequest(method, e.url+path, body)
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	signIn := func(user, password, project string) *http.Response {
		t.Helper()
		resp, _ := send(http.MethodPost, "/ui/login", url.Values{"username": {user}, "password": {password}, "project": {project}, "domain": {"Default"}})
		return resp
	}

	if resp := signIn(member.Name, "wrong", member.ProjectName); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("a wrong password: %d", resp.StatusCode)
	}
	if resp := signIn(member.Name, member.Password, "no-such-project"); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("a project of nobody: %d", resp.StatusCode)
	}
	if resp := signIn(member.Name, member.Password, member.ProjectName); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in: %d", resp.StatusCode)
	}
	resp, body := send(http.MethodGet, "/ui/nodes", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `<span id="whoami">`+member.Name+` (dash)</span>`) || !strings.Contains(body, `href="/ui/nodes/new"`) {
		t.Fatalf("the member's nodes page: %d\n%s", resp.StatusCode, body)
	}
	token := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`).FindStringSubmatch(body)
	if token == nil {
		t.Fatal("no CSRF token")
	}
	if resp, _ := send(http.MethodPost, "/ui/logout", url.Values{"csrf_token": {token[1]}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign out: %d", resp.StatusCode)
	}

	// A reader signs in and sees no compose; once Keystone no longer
	// knows the user and the cache lets the token go, the next page asks
	// for a sign-in again.
	if resp := signIn(reader.Name, reader.Password, reader.ProjectName); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("reader sign in: %d", resp.StatusCode)
	}
	resp, body = send(http.MethodGet, "/ui/nodes", nil)
	if resp.StatusCode != http.StatusOK || strings.Contains(body, `href="/ui/nodes/new"`) {
		t.Fatalf("the reader's nodes page: %d\n%s", resp.StatusCode, body)
	}
	e.ks.DeleteUser(t, reader)
	e.clock.Advance(2 * cacheTTL)
	resp, _ = send(http.MethodGet, "/ui/nodes", nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/ui/login" {
		t.Fatalf("a deleted user's page: %d %v", resp.StatusCode, resp.Header)
	}
}
