package auth

import (
	"context"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/valence-rsd/valence/internal/auth/keystonetest"
	"github.com/valence-rsd/valence/internal/valence"
)

// TestMain stops the real Keystone, if a test started one.
func TestMain(m *testing.M) { os.Exit(keystonetest.Run(m)) }

// TestRealKeystone runs the keystone strategy against Debian's Keystone 22.
func TestRealKeystone(t *testing.T) {
	ks := keystonetest.Start(t)
	ctx := context.Background()
	// The service user has the service role only: enough to validate with
	// GET, not to do anything else in Keystone.
	svc := ks.NewUser(t, "service", "service")
	// The cache's clock is the test's: it moves past the TTL at once, however
	// long Keystone takes on a loaded machine.
	const ttl = time.Minute
	clk := &clock{t: time.Now()}
	a, err := New(ctx, Config{Strategy: "keystone", Keystone: KeystoneConfig{
		AuthURL: ks.URL, Username: svc.Name, Password: svc.Password, ProjectName: svc.ProjectName, CacheTTL: ttl, Now: clk.now,
	}}, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	authenticate := func(token string) (valence.Caller, error) { return a.Authenticate(ctx, withToken(token)) }

	t.Run("callers", func(t *testing.T) {
		adminA := ks.NewUser(t, "rsd-a", "admin")
		memberA := ks.NewUser(t, "rsd-a", "member")
		readerA := ks.NewUser(t, "rsd-a", "reader")
		memberB := ks.NewUser(t, "rsd-b", "member")
		callers := map[string]valence.Caller{}
		for _, tc := range []struct {
			u     keystonetest.User
			roles []string // Keystone expands the implied roles
		}{
			{adminA, []string{"admin", "member", "reader"}},
			{memberA, []string{"member", "reader"}},
			{readerA, []string{"reader"}},
			{memberB, []string{"member", "reader"}},
			{svc, []string{"service"}},
		} {
			c, err := authenticate(ks.Token(t, tc.u))
			if err != nil {
				t.Fatalf("%s: %v", tc.u.Name, err)
			}
			slices.Sort(c.Roles) // Keystone's order is not stable
			if c.UserID != tc.u.ID || c.UserName != tc.u.Name || c.ProjectID != tc.u.ProjectID ||
				c.ProjectName != tc.u.ProjectName || !slices.Equal(c.Roles, tc.roles) {
				t.Errorf("%s: caller %+v, want roles %v in %s", tc.u.Name, c, tc.roles, tc.u.ProjectID)
			}
			callers[tc.u.Name] = c
		}
		p := DefaultPolicy()
		inA := Target{"project_id": memberA.ProjectID}
		for _, tc := range []struct {
			who   keystonetest.User
			rule  string
			allow bool
		}{
			{memberA, RuleNodeCompose, true},
			{readerA, RuleNodeCompose, false},
			{readerA, RuleNodeGet, true},
			{memberB, RuleNodeGet, false},
			{memberB, RuleNodeDecompose, false},
			{memberA, RulePodManagerCreate, false},
			{adminA, RulePodManagerCreate, true},
			{adminA, RuleNodeListAllProjects, true},
			{readerA, RuleFlavorList, true},
			{svc, RuleFlavorList, false},
		} {
			if err := p.Authorize(tc.rule, callers[tc.who.Name], inA); (err == nil) != tc.allow {
				t.Errorf("%s %s in rsd-a: %v, want allowed=%v", tc.who.Name, tc.rule, err, tc.allow)
			}
		}
	})

	t.Run("bad tokens", func(t *testing.T) {
		for name, tok := range map[string]string{"missing": "", "forged": "gAAAAABforgedforgedforged", "garbage": "not-a-token"} {
			if _, err := authenticate(tok); !valence.IsCode(err, valence.Unauthorized) {
				t.Errorf("%s token: %v, want Unauthorized", name, err)
			}
		}
	})

	t.Run("deleted user stops once the TTL passes", func(t *testing.T) {
		u := ks.NewUser(t, "rsd-a", "member")
		tok := ks.Token(t, u)
		if _, err := authenticate(tok); err != nil {
			t.Fatal(err)
		}
		ks.DeleteUser(t, u)
		clk.advance(ttl - time.Nanosecond)
		if _, err := authenticate(tok); err != nil {
			t.Fatalf("within the TTL the cached token should still pass: %v", err)
		}
		clk.advance(time.Nanosecond)
		if _, err := authenticate(tok); !valence.IsCode(err, valence.Unauthorized) {
			t.Fatalf("after the TTL: %v, want Unauthorized", err)
		}
	})

	t.Run("keystone down is Unavailable", func(t *testing.T) {
		tok := ks.Token(t, ks.NewUser(t, "rsd-a", "reader"))
		ks.Down(t)
		if _, err := authenticate(tok); !valence.IsCode(err, valence.Unavailable) {
			t.Fatalf("keystone stopped: %v, want Unavailable", err)
		}
	})
}
