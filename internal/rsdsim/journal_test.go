package rsdsim

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"
)

// A simulator that replays another's journal shows the same nodes, states,
// power and volumes, as a Pod Manager restarted on its database does; what
// failed or only read is not journaled.
func TestJournalReplay(t *testing.T) {
	var journal bytes.Buffer
	cfg := Config{Seed: 7, Username: "admin", Password: "pw", AssembleDelay: time.Hour}
	ts := newTestServer(t, Config{Seed: 7, Username: "admin", Password: "pw", AssembleDelay: time.Hour, Journal: &journal})
	ts.do("POST", "/redfish/v1/SessionService/Sessions", m{"UserName": "admin", "Password": "pw"}).mustStatus(t, 201)
	a := ts.allocate(m{"Name": "a"})
	b := ts.allocate(m{"Name": "b", "RemoteDrives": []any{m{"CapacityGiB": 10}}})
	c := ts.allocate(m{"Name": "c"})
	ts.do("POST", a+"/Actions/ComposedNode.Assemble", nil).mustStatus(t, 204)
	ts.do("POST", c+"/Actions/ComposedNode.Assemble", nil).mustStatus(t, 204) // pending at the restart
	ts.sim.finishAssembly(ts.sim.nodes[strings.TrimPrefix(a, nodesPath+"/")], stateAssembled)
	ts.do("POST", a+"/Actions/ComposedNode.Reset", m{"ResetType": "On"}).mustStatus(t, 204)
	ts.do("DELETE", b, nil).mustStatus(t, 204)
	ts.do("POST", "/redfish/v1/Nodes/Actions/Allocate", m{"TotalSystemCoreCount": 1 << 20}).mustStatus(t, 409)
	ts.sim.SetFaults(Faults{ErrorRate: map[string]float64{OpAll: 1}})
	ts.do("POST", "/redfish/v1/Nodes/Actions/Allocate", m{}).mustStatus(t, 500)
	ts.sim.SetFaults(Faults{})
	d := ts.allocate(m{"Name": "d"})
	if n := strings.Count(journal.String(), "\n"); n != 8 {
		t.Errorf("journal of %d lines, want 8 (4 allocates, 2 assembles, 1 reset, 1 delete):\n%s", n, journal.String())
	}
	ts.do("GET", b, nil).mustStatus(t, http.StatusNotFound)

	again := newTestServer(t, cfg)
	if err := again.sim.Replay(bytes.NewReader(journal.Bytes())); err != nil {
		t.Fatalf("Replay: %v", err)
	}
	for _, path := range []string{nodesPath, a, c, d, volumes23} {
		before, after := ts.do("GET", path, nil).mustStatus(t, 200), again.do("GET", path, nil).mustStatus(t, 200)
		for _, key := range []string{"Members@odata.count", "Name", "PowerState"} {
			if get(before.body, key) != get(after.body, key) {
				t.Errorf("%s %s: %v before the restart, %v after", path, key, get(before.body, key), get(after.body, key))
			}
		}
	}
	again.do("GET", b, nil).mustStatus(t, http.StatusNotFound)
	if got := get(again.do("GET", c, nil).body, "ComposedNodeState"); got != stateAssembled {
		t.Errorf("node assembling at the restart is %v after it, want Assembled", got)
	}
	if got := get(again.do("GET", a, nil).body, "PowerState"); got != "On" {
		t.Errorf("node powered on is %v after the restart", got)
	}
	// Ids go on from where they were.
	if e := again.allocate(m{}); e != nodesPath+"/5" {
		t.Errorf("next node after the restart is %s, want %s/5", e, nodesPath)
	}
	if err := newTestServer(t, Config{Seed: 7, Systems: 1, Username: "admin", Password: "pw"}).sim.Replay(bytes.NewReader(journal.Bytes())); err == nil {
		t.Errorf("Replay of a journal on another inventory succeeded")
	}
}
