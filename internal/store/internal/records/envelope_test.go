package records

import (
	"bytes"
	"encoding/json"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/valence-rsd/valence/internal/valence"
)

// TestCacheKeepsOneCopy checks that a record decoded through the cache
// holds its stored bytes once: its Data is a view of the kept copy, not a
// second copy (10,000 node records held both, a third of the server's
// heap), and an append to it does not write into the kept copy.
func TestCacheKeepsOneCopy(t *testing.T) {
	data := json.RawMessage(`{"blob":"` + strings.Repeat("x", 256<<10) + `"}`)
	b, err := Encode(valence.Record{Kind: valence.KindNode, ID: "n1", SchemaVersion: 1,
		Fields: map[string]string{"podm": "p1"}, Data: data}, true)
	if err != nil {
		t.Fatal(err)
	}
	c := NewCache()
	var before, after runtime.MemStats
	runtime.GC() // twice: the first leaves json.Marshal's pooled buffer in sync.Pool's victim cache
	runtime.GC()
	runtime.ReadMemStats(&before)
	rec, fields, err := c.Listed(valence.KindNode, []byte("n1"), b)
	if err != nil || !bytes.Equal(rec.Data, data) || !fields.Matches(map[string]string{"podm": "p1"}) {
		t.Fatalf("Listed = %+v, %v, %v", rec, fields, err)
	}
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&after)
	// What the cache holds after a collection: the stored form once, and a
	// few small maps; the old cache held Data a second time.
	kept := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	if kept >= int64(len(b))*3/2 {
		t.Errorf("the cache holds %d bytes for a stored form of %d: Data is kept beside the stored bytes", kept, len(b))
	}
	again, _, err := c.Listed(valence.KindNode, []byte("n1"), b)
	if err != nil || &again.Data[0] != &rec.Data[0] {
		t.Fatalf("a second Decode of the same bytes did not come from the cache (%v)", err)
	}
	// An append to a record's Data must not write into the kept stored form
	// (which would make the cache miss, or worse, compare wrong).
	_ = append(again.Data, '!')
	third, _, err := c.Listed(valence.KindNode, []byte("n1"), b)
	if err != nil || &third.Data[0] != &rec.Data[0] || !bytes.Equal(third.Data, data) {
		t.Errorf("after an append to Data, Decode = %q, %v; want the cached record unchanged", third.Data[:16], err)
	}
}

// TestCacheDataNotAtEnd checks that a stored form whose Data is not where
// Encode puts it (written by hand, or by another encoder) still decodes,
// its Data copied as before.
func TestCacheDataNotAtEnd(t *testing.T) {
	b := []byte(`{"data":{"a":1},"schema_version":2} `)
	rec, _, err := NewCache().Listed(valence.KindNode, []byte("n1"), b)
	if err != nil || string(rec.Data) != `{"a":1}` || rec.SchemaVersion != 2 {
		t.Fatalf("Decode = %+v, %v", rec, err)
	}
}

// TestCacheKeepsNoMaps checks what the cache holds of a record beside its
// stored form: for a node record (one unique value, seven fields) well
// under the two maps a decoded Record holds (about 1 KiB, a third of the
// server's heap at 10,000 node records), and its fields still filter.
func TestCacheKeepsNoMaps(t *testing.T) {
	const n = 2000
	stored := make([][]byte, n)
	size := 0
	for i := range stored {
		id := fmt.Sprintf("%08d-0000-4000-8000-000000000000", i)
		b, err := Encode(valence.Record{Kind: valence.KindNode, ID: id, SchemaVersion: 1,
			Unique: map[string]string{"podm_index": "p1/" + fmt.Sprint(i)},
			Fields: map[string]string{"name": "node-" + fmt.Sprint(i), "podm_id": "11111111-2222-4333-8444-555555555555",
				"index": fmt.Sprint(i), "resource_uri": "/redfish/v1/Nodes/" + fmt.Sprint(i), "node_state": "allocated",
				"node_power_state": "on", "project_id": "0123456789abcdef0123456789abcdef"},
			Data: json.RawMessage(`{"uuid":"` + id + `"}`)}, true)
		if err != nil {
			t.Fatal(err)
		}
		stored[i], size = b, size+len(b)
	}
	c := NewCache()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i, b := range stored {
		rec, fields, err := c.Listed(valence.KindNode, []byte(fmt.Sprintf("%08d-0000-4000-8000-000000000000", i)), b)
		if err != nil || rec.Unique != nil || rec.Fields != nil || !fields.Matches(map[string]string{"index": fmt.Sprint(i), "node_state": "allocated"}) {
			t.Fatalf("Listed(%d) = %+v, %v, %v", i, rec, fields, err)
		}
	}
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&after)
	per := (int64(after.HeapAlloc) - int64(before.HeapAlloc) - int64(size)) / n
	t.Logf("%d bytes a record beside its stored form of %d", per, size/n)
	if per > 600 {
		t.Errorf("the cache holds %d bytes a record beside its stored form: maps are kept", per)
	}
	runtime.KeepAlive(c)
}

// TestCacheHitAllocatesNothing checks that a record found unchanged is
// answered without an allocation: a node list of 10,000 records made
// 20,000 strings (the key and the id) on every call.
func TestCacheHitAllocatesNothing(t *testing.T) {
	b, err := Encode(valence.Record{Kind: valence.KindNode, ID: "n1", SchemaVersion: 1,
		Fields: map[string]string{"podm_id": "p1"}, Data: json.RawMessage(`{"a":1}`)}, true)
	if err != nil {
		t.Fatal(err)
	}
	c := NewCache()
	id := []byte("6f1e3c2a-0000-4000-8000-000000000001")
	if _, _, err := c.Listed(valence.KindNode, id, b); err != nil {
		t.Fatal(err)
	}
	var rec valence.Record
	allocs := testing.AllocsPerRun(100, func() { rec, _, err = c.Listed(valence.KindNode, id, b) })
	if err != nil || rec.ID != string(id) || string(rec.Data) != `{"a":1}` {
		t.Fatalf("Listed = %+v, %v", rec, err)
	}
	if allocs != 0 {
		t.Errorf("a cached record costs %v allocations, want none", allocs)
	}
}
