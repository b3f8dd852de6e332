package rsdsim

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// TestTenThousandSystems generates a pod of 10,000 systems, lists them and reads a few. The
// start-up time is logged, not asserted: it depends on the machine.
func TestTenThousandSystems(t *testing.T) {
	n := 10_000
	if raceEnabled {
		n = 1_000
	}
	start := time.Now()
	ts := newTestServer(t, Config{Systems: n, Seed: 42})
	t.Logf("%d systems ready in %v (%d pre-rendered documents)", n, time.Since(start).Round(time.Millisecond), len(ts.sim.docs))

	start = time.Now()
	list := ts.do("GET", "/redfish/v1/Systems", nil).mustStatus(t, http.StatusOK)
	t.Logf("GET /redfish/v1/Systems: %d bytes in %v", len(list.raw), time.Since(start).Round(time.Microsecond))
	members := list.body["Members"].([]any)
	if len(members) != n || list.body["Members@odata.count"] != float64(n) {
		t.Fatalf("%d members, count %v", len(members), list.body["Members@odata.count"])
	}
	for _, i := range []int{0, 1, n / 2, n - 1} {
		p := members[i].(map[string]any)["@odata.id"].(string)
		if want := fmt.Sprintf("/redfish/v1/Systems/System%d", i+1); p != want {
			t.Errorf("member %d is %s, want %s", i, p, want)
		}
		sys := ts.do("GET", p, nil).mustStatus(t, http.StatusOK)
		cpus := ts.do("GET", p+"/Processors", nil).mustStatus(t, http.StatusOK)
		if sys.body["Id"] != fmt.Sprintf("System%d", i+1) || cpus.body["Members@odata.count"] != get(sys.body, "ProcessorSummary", "Count") {
			t.Errorf("%s: %s", p, sys.raw)
		}
	}
	last := ts.sim.systems[n-1]
	node := ts.allocate(m{"Processors": []any{m{"Resource": m{"@odata.id": last.procs[0].path()}}}})
	if get(ts.do("GET", node, nil).body, "Links", "ComputerSystem", "@odata.id") != last.path() {
		t.Error("could not compose on the last system")
	}
	perDrawer, perRack := 4, 16 // the default layout; the last rack and drawer may be partly filled
	chassis := 1 + n + (n+perDrawer-1)/perDrawer + (n+perRack-1)/perRack
	if got := ts.do("GET", "/redfish/v1/Chassis", nil).body["Members@odata.count"]; got != float64(chassis) {
		t.Errorf("%v chassis, want %d", got, chassis)
	}
}

// BenchmarkSystemGet measures a GET of one system of a 10,000-system pod: "handler" calls
// ServeHTTP directly; "http" goes through a loopback connection with keep-alive.
func BenchmarkSystemGet(b *testing.B) {
	sim, err := New(Config{Systems: 10_000})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("handler", func(b *testing.B) {
		req := httptest.NewRequest("GET", "/redfish/v1/Systems/System5000", nil)
		b.ReportAllocs()
		for b.Loop() {
			w := httptest.NewRecorder()
			sim.ServeHTTP(w, req)
			if w.Code != http.StatusOK {
				b.Fatal(w.Code)
			}
		}
	})
	b.Run("http", func(b *testing.B) {
		srv := httptest.NewServer(sim)
		defer srv.Close()
		c := srv.Client()
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			buf := make([]byte, 8192)
			for pb.Next() {
				resp, err := c.Get(srv.URL + "/redfish/v1/Systems/System5000")
				if err != nil {
					b.Error(err)
					return
				}
				for {
					if _, err := resp.Body.Read(buf); err != nil {
						break
					}
				}
				resp.Body.Close()
			}
		})
	})
}
