package redfish_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/valence-rsd/valence/redfish"
)

// TestBoundedConcurrency checks that an inventory walk keeps at most
// MaxConcurrent requests in flight, uses that many, and returns the systems it
// could read together with the error of the one it could not.
func TestBoundedConcurrency(t *testing.T) {
	const systems, max = 40, 4
	var inFlight, peak atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		time.Sleep(5 * time.Millisecond)
		path := strings.TrimSuffix(r.URL.Path, "/")
		switch {
		case path == "/redfish/v1":
			fmt.Fprint(w, `{"RedfishVersion":"1.6.0","Systems":{"@odata.id":"/redfish/v1/Systems"}}`)
		case path == "/redfish/v1/Systems":
			var m []string
			for i := range systems {
				m = append(m, fmt.Sprintf(`{"@odata.id":"/redfish/v1/Systems/%d"}`, i))
			}
			fmt.Fprintf(w, `{"Members":[%s]}`, strings.Join(m, ","))
		case path == "/redfish/v1/Systems/13":
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprint(w, `{"error":{"code":"Base.1.0.UnknownException","message":"BMC timeout"}}`)
		default:
			id := strings.TrimPrefix(path, "/redfish/v1/Systems/")
			fmt.Fprintf(w, `{"@odata.id":%q,"Id":%q,"MemorySummary":{"TotalSystemMemoryGiB":8}}`, path, id)
		}
	}))
	defer srv.Close()

	c, err := redfish.Connect(context.Background(), redfish.Config{Endpoint: srv.URL, MaxConcurrent: max})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	got, err := c.Systems(context.Background())
	if len(got) != systems || err != nil {
		t.Fatalf("Systems = %d systems, %v; want all %d", len(got), err, systems)
	}
	// The system that answers 500 (after the retries) is listed, unread.
	unread := got[13]
	if unread.ID != "13" || unread.URI != "/redfish/v1/Systems/13" || len(unread.Warnings) != 1 ||
		!strings.Contains(unread.Warnings[0], "500") || !strings.Contains(unread.Warnings[0], "BMC timeout") {
		t.Errorf("system 13: %+v, want its Id, URI and a warning naming the 500", unread)
	}
	if p := peak.Load(); p > max || p < 2 {
		t.Errorf("peak requests in flight = %d, want between 2 and %d", p, max)
	}
}
