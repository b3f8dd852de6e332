package functional

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/valence-rsd/valence/api"
)

// testBasicAuth runs valence-api with http_basic, a limit of failed logins
// and a public URL: a client that fails too often is answered 429 with
// Retry-After, and the URLs the server builds start with the public URL.
func testBasicAuth(t *testing.T, b backend) {
	dir := t.TempDir()
	hash, err := bcrypt.GenerateFromPassword([]byte("rootpass"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name, content string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	const public = "https://valence.example:8443/rsd"
	s := startAPI(t, b, "VALENCE_AUTH_STRATEGY=http_basic",
		"VALENCE_HTPASSWD_FILE="+write("htpasswd", "root:"+string(hash)+"\n"),
		"VALENCE_USERS_FILE="+write("users.yaml", "users:\n  root: {project_id: ops, roles: [admin]}\n"),
		"VALENCE_BASIC_MAX_FAILURES=2", "VALENCE_PUBLIC_URL="+public)
	c := s.client
	as := func(user, password, path string) string {
		return strings.Replace(c.base, "://", "://"+user+":"+password+"@", 1) + path
	}

	r := c.expect(t, http.StatusCreated, http.MethodPost, as("root", "rootpass", "/v1/flavors"), `{"name":"small","properties":{}}`)
	var fl api.Flavor
	r.decode(t, &fl)
	if loc := r.header.Get("Location"); loc != public+"/v1/flavors/"+fl.UUID {
		t.Errorf("Location %q, want it on %s", loc, public)
	}
	if v1 := decodeAs[api.V1](t, c.get(t, http.StatusOK, "/v1")); v1.Links[0].Href != public+"/v1/" {
		t.Errorf("GET /v1: self link %q, want it on %s", v1.Links[0].Href, public)
	}

	c.failure(t, http.StatusUnauthorized, "Unauthorized", http.MethodGet, as("root", "guess1", "/v1/flavors"), nil)
	c.failure(t, http.StatusUnauthorized, "Unauthorized", http.MethodGet, as("nobody", "guess2", "/v1/flavors"), nil)
	r = c.expect(t, http.StatusTooManyRequests, http.MethodGet, as("root", "rootpass", "/v1/flavors"), nil)
	if ra := r.header.Get("Retry-After"); ra == "" || ra == "0" {
		t.Errorf("429 with Retry-After %q", ra)
	}
}
