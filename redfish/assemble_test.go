package redfish_test

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
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

// TestWaitAssembledReadsTheStateOnly: the wait's polls read the node's
// identity and state alone, so that properties it does not use, which
// GetNode decodes, cost it nothing and cannot fail it: here links and boot
// settings that are not of their schema's shape. The node is Assembling
// at the first poll and Assembled at the second.
func TestWaitAssembledReadsTheStateOnly(t *testing.T) {
	ctx := context.Background()
	const node7 = "/redfish/v1/Nodes/7"
	var polls atomic.Int32
	_, srv := newFixture(t, map[string]string{
		"/redfish/v1":         "rsd24_root.json",
		"/redfish/v1/Systems": "empty_systems.json",
	}, map[string]http.HandlerFunc{
		"GET " + node7: func(w http.ResponseWriter, _ *http.Request) {
			state := "Assembling"
			if polls.Add(1) > 1 {
				state = "Assembled"
			}
			fmt.Fprintf(w, `{"@odata.id":%q,"Id":"7","Name":"n7","ComposedNodeState":%q,"PowerState":"Off","Status":{"Health":"OK"},
				"Links":{"Processors":"CPU1","ComputerSystem":["s1"]},"Boot":{"BootSourceOverrideTarget":7}}`, node7, state)
		},
	})
	c := connect(t, srv, redfish.Config{Username: "admin", Password: "secret"})
	n, err := c.WaitAssembled(ctx, "7")
	if err != nil {
		t.Fatalf("WaitAssembled: %v", err)
	}
	if n.ID != "7" || n.URI != node7 || n.State != redfish.NodeAssembled || n.PowerState != "Off" || n.Health != "OK" || polls.Load() != 2 {
		t.Errorf("WaitAssembled = %+v after %d polls; want node 7 Assembled, Off, OK after 2", n, polls.Load())
	}
}
