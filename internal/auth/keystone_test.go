package auth

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/valence-rsd/valence/internal/valence"
)

// fakeKeystone answers the two calls the keystone strategy makes: the
// service login (POST /v3/auth/tokens) and validation (GET with
// X-Subject-Token), like Keystone 22 does.
type fakeKeystone struct {
	srv *httptest.Server

	mu          sync.Mutex
	service     map[string]bool // valid service tokens
	logins      int
	validations int
	tokens      map[string]fakeToken
	status      int // when set, every validation answers this
}

type fakeToken struct {
	userID, project string
	roles           []string
	expires         time.Time
}

func newFakeKeystone(t *testing.T) *fakeKeystone {
	fk := &fakeKeystone{service: map[string]bool{}, tokens: map[string]fakeToken{}}
	fk.srv = httptest.NewServer(http.HandlerFunc(fk.serve))
	t.Cleanup(fk.srv.Close)
	return fk
}

func (fk *fakeKeystone) serve(w http.ResponseWriter, r *http.Request) {
	fk.mu.Lock()
	defer fk.mu.Unlock()
	if r.URL.Path != "/v3/auth/tokens" {
		http.NotFound(w, r)
		return
	}
	switch r.Method {
	case http.MethodPost:
		var body struct {
			Auth struct {
				Identity struct {
					Password struct {
						User struct{ Name, Password string }
					}
				}
			}
		}
		_ = json.NewDecoder(r.Body).Decode(&body)
		u := body.Auth.Identity.Password.User
		if u.Name != "valence" || u.Password != "servicepass" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		fk.logins++
		tok := fmt.Sprintf("svc-%d", fk.logins)
		fk.service[tok] = true
		w.Header().Set("X-Subject-Token", tok)
		w.WriteHeader(http.StatusCreated)
		writeToken(w, fakeToken{userID: "valence", project: "service", roles: []string{"service"}, expires: time.Now().Add(time.Hour)})
	case http.MethodGet:
		if !fk.service[r.Header.Get("X-Auth-Token")] {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		fk.validations++
		if fk.status != 0 {
			w.WriteHeader(fk.status)
			return
		}
		tok, ok := fk.tokens[r.Header.Get("X-Subject-Token")]
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"error":{"code":404,"message":"Could not recognize Fernet token","title":"Not Found"}}`))
			return
		}
		writeToken(w, tok)
	default:
		w.WriteHeader(http.StatusMethodNotAllowed)
	}
}

func writeToken(w http.ResponseWriter, t fakeToken) {
	roles := []map[string]string{}
	for _, r := range t.roles {
		roles = append(roles, map[string]string{"id": "id-" + r, "name": r})
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"token": map[string]any{
		"methods":    []string{"password"},
		"user":       map[string]any{"id": t.userID, "name": "name-" + t.userID, "domain": map[string]string{"id": "default", "name": "Default"}},
		"project":    map[string]any{"id": t.project, "name": "name-" + t.project},
		"roles":      roles,
		"expires_at": t.expires.UTC().Format("2006-01-02T15:04:05.000000Z"),
		"issued_at":  time.Now().UTC().Format("2006-01-02T15:04:05.000000Z"),
		"catalog":    []any{},
	}})
}

func (fk *fakeKeystone) addToken(tok string, t fakeToken) {
	fk.mu.Lock()
	defer fk.mu.Unlock()
	fk.tokens[tok] = t
}

func (fk *fakeKeystone) counts() (logins, validations int) {
	fk.mu.Lock()
	defer fk.mu.Unlock()
	return fk.logins, fk.validations
}

func (fk *fakeKeystone) config() KeystoneConfig {
	return KeystoneConfig{AuthURL: fk.srv.URL + "/v3", Username: "valence", Password: "servicepass", ProjectName: "service"}
}

func newTestKeystone(t *testing.T, cfg KeystoneConfig) *keystone {
	t.Helper()
	k, err := newKeystone(context.Background(), cfg, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func withToken(tok string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/v1/nodes", nil)
	if tok != "" {
		r.Header.Set("X-Auth-Token", tok)
	}
	return r
}

// clock is a settable time for the cache's deadlines.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

func TestKeystoneValidToken(t *testing.T) {
	fk := newFakeKeystone(t)
	fk.addToken("alice-tok", fakeToken{userID: "alice", project: "p1", roles: []string{"member", "reader"}, expires: time.Now().Add(time.Hour)})
	k := newTestKeystone(t, fk.config())
	c, err := k.Authenticate(context.Background(), withToken("alice-tok"))
	if err != nil {
		t.Fatal(err)
	}
	want := valence.Caller{UserID: "alice", UserName: "name-alice", ProjectID: "p1", ProjectName: "name-p1", Roles: []string{"member", "reader"}}
	if c.UserID != want.UserID || c.UserName != want.UserName || c.ProjectID != want.ProjectID ||
		c.ProjectName != want.ProjectName || !slices.Equal(c.Roles, want.Roles) {
		t.Errorf("caller %+v, want %+v", c, want)
	}
	if got := k.Challenge(); got != `Keystone uri="`+fk.srv.URL+`/v3"` {
		t.Errorf("challenge %q", got)
	}
}

func TestKeystoneRejects(t *testing.T) {
	fk := newFakeKeystone(t)
	fk.addToken("old-tok", fakeToken{userID: "bob", project: "p1", roles: []string{"reader"}, expires: time.Now().Add(-time.Minute)})
	k := newTestKeystone(t, fk.config())
	for name, tok := range map[string]string{
		"missing": "",
		"forged":  "gAAAAAforged",
		"huge":    strings.Repeat("x", maxTokenLen+1),
		// Keystone itself answers 404 for expired tokens; one that it calls
		// valid but whose expiry is past (clock skew) is refused too.
		"expired": "old-tok",
	} {
		_, err := k.Authenticate(context.Background(), withToken(tok))
		if !valence.IsCode(err, valence.Unauthorized) {
			t.Errorf("%s token: %v, want Unauthorized", name, err)
		}
	}
	// A refused token is not cached: asking again asks Keystone again.
	_, before := fk.counts()
	_, _ = k.Authenticate(context.Background(), withToken("gAAAAAforged"))
	if _, after := fk.counts(); after != before+1 {
		t.Errorf("validations %d -> %d, want one more", before, after)
	}
}

func TestKeystoneCacheUntilTTL(t *testing.T) {
	fk := newFakeKeystone(t)
	fk.addToken("tok", fakeToken{userID: "alice", project: "p1", roles: []string{"member"}, expires: time.Now().Add(time.Hour)})
	cfg := fk.config()
	cfg.CacheTTL = time.Minute
	k := newTestKeystone(t, cfg)
	clk := &clock{time.Now()}
	k.now = clk.now
	for range 3 {
		if _, err := k.Authenticate(context.Background(), withToken("tok")); err != nil {
			t.Fatal(err)
		}
	}
	if _, v := fk.counts(); v != 1 {
		t.Fatalf("%d validations within the TTL, want 1", v)
	}
	clk.advance(time.Minute + time.Second)
	if _, err := k.Authenticate(context.Background(), withToken("tok")); err != nil {
		t.Fatal(err)
	}
	if _, v := fk.counts(); v != 2 {
		t.Fatalf("%d validations after the TTL, want 2", v)
	}
}

func TestKeystoneCacheUntilTokenExpiry(t *testing.T) {
	fk := newFakeKeystone(t)
	fk.addToken("tok", fakeToken{userID: "alice", project: "p1", roles: []string{"member"}, expires: time.Now().Add(2 * time.Minute)})
	k := newTestKeystone(t, fk.config()) // default TTL of 5 minutes, longer than the token lives
	clk := &clock{time.Now()}
	k.now = clk.now
	if _, err := k.Authenticate(context.Background(), withToken("tok")); err != nil {
		t.Fatal(err)
	}
	clk.advance(3 * time.Minute)
	fk.mu.Lock()
	delete(fk.tokens, "tok") // Keystone no longer knows it: 404
	fk.mu.Unlock()
	if _, err := k.Authenticate(context.Background(), withToken("tok")); !valence.IsCode(err, valence.Unauthorized) {
		t.Fatalf("expired cached token: %v, want Unauthorized", err)
	}
}

func TestKeystoneUnavailable(t *testing.T) {
	fk := newFakeKeystone(t)
	fk.addToken("gAAAAAsecret", fakeToken{userID: "alice", project: "p1", roles: []string{"member"}, expires: time.Now().Add(time.Hour)})
	k := newTestKeystone(t, fk.config())

	fk.mu.Lock()
	fk.status = http.StatusInternalServerError
	fk.mu.Unlock()
	_, err := k.Authenticate(context.Background(), withToken("gAAAAAsecret"))
	if !valence.IsCode(err, valence.Unavailable) {
		t.Errorf("keystone 500: %v, want Unavailable", err)
	}

	fk.srv.Close()
	_, err = k.Authenticate(context.Background(), withToken("gAAAAAsecret"))
	if !valence.IsCode(err, valence.Unavailable) {
		t.Errorf("keystone down: %v, want Unavailable", err)
	}
	if strings.Contains(err.Error(), "gAAAAAsecret") || strings.Contains(err.Error(), "servicepass") {
		t.Errorf("the error shows a secret: %v", err)
	}
	if _, err := newKeystone(context.Background(), fk.config(), zerolog.Nop()); err == nil {
		t.Error("New succeeded with Keystone down")
	}
}

func TestKeystoneServiceTokenRefresh(t *testing.T) {
	fk := newFakeKeystone(t)
	fk.addToken("a", fakeToken{userID: "alice", project: "p1", roles: []string{"member"}, expires: time.Now().Add(time.Hour)})
	fk.addToken("b", fakeToken{userID: "bob", project: "p1", roles: []string{"reader"}, expires: time.Now().Add(time.Hour)})
	k := newTestKeystone(t, fk.config())
	if _, err := k.Authenticate(context.Background(), withToken("a")); err != nil {
		t.Fatal(err)
	}
	fk.mu.Lock()
	clear(fk.service) // the service token expired or was revoked
	fk.mu.Unlock()
	c, err := k.Authenticate(context.Background(), withToken("b"))
	if err != nil || c.UserID != "bob" {
		t.Fatalf("after the service token expired: %+v, %v", c, err)
	}
	if logins, _ := fk.counts(); logins != 2 {
		t.Errorf("%d service logins, want 2", logins)
	}
}

func TestKeystoneConfigErrors(t *testing.T) {
	fk := newFakeKeystone(t)
	bad := fk.config()
	bad.Password = "wrong"
	if _, err := newKeystone(context.Background(), bad, zerolog.Nop()); err == nil || !strings.Contains(err.Error(), "refused the service credentials") || strings.Contains(err.Error(), "wrong") {
		t.Errorf("bad password: %v", err)
	}
	noURL := fk.config()
	noURL.AuthURL = ""
	if _, err := newKeystone(context.Background(), noURL, zerolog.Nop()); err == nil || !strings.Contains(err.Error(), "VALENCE_KEYSTONE_AUTH_URL") {
		t.Errorf("no auth url: %v", err)
	}
	badCA := fk.config()
	badCA.CAFile = writeFile(t, "ca.pem", "not a certificate")
	if _, err := newKeystone(context.Background(), badCA, zerolog.Nop()); err == nil || !strings.Contains(err.Error(), "VALENCE_KEYSTONE_CA_FILE") {
		t.Errorf("bad CA file: %v", err)
	}
	// Credentials in the URL would be logged and sent in the challenge.
	withUserinfo := fk.config()
	withUserinfo.AuthURL = strings.Replace(withUserinfo.AuthURL, "://", "://valence:s3cr3t@", 1)
	if _, err := newKeystone(context.Background(), withUserinfo, zerolog.Nop()); err == nil || !strings.Contains(err.Error(), "VALENCE_KEYSTONE_AUTH_URL") || strings.Contains(err.Error(), "s3cr3t") {
		t.Errorf("auth url with credentials: %v", err)
	}
	// A versionless URL works too: v3 is appended, never discovered.
	versionless := fk.config()
	versionless.AuthURL = fk.srv.URL + "/"
	newTestKeystone(t, versionless)
}
