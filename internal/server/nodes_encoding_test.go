package server

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/valence-rsd/valence/api"

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
		_ = w.WriteByte('[')
		h.writeNodes(w, nodes, true)
		_, _ = w.WriteString("]\n")
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

// TestNodeListPageByPage: a list without a limit, read from the store a
// page at a time, is the whole list, in order, as one JSON array; a list
// with a limit is one page with its link to the next.
func TestNodeListPageByPage(t *testing.T) {
	old := nodeListPage
	nodeListPage = 1
	t.Cleanup(func() { nodeListPage = old })
	f := newAPI(t)
	pm := f.createPodManager(t, "podm1")
	var want []string
	for i := range 2 {
		resp, body := f.admin(t, "POST", "/v1/nodes", fmt.Sprintf(`{"name":"n%d","podm_id":%q}`, i, pm.UUID))
		if resp.StatusCode != 201 {
			t.Fatalf("compose: %d %s", resp.StatusCode, body)
		}
		var n api.Node
		_ = json.Unmarshal(body, &n)
		want = append(want, n.UUID)
	}
	if want[0] > want[1] {
		want[0], want[1] = want[1], want[0]
	}
	resp, body := f.admin(t, "GET", "/v1/nodes", "")
	var all []api.Node
	if err := json.Unmarshal(body, &all); resp.StatusCode != 200 || err != nil || len(all) != 2 || all[0].UUID != want[0] || all[1].UUID != want[1] {
		t.Fatalf("list: %d %s (%v), want %v", resp.StatusCode, body, err, want)
	}
	if link := resp.Header.Get("Link"); link != "" {
		t.Errorf("a whole list has a Link: %s", link)
	}
	resp, body = f.admin(t, "GET", "/v1/nodes?limit=1", "")
	var one []api.Node
	if err := json.Unmarshal(body, &one); err != nil || len(one) != 1 || one[0].UUID != want[0] || resp.Header.Get("Link") == "" {
		t.Errorf("limit=1: %s, Link %q", body, resp.Header.Get("Link"))
	}
}
