package redfish_test

import (
	"context"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/valence-rsd/valence/redfish"
)

// TestNodePartsReadsKindsAtOnce: the node's processor and its memory are
// read at the same time, not one kind after the other. Each answers only
// once the other has been asked for; read kind after kind, the processor
// would give up waiting (a guard, not a timing assertion) and answer 404.
func TestNodePartsReadsKindsAtOnce(t *testing.T) {
	ctx := context.Background()
	asked := map[string]chan struct{}{"cpu": make(chan struct{}), "dimm": make(chan struct{})}
	once := map[string]*sync.Once{"cpu": {}, "dimm": {}}
	meet := func(me, other, body string) http.HandlerFunc {
		return func(w http.ResponseWriter, _ *http.Request) {
			once[me].Do(func() { close(asked[me]) })
			select {
			case <-asked[other]:
				w.Header().Set("Content-Type", "application/json")
				_, _ = io.WriteString(w, body)
			case <-time.After(10 * time.Second):
				w.WriteHeader(http.StatusNotFound)
			}
		}
	}
	_, srv := newFixture(t, map[string]string{
		"/redfish/v1":         "rsd24_root.json",
		"/redfish/v1/Systems": "empty_systems.json",
		"/redfish/v1/Nodes/7": "rsd24_node.json",
	}, map[string]http.HandlerFunc{
		"GET /redfish/v1/Systems/s1/Processors/CPU1": meet("cpu", "dimm",
			`{"@odata.id":"/redfish/v1/Systems/s1/Processors/CPU1","Id":"CPU1","Model":"Xeon","TotalCores":8}`),
		"GET /redfish/v1/Systems/s1/Memory/Dimm1": meet("dimm", "cpu",
			`{"@odata.id":"/redfish/v1/Systems/s1/Memory/Dimm1","Id":"Dimm1","CapacityMiB":16384}`),
	})
	c := connect(t, srv, redfish.Config{Username: "admin", Password: "secret"})
	n, err := c.GetNode(ctx, "7")
	if err != nil {
		t.Fatal(err)
	}
	// The interface and the volume are not served: their 404s are joined
	// in the error, beside what was read.
	p, _ := c.NodeParts(ctx, n)
	if len(p.Processors) != 1 || p.Processors[0].TotalCores != 8 || len(p.Memory) != 1 || p.Memory[0].CapacityMiB != 16384 {
		t.Errorf("parts = %+v; want the processor and the memory, read at once", p)
	}
}
