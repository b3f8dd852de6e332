package redfish_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/valence-rsd/valence/redfish"
)

// TestAssembleTargetLearned: once a node had its Assemble target at the
// path RSD defines, Assembles post there without reading the node; a 404
// there (a node whose target is elsewhere) reads the node and posts to its
// target, and the next Assemble reads its node again.
func TestAssembleTargetLearned(t *testing.T) {
	ctx := context.Background()
	const node7, node9 = "/redfish/v1/Nodes/7", "/redfish/v1/Nodes/9"
	ok := status(http.StatusNoContent, "")
	f, srv := newFixture(t, map[string]string{
		"/redfish/v1":         "rsd24_root.json",
		"/redfish/v1/Systems": "empty_systems.json",
		"/redfish/v1/Nodes":   "rsd24_nodes.json",
		node7:                 "rsd24_node.json",
	}, map[string]http.HandlerFunc{
		"POST " + node7 + "/Actions/ComposedNode.Assemble": ok,
		"POST " + node9 + "/Assemble":                      ok,
		"GET " + node9: func(w http.ResponseWriter, _ *http.Request) {
			fmt.Fprintf(w, `{"@odata.id":%q,"Id":"9","ComposedNodeState":"Allocated","Actions":{"#ComposedNode.Assemble":{"target":%q}}}`, node9, node9+"/Assemble")
		},
	})
	c := connect(t, srv, redfish.Config{Username: "admin", Password: "secret"})

	for range 3 {
		if err := c.Assemble(ctx, node7); err != nil {
			t.Fatalf("Assemble %s: %v", node7, err)
		}
	}
	if got := f.count(http.MethodGet, node7); got != 1 {
		t.Errorf("3 Assembles read the node %d times, want 1", got)
	}
	if err := c.Assemble(ctx, node9); err != nil {
		t.Fatalf("Assemble %s: %v", node9, err)
	}
	if got := f.count(http.MethodPost, node9+"/Assemble"); got != 1 {
		t.Errorf("the node's own target got %d posts, want 1", got)
	}
	if err := c.Assemble(ctx, node7); err != nil {
		t.Fatalf("Assemble %s again: %v", node7, err)
	}
	if got := f.count(http.MethodGet, node7); got != 2 {
		t.Errorf("after a target elsewhere, the node was read %d times in all, want 2", got)
	}
	if got := f.count(http.MethodPost, node7+"/Actions/ComposedNode.Assemble"); got != 4 {
		t.Errorf("%d Assembles of %s sent, want 4", got, node7)
	}
}
