package redfish_test

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/valence-rsd/valence/redfish"
)

// count is how many requests of the method and path the fixture received.
func (f *fixture) count(method, path string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, r := range f.seen {
		if r.Method == method && r.Path == path {
			n++
		}
	}
	return n
}

// TestAllocateTargetReadOnce: the Nodes collection, one member per node, is
// read for the Allocate target once, not per Allocate; a 404 of that target
// (a service that moved it) makes the next Allocate read it again.
func TestAllocateTargetReadOnce(t *testing.T) {
	ctx := context.Background()
	const allocate = "/redfish/v1/Nodes/Actions/Allocate"
	var gone atomic.Bool
	f, srv := newFixture(t, map[string]string{
		"/redfish/v1":         "rsd24_root.json",
		"/redfish/v1/Systems": "empty_systems.json",
		"/redfish/v1/Nodes":   "rsd24_nodes.json",
	}, map[string]http.HandlerFunc{
		"POST " + allocate: func(w http.ResponseWriter, r *http.Request) {
			if gone.Swap(false) {
				w.WriteHeader(http.StatusNotFound)
				return
			}
			status(http.StatusCreated, "", "Location", "/redfish/v1/Nodes/8")(w, r)
		},
	})
	c := connect(t, srv, redfish.Config{Username: "admin", Password: "secret"})
	before := f.count(http.MethodGet, "/redfish/v1/Nodes")

	for range 3 {
		if uri, err := c.Allocate(ctx, redfish.AllocateRequest{Name: "n"}); err != nil || uri != "/redfish/v1/Nodes/8" {
			t.Fatalf("Allocate = %q, %v", uri, err)
		}
	}
	if got := f.count(http.MethodGet, "/redfish/v1/Nodes") - before; got != 1 {
		t.Errorf("3 Allocates read the Nodes collection %d times, want 1", got)
	}

	gone.Store(true)
	if _, err := c.Allocate(ctx, redfish.AllocateRequest{Name: "n"}); !redfish.IsNotFound(err) {
		t.Fatalf("Allocate to a target gone = %v, want a 404", err)
	}
	if uri, err := c.Allocate(ctx, redfish.AllocateRequest{Name: "n"}); err != nil || uri != "/redfish/v1/Nodes/8" {
		t.Fatalf("Allocate after the 404 = %q, %v", uri, err)
	}
	if got := f.count(http.MethodGet, "/redfish/v1/Nodes") - before; got != 2 {
		t.Errorf("after a 404 of the target the collection was read %d times in all, want 2", got)
	}
	if got := f.count(http.MethodPost, allocate); got != 5 {
		t.Errorf("%d Allocates sent, want 5", got)
	}
}
