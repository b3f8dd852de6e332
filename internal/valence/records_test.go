package valence

import (
	"strings"
	"testing"
)

// Two services on one store stand for two replicas on one etcd: what one
// writes or deletes shows in the other's node list, cached or not.
func TestListNodesSeesAnotherReplicasWrites(t *testing.T) {
	f := newFixture(t)
	pm, _ := f.podm("rack1", 2)
	a := f.compose(pm, "a", "proj")
	b := f.compose(pm, "b", "proj")
	other := New(Options{Store: f.store, Connector: f.conns, Now: f.clock.Now})
	t.Cleanup(other.Close)

	names := func() string {
		t.Helper()
		nodes, _, err := f.svc.ListNodes(f.ctx, admin, nil, Page{})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, n := range nodes {
			out = append(out, n.Name+"/"+n.PowerState)
		}
		return strings.Join(out, ",")
	}
	first := names()
	if _, err := other.nodes.modify(f.ctx, a.UUID, func(n *Node) error {
		n.PowerState = "On"
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if got := names(); got == first || !strings.Contains(got, "a/On") {
		t.Errorf("after the other replica powered a on: %q (before %q)", got, first)
	}
	if err := other.nodes.delete(f.ctx, b.UUID); err != nil {
		t.Fatal(err)
	}
	if got := names(); got != "a/On" {
		t.Errorf("after the other replica deleted b: %q", got)
	}
}
