package auth

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/rs/zerolog"
	"golang.org/x/crypto/bcrypt"

	"github.com/valence-rsd/valence/internal/valence"
)

// hash returns a cheap bcrypt hash of password with the given prefix
// ($2a$ as x/crypto writes it, or $2y$ as htpasswd -B does).
func hash(t *testing.T, password, prefix string) string {
	t.Helper()
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	return prefix + string(h[4:])
}

const testUsers = `users:
  alice: {project_id: p1, project_name: lab, roles: [member, reader]}
  root: {project_id: p0, roles: [admin]}
`

func newTestBasic(t *testing.T) *basic {
	t.Helper()
	htpasswd := writeFile(t, "htpasswd", "# made by the test\nalice:"+hash(t, "alicepass", "$2y$")+"\n\nroot:"+hash(t, "rootpass", "$2b$")+"\n")
	b, err := newBasic(htpasswd, writeFile(t, "users.yaml", testUsers), zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func basicRequest(user, password string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/v1/nodes", nil)
	if user != "" {
		r.SetBasicAuth(user, password)
	}
	return r
}

func TestBasicValid(t *testing.T) {
	b := newTestBasic(t)
	c, err := b.Authenticate(context.Background(), basicRequest("alice", "alicepass"))
	if err != nil {
		t.Fatal(err)
	}
	if c.UserID != "alice" || c.UserName != "alice" || c.ProjectID != "p1" || c.ProjectName != "lab" || !slices.Equal(c.Roles, []string{"member", "reader"}) {
		t.Errorf("caller %+v", c)
	}
	c, err = b.Authenticate(context.Background(), basicRequest("root", "rootpass"))
	if err != nil || c.ProjectName != "p0" {
		t.Errorf("root: %+v, %v (the project name defaults to its id)", c, err)
	}
	if b.Challenge() != `Basic realm="valence"` {
		t.Errorf("challenge %q", b.Challenge())
	}
}

func TestBasicRejects(t *testing.T) {
	b := newTestBasic(t)
	for name, r := range map[string]*http.Request{
		"no header":      basicRequest("", ""),
		"wrong password": basicRequest("alice", "rootpass"),
		"unknown user":   basicRequest("mallory", "alicepass"),
	} {
		if _, err := b.Authenticate(context.Background(), r); !valence.IsCode(err, valence.Unauthorized) {
			t.Errorf("%s: %v, want Unauthorized", name, err)
		}
	}
}

func TestBasicLoadErrors(t *testing.T) {
	good := hash(t, "pw", "$2a$")
	for _, tc := range []struct{ htpasswd, users, want string }{
		{"alice:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\n", testUsers, ":1: user \"alice\": not a bcrypt hash"},
		{"alice:" + good + "\nbob:$apr1$x$y\n", testUsers, ":2: user \"bob\": not a bcrypt hash"},
		{"alice:$2y$10$short\n", testUsers, ":1: user \"alice\": malformed bcrypt hash"},
		{"alice\n", testUsers, ":1: want user:hash"},
		{"alice:" + good + "\nalice:" + good + "\n", testUsers, ":2: user \"alice\" appears twice"},
		{"carol:" + good + "\n", testUsers, `user "carol" of`},
		{"alice:" + good + "\n", "users:\n  alice: {project: p1, roles: [member]}\n", "field project not found"},
		{"alice:" + good + "\n", "users:\n  alice: {roles: [member]}\n", `user "alice": project_id is required`},
	} {
		_, err := newBasic(writeFile(t, "htpasswd", tc.htpasswd), writeFile(t, "users.yaml", tc.users), zerolog.Nop())
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q / %q: %v, want an error containing %q", tc.htpasswd, tc.users, err, tc.want)
		}
	}
	if _, err := newBasic("", "x", zerolog.Nop()); err == nil || !strings.Contains(err.Error(), "VALENCE_HTPASSWD_FILE") {
		t.Errorf("no htpasswd file: %v", err)
	}
}
