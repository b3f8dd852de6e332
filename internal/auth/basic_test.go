package auth

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

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
	b, err := newBasic(htpasswd, writeFile(t, "users.yaml", testUsers), FailureLimit{}, zerolog.Nop())
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

// A match is remembered for basicCheckedTTL: within it the hash is not
// compared again (the test swaps it for another password's), after it it is.
func TestBasicRemembersMatchedCredentials(t *testing.T) {
	b := newTestBasic(t)
	now := time.Now()
	b.now = func() time.Time { return now }
	if _, err := b.Authenticate(context.Background(), basicRequest("alice", "alicepass")); err != nil {
		t.Fatal(err)
	}
	u := b.users["alice"]
	u.hash = []byte(hash(t, "newpass", "$2y$"))
	b.users["alice"] = u
	c, err := b.Authenticate(context.Background(), basicRequest("alice", "alicepass"))
	if err != nil || c.ProjectID != "p1" || !slices.Equal(c.Roles, []string{"member", "reader"}) {
		t.Fatalf("within the TTL: %+v, %v", c, err)
	}
	c.Roles[0] = "admin" // a caller's change must not reach the next one
	if c, _ := b.Authenticate(context.Background(), basicRequest("alice", "alicepass")); c.Roles[0] != "member" {
		t.Fatalf("roles %v", c.Roles)
	}
	// Another password of the same user is compared, never taken from the memory.
	if _, err := b.Authenticate(context.Background(), basicRequest("alice", "alicepass2")); err == nil {
		t.Fatal("a wrong password matched")
	}
	now = now.Add(basicCheckedTTL)
	if _, err := b.Authenticate(context.Background(), basicRequest("alice", "alicepass")); err == nil {
		t.Fatal("the hash was not compared again after the TTL")
	}
	if _, err := b.Authenticate(context.Background(), basicRequest("alice", "newpass")); err != nil {
		t.Fatal(err)
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
		_, err := newBasic(writeFile(t, "htpasswd", tc.htpasswd), writeFile(t, "users.yaml", tc.users), FailureLimit{}, zerolog.Nop())
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q / %q: %v, want an error containing %q", tc.htpasswd, tc.users, err, tc.want)
		}
	}
	if _, err := newBasic("", "x", FailureLimit{}, zerolog.Nop()); err == nil || !strings.Contains(err.Error(), "VALENCE_HTPASSWD_FILE") {
		t.Errorf("no htpasswd file: %v", err)
	}
}

// An unknown user is checked against a decoy of the users' own cost, so a
// refusal takes as long as for a wrong password; with mixed costs, the
// highest, and a warning.
func TestBasicDecoyHasTheUsersCost(t *testing.T) {
	b := newTestBasic(t) // hashes of bcrypt.MinCost
	if c, err := bcrypt.Cost(b.decoy); err != nil || c != bcrypt.MinCost {
		t.Errorf("decoy cost %d (%v), want the users' %d", c, err, bcrypt.MinCost)
	}
	costly, err := bcrypt.GenerateFromPassword([]byte("rootpass"), bcrypt.MinCost+1)
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	b, err = newBasic(writeFile(t, "htpasswd", "alice:"+hash(t, "alicepass", "$2y$")+"\nroot:"+string(costly)+"\n"),
		writeFile(t, "users.yaml", testUsers), FailureLimit{}, zerolog.New(&logs))
	if err != nil {
		t.Fatal(err)
	}
	if c, _ := bcrypt.Cost(b.decoy); c != bcrypt.MinCost+1 || !strings.Contains(logs.String(), "different costs") {
		t.Errorf("mixed costs: decoy cost %d, log %s", c, logs.String())
	}
}

// fromAddr is a request with Basic credentials from the remote address addr.
func fromAddr(addr, user, password string) *http.Request {
	r := basicRequest(user, password)
	r.RemoteAddr = addr
	return r
}

func TestBasicFailureLimit(t *testing.T) {
	b := newTestBasic(t)
	clk := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	b.failures = newFailures(FailureLimit{Max: 3, Window: time.Minute}, clk.now)
	ctx := context.Background()
	try := func(r *http.Request) error {
		t.Helper()
		_, err := b.Authenticate(ctx, r)
		return err
	}
	for range 5 { // no credentials at all is no failure
		if err := try(fromAddr("192.0.2.1:40000", "", "")); !valence.IsCode(err, valence.Unauthorized) {
			t.Fatalf("no credentials: %v", err)
		}
	}
	for i := range 3 {
		clk.advance(time.Second)
		if err := try(fromAddr("192.0.2.1:4000"+strconv.Itoa(i), "alice", "guess")); !valence.IsCode(err, valence.Unauthorized) {
			t.Fatalf("failure %d: %v, want Unauthorized", i+1, err)
		}
	}
	// Over the limit, even the right password is refused, until the window
	// that began with the first failure ends.
	err := try(fromAddr("192.0.2.1:40009", "alice", "alicepass"))
	if !valence.IsCode(err, valence.TooManyRequests) {
		t.Fatalf("after 3 failures: %v, want TooManyRequests", err)
	}
	rec := httptest.NewRecorder()
	setRetryAfter(rec, err)
	if got := rec.Header().Get("Retry-After"); got != "58" {
		t.Errorf("Retry-After %q, want 58 (a minute from the first failure, 2 s ago)", got)
	}
	if err := try(fromAddr("192.0.2.2:40000", "alice", "alicepass")); err != nil {
		t.Errorf("another client is limited too: %v", err)
	}
	clk.advance(58 * time.Second)
	if err := try(fromAddr("192.0.2.1:40010", "alice", "alicepass")); err != nil {
		t.Errorf("after the window: %v", err)
	}

	// An IPv6 client is its /64; an unknown user fails like a wrong password.
	for i := range 3 {
		if err := try(fromAddr("[2001:db8:1:2::"+strconv.Itoa(i+1)+"]:443", "mallory", "x")); !valence.IsCode(err, valence.Unauthorized) {
			t.Fatalf("ipv6 failure %d: %v", i+1, err)
		}
	}
	if err := try(fromAddr("[2001:db8:1:2:ffff::9]:443", "alice", "alicepass")); !valence.IsCode(err, valence.TooManyRequests) {
		t.Errorf("another address of the same /64: %v, want TooManyRequests", err)
	}
	if err := try(fromAddr("[2001:db8:1:3::1]:443", "alice", "alicepass")); err != nil {
		t.Errorf("another /64: %v", err)
	}
}

// The table of clients is bounded: when full, the oldest window goes first.
func TestFailureTableIsBounded(t *testing.T) {
	clk := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	f := newFailures(FailureLimit{Max: 1, Window: time.Hour}, clk.now)
	f.max = 3
	client := func(i int) netip.Prefix { return netip.PrefixFrom(netip.AddrFrom4([4]byte{198, 51, 100, byte(i)}), 32) }
	for i := range 10 {
		clk.advance(time.Second)
		f.fail(client(i))
	}
	if len(f.clients) != 3 || f.order.Len() != 3 {
		t.Fatalf("%d clients kept, want 3", len(f.clients))
	}
	for i := range 10 {
		if blocked := f.wait(client(i)) > 0; blocked != (i >= 7) {
			t.Errorf("client %d blocked=%v; only the 3 latest are remembered", i, blocked)
		}
	}
	clk.advance(time.Hour)
	f.wait(client(0))
	if len(f.clients) != 0 {
		t.Errorf("%d clients kept after their windows ended", len(f.clients))
	}
}

// The middleware sends Retry-After with the 429.
func TestMiddlewareSendsRetryAfter(t *testing.T) {
	b := newTestBasic(t)
	b.failures = newFailures(FailureLimit{Max: 1, Window: time.Minute}, time.Now)
	h := Middleware(b, func(w http.ResponseWriter, _ *http.Request, err error) {
		w.WriteHeader(map[valence.Code]int{valence.Unauthorized: 401, valence.TooManyRequests: 429}[valence.ErrorCode(err)])
	})(http.NotFoundHandler())
	for i, want := range []int{401, 429} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, fromAddr("192.0.2.7:1000", "alice", "wrong"))
		if rec.Code != want {
			t.Fatalf("attempt %d: %d, want %d", i+1, rec.Code, want)
		}
		if ra := rec.Header().Get("Retry-After"); (ra != "") != (want == 429) {
			t.Errorf("attempt %d: Retry-After %q", i+1, ra)
		}
	}
}
