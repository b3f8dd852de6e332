package podm_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/valence-rsd/valence/internal/rsdsim"
	"github.com/valence-rsd/valence/internal/valence"
)

// front serves a simulator through a server that counts the GETs of each
// path and answers 503 to those of node paths while failing is set.
type front struct {
	url     string
	mu      sync.Mutex
	gets    map[string]int
	failing bool
}

func startFront(t *testing.T, s sim) *front {
	f := &front{gets: map[string]int{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		fail := false
		if r.Method == http.MethodGet {
			f.gets[r.URL.Path]++
			fail = f.failing && strings.HasPrefix(r.URL.Path, "/redfish/v1/Nodes/")
		}
		f.mu.Unlock()
		if fail {
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
			return
		}
		s.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	f.url = srv.URL
	return f
}

// getsOf returns how many GETs of path the front has seen since the last call.
func (f *front) getsOf(path string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := f.gets[path]
	delete(f.gets, path)
	return n
}

func (f *front) fail(on bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failing = on
}

// startMarkSim serves an RSD simulator of the version with the quirks.
func startMarkSim(t *testing.T, version string, q rsdsim.Quirks) sim {
	t.Helper()
	s, err := rsdsim.New(rsdsim.Config{RSDVersion: version, Systems: 4, Username: simUser, Password: simPass,
		AssembleDelay: 10 * time.Millisecond, Quirks: q})
	if err != nil {
		t.Fatal(err)
	}
	return serve(t, s)
}

// allocate allocates through conn and returns what it answered and how many
// GETs of the new node the Allocate made.
func allocate(t *testing.T, conn valence.PodManagerConn, f *front, req valence.AllocateRequest) (valence.Allocation, int) {
	t.Helper()
	a, err := conn.Allocate(context.Background(), req)
	if err != nil {
		t.Fatalf("Allocate %s: %v", req.Name, err)
	}
	return a, f.getsOf(a.URI)
}

// An RSD node is allocated with the compose's mark at the head of its
// Description; every read splits it off into ComposeID. The first Allocate
// of a connection reads its node once to see that the pod manager kept the
// mark; the later ones trust it without a read.
func TestSimRSDNodesCarryTheComposeMark(t *testing.T) {
	for _, v := range simVersions {
		t.Run(v, func(t *testing.T) {
			s := startMarkSim(t, v, rsdsim.Quirks{})
			f := startFront(t, s)
			conn := connect(t, newConnector(), access(f.url))
			ctx := context.Background()

			first, gets := allocate(t, conn, f, valence.AllocateRequest{Name: "web-1", Description: "web tier", ComposeID: "compose-1"})
			if !first.Marked || gets != 1 {
				t.Errorf("first Allocate: marked %t after %d GETs of its node; want marked after 1", first.Marked, gets)
			}
			if got := raw(t, s, first.URI)["Description"]; got != "valence-compose:compose-1 web tier" {
				t.Errorf("the node's Description on the pod manager: %q", got)
			}
			second, gets := allocate(t, conn, f, valence.AllocateRequest{Name: "web-2", ComposeID: "compose-2"})
			if !second.Marked || gets != 0 {
				t.Errorf("second Allocate: marked %t after %d GETs of its node; want marked after none", second.Marked, gets)
			}
			if got := raw(t, s, second.URI)["Description"]; got != "valence-compose:compose-2" {
				t.Errorf("the second node's Description on the pod manager: %q", got)
			}
			// An Allocate of no compose (none in the request) is not marked.
			if plain, _ := allocate(t, conn, f, valence.AllocateRequest{Name: "plain", Description: "by hand"}); plain.Marked {
				t.Errorf("an Allocate without a ComposeID answered marked")
			}

			if err := conn.Assemble(ctx, first.URI); err != nil {
				t.Fatal(err)
			}
			waited, err := conn.WaitAssembled(ctx, first.URI)
			if err != nil || waited.ComposeID != "compose-1" || waited.Description != "web tier" {
				t.Errorf("WaitAssembled = %+v, %v; want compose-1, web tier", waited, err)
			}
			got, err := conn.GetNode(ctx, first.URI)
			if err != nil || got.ComposeID != "compose-1" || got.Description != "web tier" {
				t.Errorf("GetNode = %+v, %v; want compose-1, web tier", got, err)
			}
			nodes, err := conn.ListNodes(ctx)
			if err != nil {
				t.Fatal(err)
			}
			want := map[string][2]string{"web-1": {"compose-1", "web tier"}, "web-2": {"compose-2", ""}, "plain": {"", "by hand"}}
			for _, n := range nodes {
				if w := want[n.Name]; n.ComposeID != w[0] || n.Description != w[1] {
					t.Errorf("listed %s: ComposeID %q, Description %q; want %q, %q", n.Name, n.ComposeID, n.Description, w[0], w[1])
				}
			}
			if len(nodes) != len(want) {
				t.Errorf("listed %d nodes, want %d", len(nodes), len(want))
			}
		})
	}
}

// The longest description the API takes goes to the pod manager whole
// behind the mark, and comes back whole.
func TestSimRSDMarkKeepsTheLongestDescription(t *testing.T) {
	s := startMarkSim(t, "2.3", rsdsim.Quirks{})
	conn := connect(t, newConnector(), access(s.srv.URL))
	description := strings.Repeat("é", valence.MaxDescriptionLen/2)
	id := "0b7e4a52-2c9f-4a39-9a53-4b9f3e1c2d10"
	a, err := conn.Allocate(context.Background(), valence.AllocateRequest{Name: "long", Description: description, ComposeID: id})
	if err != nil || !a.Marked {
		t.Fatalf("Allocate = %+v, %v", a, err)
	}
	n, err := conn.GetNode(context.Background(), a.URI)
	if err != nil || n.ComposeID != id || n.Description != description {
		t.Errorf("GetNode: ComposeID %q, Description of %d bytes, %v", n.ComposeID, len(n.Description), err)
	}
}

// On a pod manager that does not keep the Description, no node is marked:
// the first Allocate reads its node and learns it, the later ones answer
// from that without a read.
func TestSimRSDDroppedMarkIsNotTrusted(t *testing.T) {
	s := startMarkSim(t, "2.3", rsdsim.Quirks{DropDescription: true})
	f := startFront(t, s)
	conn := connect(t, newConnector(), access(f.url))
	for i, want := range []int{1, 0, 0} {
		a, gets := allocate(t, conn, f, valence.AllocateRequest{Name: "n", Description: "d", ComposeID: "compose"})
		if a.Marked || gets != want {
			t.Errorf("Allocate %d: marked %t after %d GETs of its node; want not marked after %d", i+1, a.Marked, gets, want)
		}
	}
	nodes, err := conn.ListNodes(context.Background())
	if err != nil || len(nodes) != 3 || nodes[0].ComposeID != "" {
		t.Errorf("ListNodes = %+v, %v; want 3 nodes without a ComposeID", nodes, err)
	}
}

// A read that fails teaches nothing: its compose is not marked, and the
// next Allocate reads again.
func TestSimRSDMarkReadFailureIsNotKnown(t *testing.T) {
	s := startMarkSim(t, "2.3", rsdsim.Quirks{})
	f := startFront(t, s)
	conn := connect(t, newConnector(), access(f.url))
	f.fail(true)
	if a, gets := allocate(t, conn, f, valence.AllocateRequest{Name: "a", ComposeID: "compose-a"}); a.Marked || gets == 0 {
		t.Errorf("Allocate whose read failed: marked %t after %d GETs; want not marked after one or more", a.Marked, gets)
	}
	f.fail(false)
	if a, gets := allocate(t, conn, f, valence.AllocateRequest{Name: "b", ComposeID: "compose-b"}); !a.Marked || gets != 1 {
		t.Errorf("Allocate after the failed read: marked %t after %d GETs; want marked after 1", a.Marked, gets)
	}
	if a, gets := allocate(t, conn, f, valence.AllocateRequest{Name: "c", ComposeID: "compose-c"}); !a.Marked || gets != 0 {
		t.Errorf("third Allocate: marked %t after %d GETs; want marked after none", a.Marked, gets)
	}
}
