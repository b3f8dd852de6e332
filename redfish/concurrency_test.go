package redfish_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
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

	got := walkSystems(t, redfish.Config{Endpoint: srv.URL, MaxConcurrent: max}, systems)
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

// TestBoundCountsNoQueueWait checks that Config.Timeout bounds each request
// from the moment it has its slot (among MaxInFlight, for these single
// reads), not from when it began waiting for one: many callers queued
// behind a bound of one each get
// their answer, though together they take far longer than the timeout.
func TestBoundCountsNoQueueWait(t *testing.T) {
	const callers, wait, timeout = 12, 40 * time.Millisecond, 400 * time.Millisecond
	var inFlight, peak atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		path := strings.TrimSuffix(r.URL.Path, "/")
		if path == "/redfish/v1" {
			fmt.Fprint(w, `{"RedfishVersion":"1.6.0","Systems":{"@odata.id":"/redfish/v1/Systems"}}`)
			return
		}
		time.Sleep(wait)
		id := strings.TrimPrefix(path, "/redfish/v1/Systems/")
		fmt.Fprintf(w, `{"@odata.id":%q,"Id":%q}`, path, id)
	}))
	defer srv.Close()

	c, err := redfish.Connect(context.Background(), redfish.Config{Endpoint: srv.URL, MaxConcurrent: 1, MaxInFlight: 1, Timeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	errs := make(chan error, callers)
	for i := range callers {
		go func() {
			_, err := c.GetSystem(context.Background(), fmt.Sprintf("/redfish/v1/Systems/%d", i))
			errs <- err
		}()
	}
	for range callers {
		if err := <-errs; err != nil {
			t.Errorf("GetSystem: %v (the wait for a slot counted against the timeout?)", err)
		}
	}
	if p := peak.Load(); p != 1 {
		t.Errorf("peak requests in flight = %d, want 1", p)
	}
}

// TestTimeoutBoundsEachRequest checks that an answer slower than
// Config.Timeout fails the request: headers that never come as
// unreachable, a body that stalls after them as a failed read.
func TestTimeoutBoundsEachRequest(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch strings.TrimSuffix(r.URL.Path, "/") {
		case "/redfish/v1":
			fmt.Fprint(w, `{"RedfishVersion":"1.6.0","Systems":{"@odata.id":"/redfish/v1/Systems"}}`)
		case "/redfish/v1/Systems/body":
			fmt.Fprint(w, `{"Id":`)
			w.(http.Flusher).Flush()
			<-release
		default:
			<-release
		}
	}))
	defer srv.Close()
	defer close(release)

	c, err := redfish.Connect(context.Background(), redfish.Config{Endpoint: srv.URL, Timeout: 100 * time.Millisecond,
		Retry: redfish.Retry{Attempts: 1}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.GetSystem(context.Background(), "/redfish/v1/Systems/headers"); !errors.Is(err, redfish.ErrUnreachable) {
		t.Errorf("GetSystem of an answer that never comes: %v, want ErrUnreachable", err)
	}
	if _, err := c.GetSystem(context.Background(), "/redfish/v1/Systems/body"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("GetSystem of a body that stalls: %v, want the deadline exceeded", err)
	}
}

// TestSingleRequestsBeyondTheFanOutBound: requests outside a fan-out (the
// steps of concurrent composes, here node reads) are bounded by MaxInFlight,
// not by the walks' MaxConcurrent: eight at once all reach the service
// together, while a walk of the same client keeps to MaxConcurrent.
func TestSingleRequestsBeyondTheFanOutBound(t *testing.T) {
	const fanOut, single = 2, 8
	var inFlight, peak atomic.Int64
	all := make(chan struct{})
	var once sync.Once
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path := strings.TrimSuffix(r.URL.Path, "/")
		switch {
		case path == "/redfish/v1":
			fmt.Fprint(w, `{"RedfishVersion":"1.5.0","Oem":{"Intel_RackScale":{"ApiVersion":"2.4.0","Nodes":{"@odata.id":"/redfish/v1/Nodes"}}}}`)
			return
		case path == "/redfish/v1/Nodes":
			var m []string
			for i := range 3 * fanOut {
				m = append(m, fmt.Sprintf(`{"@odata.id":"/redfish/v1/Nodes/%d"}`, i))
			}
			fmt.Fprintf(w, `{"Members":[%s]}`, strings.Join(m, ","))
			return
		}
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		if n == single {
			once.Do(func() { close(all) })
		}
		// Held until all the reads are in flight at once; a bound below
		// them never gets there, and the wait ends anyway.
		select {
		case <-all:
		case <-time.After(time.Second):
		}
		fmt.Fprintf(w, `{"@odata.id":%q,"Id":"n","ComposedNodeState":"Assembled"}`, path)
	}))
	defer srv.Close()
	c, err := redfish.Connect(context.Background(), redfish.Config{Endpoint: srv.URL, MaxConcurrent: fanOut, MaxInFlight: single})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	var wg sync.WaitGroup
	for i := range single {
		wg.Go(func() {
			if _, err := c.GetNode(context.Background(), fmt.Sprintf("/redfish/v1/Nodes/%d", i)); err != nil {
				t.Errorf("GetNode %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	if p := peak.Load(); p != single {
		t.Errorf("peak node reads in flight = %d, want all %d", p, single)
	}

	peak.Store(0)
	if nodes, err := c.ListNodes(context.Background()); err != nil || len(nodes) != 3*fanOut {
		t.Fatalf("ListNodes = %d nodes, %v", len(nodes), err)
	}
	if p := peak.Load(); p > fanOut {
		t.Errorf("peak requests in flight of a walk = %d, want at most %d", p, fanOut)
	}
}

// TestNestedFanOutKeepsItsBound: a walk whose systems fan out again (each
// system's processors and memory read in parallel) still keeps to
// MaxConcurrent in all, however high MaxInFlight is.
func TestNestedFanOutKeepsItsBound(t *testing.T) {
	const systems, parts, max = 6, 4, 2
	var inFlight, peak atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path := strings.TrimSuffix(r.URL.Path, "/")
		if path != "/redfish/v1" {
			n := inFlight.Add(1)
			defer inFlight.Add(-1)
			for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
			}
			time.Sleep(2 * time.Millisecond)
		}
		members := func(n int, base string) string {
			var m []string
			for i := range n {
				m = append(m, fmt.Sprintf(`{"@odata.id":"%s/%d"}`, base, i))
			}
			return fmt.Sprintf(`{"Members":[%s]}`, strings.Join(m, ","))
		}
		segs := strings.Split(strings.TrimPrefix(path, "/redfish/v1/"), "/")
		switch {
		case path == "/redfish/v1":
			fmt.Fprint(w, `{"RedfishVersion":"1.6.0","Systems":{"@odata.id":"/redfish/v1/Systems"}}`)
		case path == "/redfish/v1/Systems":
			fmt.Fprint(w, members(systems, path))
		case len(segs) == 2:
			fmt.Fprintf(w, `{"@odata.id":%q,"Id":%q,"Processors":{"@odata.id":"%s/Processors"},"Memory":{"@odata.id":"%s/Memory"}}`, path, segs[1], path, path)
		case len(segs) == 3:
			fmt.Fprint(w, members(parts, path))
		case segs[2] == "Processors":
			fmt.Fprintf(w, `{"@odata.id":%q,"TotalCores":4}`, path)
		default:
			fmt.Fprintf(w, `{"@odata.id":%q,"CapacityMiB":1024}`, path)
		}
	}))
	defer srv.Close()
	walkSystems(t, redfish.Config{Endpoint: srv.URL, MaxConcurrent: max, MaxInFlight: 64}, systems)
	if p := peak.Load(); p > max {
		t.Errorf("peak requests in flight of the walk = %d, want at most %d", p, max)
	}
}

// walkSystems connects with cfg and reads the systems, failing the test
// unless all want of them are read.
func walkSystems(t *testing.T, cfg redfish.Config, want int) []*redfish.System {
	t.Helper()
	c, err := redfish.Connect(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	got, err := c.Systems(context.Background())
	if len(got) != want || err != nil {
		t.Fatalf("Systems = %d systems, %v; want all %d", len(got), err, want)
	}
	return got
}
