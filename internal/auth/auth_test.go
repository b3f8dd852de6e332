package auth

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/valence-rsd/valence/internal/valence"
)

func TestNewNoauthWarnsAndMakesEveryoneAdmin(t *testing.T) {
	var logs bytes.Buffer
	a, err := New(context.Background(), Config{Strategy: "noauth"}, zerolog.New(&logs))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), `"level":"warn"`) || !strings.Contains(logs.String(), "DISABLED") {
		t.Errorf("no loud warning at start: %s", logs.String())
	}
	c, err := a.Authenticate(context.Background(), httptest.NewRequest(http.MethodGet, "/", nil))
	if err != nil || c.ProjectID != NoauthProjectID || !c.HasRole("admin") {
		t.Fatalf("%+v, %v", c, err)
	}
	for _, rule := range Rules() {
		if err := DefaultPolicy().Authorize(rule.Name, c, Target{"project_id": "someone-else"}); err != nil &&
			strings.HasPrefix(rule.Name, "valence:") {
			t.Errorf("the noauth caller may not %s: %v", rule.Name, err)
		}
	}
	if a.Challenge() != "" {
		t.Errorf("challenge %q", a.Challenge())
	}
}

func TestNewStrategies(t *testing.T) {
	if _, err := New(context.Background(), Config{Strategy: ""}, zerolog.Nop()); err == nil || !strings.Contains(err.Error(), "VALENCE_AUTH_STRATEGY") {
		t.Errorf("no strategy: %v", err)
	}
	if _, err := New(context.Background(), Config{Strategy: "keystone"}, zerolog.Nop()); err == nil || !strings.Contains(err.Error(), "VALENCE_KEYSTONE_AUTH_URL") {
		t.Errorf("keystone without settings: %v", err)
	}
	if _, err := New(context.Background(), Config{Strategy: "http_basic"}, zerolog.Nop()); err == nil || !strings.Contains(err.Error(), "VALENCE_HTPASSWD_FILE") {
		t.Errorf("http_basic without settings: %v", err)
	}
	fk := newFakeKeystone(t)
	var logs bytes.Buffer
	if _, err := New(context.Background(), Config{Strategy: "keystone", Keystone: fk.config()}, zerolog.New(&logs)); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(logs.String(), "servicepass") {
		t.Errorf("the service password is in the log: %s", logs.String())
	}
}

func TestMiddleware(t *testing.T) {
	fk := newFakeKeystone(t)
	fk.addToken("good", fakeToken{userID: "alice", project: "p1", roles: []string{"member"}, expires: time.Now().Add(time.Hour)})
	a, err := New(context.Background(), Config{Strategy: "keystone", Keystone: fk.config()}, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	var failed error
	h := Middleware(a, func(w http.ResponseWriter, _ *http.Request, err error) {
		failed = err
		w.WriteHeader(http.StatusUnauthorized)
	})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := valence.CallerFrom(r.Context())
		_, _ = w.Write([]byte(c.UserID))
	}))

	w := httptest.NewRecorder()
	h.ServeHTTP(w, withToken("good"))
	if w.Body.String() != "alice" || failed != nil {
		t.Errorf("good token: body %q, error %v", w.Body.String(), failed)
	}
	w = httptest.NewRecorder()
	h.ServeHTTP(w, withToken("bad"))
	if !valence.IsCode(failed, valence.Unauthorized) || w.Header().Get("WWW-Authenticate") != a.Challenge() {
		t.Errorf("bad token: error %v, WWW-Authenticate %q", failed, w.Header().Get("WWW-Authenticate"))
	}
	fk.srv.Close()
	w = httptest.NewRecorder()
	h.ServeHTTP(w, withToken("other"))
	if !valence.IsCode(failed, valence.Unavailable) || w.Header().Get("WWW-Authenticate") != "" {
		t.Errorf("keystone down: error %v, WWW-Authenticate %q", failed, w.Header().Get("WWW-Authenticate"))
	}
}
