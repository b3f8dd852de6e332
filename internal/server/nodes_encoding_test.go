package server

import (
	"bufio"
	"bytes"
	"testing"
	"time"

	"github.com/valence-rsd/valence/internal/valence"
)

// TestNodeListEncodingsKept: a node list is the plain encoding of its nodes,
// made of each node's encoding kept from the lists before while the node is
// the same; a node changed elsewhere (another replica's write, decoded
// afresh by the core) is encoded again.
func TestNodeListEncodingsKept(t *testing.T) {
	h := &handlers{nodesJSON: newNodeEncodings()}
	at := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	a := valence.Node{UUID: "a", Name: "web-1", Description: `<"quoted">`, PodmID: "p", Index: "1",
		ResourceURI: "/redfish/v1/Nodes/1", State: "Assembled", PowerState: "Off", ProjectID: "x", CreatedAt: at, UpdatedAt: at}
	b := a
	b.UUID, b.Name, b.Index = "b", "web-2", "2"
	plain := func(nodes ...valence.Node) []byte { return encodeJSON(mapAll(nodes, nodeOut)) }
	written := func(nodes ...valence.Node) []byte {
		var b bytes.Buffer
		w := bufio.NewWriter(&b)
		h.writeNodes(w, nodes)
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}

	if got := written(a, b); !bytes.Equal(got, plain(a, b)) {
		t.Fatalf("first list:\n%s\nwant\n%s", got, plain(a, b))
	}
	if got := written(); string(got) != "[]\n" {
		t.Errorf("empty list: %q", got)
	}

	// What is kept for a is what the next list shows while a is unchanged.
	h.nodesJSON.Put("a", a, []byte(`"kept"`), 6)
	if got, want := written(a, b), `["kept",`; !bytes.HasPrefix(got, []byte(want)) {
		t.Errorf("second list %s does not use the kept encoding of a", got)
	}
	// Another replica powers a on: its record, and so its Node, changed.
	a.PowerState, a.UpdatedAt = "On", at.Add(time.Second)
	if got := written(a, b); !bytes.Equal(got, plain(a, b)) {
		t.Errorf("after a change:\n%s\nwant\n%s", got, plain(a, b))
	}
}
