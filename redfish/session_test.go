package redfish_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/valence-rsd/valence/internal/rsdsim"
	"github.com/valence-rsd/valence/redfish"
)

// clock is the simulator's time, moved on by the tests.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *clock) add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.now = c.now.Add(d) }

const (
	sessionsURI    = "/redfish/v1/SessionService/Sessions"
	sessionTimeout = 30 * time.Second
)

// sessionWatch serves the simulator, counts the logins and, on the request
// expireBefore names, lets the session time out just before it arrives.
type sessionWatch struct {
	sim          *rsdsim.Simulator
	clk          *clock
	logins       atomic.Int32
	expireBefore atomic.Value // "METHOD path"
}

func (w *sessionWatch) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost && r.URL.Path == sessionsURI {
		w.logins.Add(1)
	}
	if w.expireBefore.CompareAndSwap(r.Method+" "+r.URL.Path, "") {
		w.clk.add(sessionTimeout + time.Second)
	}
	w.sim.ServeHTTP(rw, r)
}

// startSessionSim serves a simulator whose sessions time out after
// sessionTimeout of the returned clock.
func startSessionSim(t *testing.T) (*sessionWatch, string) {
	t.Helper()
	clk := &clock{now: time.Unix(1_000_000, 0)}
	sim, err := rsdsim.New(rsdsim.Config{Racks: 1, DrawersPerRack: 2, SystemsPerDrawer: 2, Seed: 7,
		Username: simUser, Password: simPass, SessionTimeout: sessionTimeout, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	w := &sessionWatch{sim: sim, clk: clk}
	w.expireBefore.Store("")
	srv := httptest.NewServer(w)
	t.Cleanup(func() { sim.Close(); srv.Close() })
	return w, srv.URL
}

func TestSessionLogsInAgainOnceForConcurrentCallers(t *testing.T) {
	ctx := context.Background()
	w, url := startSessionSim(t)
	var relogins atomic.Int32
	c, err := redfish.Connect(ctx, redfish.Config{Endpoint: url, Username: simUser, Password: simPass,
		OnRelogin: func(err error) {
			if err != nil {
				t.Errorf("logging in again: %v", err)
			}
			relogins.Add(1)
		}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	systems, err := c.Systems(ctx)
	if err != nil || len(systems) != 4 || w.logins.Load() != 1 {
		t.Fatalf("Systems: %d, %v; %d logins", len(systems), err, w.logins.Load())
	}

	w.clk.add(sessionTimeout + time.Second)
	const callers = 12
	var wg sync.WaitGroup
	for i := range callers {
		wg.Go(func() {
			if _, err := c.GetSystem(ctx, systems[i%len(systems)].ID); err != nil {
				t.Errorf("GetSystem after the session timed out: %v", err)
			}
		})
	}
	wg.Wait()
	if n := w.logins.Load(); n != 2 || relogins.Load() != 1 {
		t.Errorf("%d logins (%d again) for %d callers after the timeout, want 2 (1 again)", n, relogins.Load(), callers)
	}
}

func TestSessionActionRepeatedOnceAfterTheLogin(t *testing.T) {
	ctx := context.Background()
	w, url := startSessionSim(t)
	c := simClient(t, url, redfish.AuthSession)

	// The session times out just before the Allocate: the pod manager
	// refuses it (401) without allocating, and the client allocates once
	// after logging in again.
	w.expireBefore.Store(http.MethodPost + " /redfish/v1/Nodes/Actions/Allocate")
	node, err := c.Allocate(ctx, redfish.AllocateRequest{Name: "after-timeout"})
	if err != nil {
		t.Fatalf("Allocate across the timeout: %v", err)
	}
	if got := w.expireBefore.Load(); got != "" {
		t.Fatalf("the Allocate was never sent (%q still armed)", got)
	}
	nodes, err := c.ListNodes(ctx)
	if err != nil || len(nodes) != 1 || nodes[0].URI != node {
		t.Errorf("nodes after one Allocate: %d (%v), want %s only", len(nodes), err, node)
	}
	if n := w.logins.Load(); n != 2 {
		t.Errorf("%d logins, want 2", n)
	}

	// Logging out at Close deletes the live session.
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, url+sessionsURI, nil)
	req.SetBasicAuth(simUser, simPass)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var coll struct {
		Count int `json:"Members@odata.count"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&coll); err != nil || coll.Count != 0 {
		t.Errorf("%d sessions left after Close (%v), want 0", coll.Count, err)
	}
}

func TestSessionRefusedAfterAFreshLogin(t *testing.T) {
	ctx := context.Background()
	w, url := startSessionSim(t)
	c := simClient(t, url, redfish.AuthSession)
	// Every GET refused though the session is live: the account lost its
	// rights. One login again, one more try, then the 401 is the answer.
	w.sim.SetFaults(rsdsim.Faults{ErrorRate: map[string]float64{rsdsim.OpGet: 1}, ErrorStatus: http.StatusUnauthorized})
	_, err := c.ListNodes(ctx)
	if redfish.StatusCode(err) != http.StatusUnauthorized {
		t.Fatalf("ListNodes with every GET refused: %v, want a 401", err)
	}
	if n := w.logins.Load(); n != 2 {
		t.Errorf("%d logins, want 2: one at Connect, one again", n)
	}
}
