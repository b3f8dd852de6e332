package functional

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/valence-rsd/valence/api"
)

// testPodManagerOffline stops one of two simulators and checks what each
// endpoint then says about its pod manager.
func testPodManagerOffline(t *testing.T, b backend) {
	e := newEnv(t, b, setup{sims: [][]string{{"--systems", "2", "--seed", "1"}, {"--systems", "2", "--seed", "2"}}})
	c := e.api.client
	down, up := e.podms[0], e.podms[1]
	n := e.api.compose(t, api.NodeCompose{Name: "stranded", PodmID: down.UUID})

	e.sims[0].proc.stop(t)

	waitStatus(t, c, down, api.PodManagerOffline)
	if pm := decodeAs[api.PodManager](t, c.get(t, http.StatusOK, "/v1/pod_managers/"+up.UUID)); pm.Status != api.PodManagerOnline {
		t.Errorf("the other pod manager is %s", pm.Status)
	}

	// Lists still answer, without its items, and say so.
	for _, coll := range []string{"/v1/systems", "/v1/racks", "/v1/storages"} {
		r := c.get(t, http.StatusOK, coll)
		if w := strings.Join(r.header.Values("Warning"), "\n"); !strings.Contains(w, down.Name) || strings.Contains(w, up.Name) {
			t.Errorf("GET %s: Warning %q, want one naming %s only", coll, w, down.Name)
		}
		var items []struct {
			PodmID string `json:"podm_id"`
		}
		r.decode(t, &items)
		if len(items) == 0 {
			t.Errorf("GET %s: nothing of the pod manager still up", coll)
		}
		for _, it := range items {
			if it.PodmID != up.UUID {
				t.Errorf("GET %s: an item of %s", coll, it.PodmID)
			}
		}
	}

	// Its node shows the stored fields with the states Unknown.
	d := decodeAs[api.NodeDetail](t, c.get(t, http.StatusOK, "/v1/nodes/"+n.UUID))
	if d.UUID != n.UUID || d.Name != n.Name || d.NodeState != api.NodeUnknown || d.NodePowerState != api.PowerUnknown ||
		d.PodmStatus != api.PodManagerOffline {
		t.Errorf("node of an offline pod manager: %+v", d)
	}
	if s := decodeAs[api.NodeStates](t, c.get(t, http.StatusOK, "/v1/nodes/"+n.UUID+"/states")); s.PowerState != api.PowerUnknown || s.NodeState != api.NodeUnknown {
		t.Errorf("states of a node of an offline pod manager: %+v", s)
	}
	if got := decodeAs[[]api.Node](t, c.get(t, http.StatusOK, "/v1/nodes")); len(got) != 1 {
		t.Errorf("GET /v1/nodes (from the store): %v", uuids(got))
	}

	c.failure(t, http.StatusServiceUnavailable, "PodManagerUnavailable", http.MethodPost, "/v1/nodes", api.NodeCompose{Name: "nowhere", PodmID: down.UUID})
	c.failure(t, http.StatusServiceUnavailable, "PodManagerUnavailable", http.MethodPost, "/v1/nodes/"+n.UUID+"/action", `{"Reset":{"Type":"On"}}`)
	c.failure(t, http.StatusServiceUnavailable, "PodManagerUnavailable", http.MethodPost, "/v1/nodes/manage", api.NodeManage{NodeIndex: n.Index, PodmID: down.UUID})
	c.failure(t, http.StatusServiceUnavailable, "PodManagerUnavailable", http.MethodGet, "/v1/pod_managers/"+down.UUID+"/capacity", nil)
	// A decompose that cannot reach the pod manager keeps the record.
	c.failure(t, http.StatusServiceUnavailable, "PodManagerUnavailable", http.MethodDelete, "/v1/nodes/"+n.UUID, nil)
	c.get(t, http.StatusOK, "/v1/nodes/"+n.UUID)
	// Without podm_id the compose goes where it can.
	if got := e.api.compose(t, api.NodeCompose{Name: "elsewhere"}); got.PodmID != up.UUID {
		t.Errorf("compose without podm_id while %s is offline went to %s", down.Name, got.PodmID)
	}
}

// testComposeRollback makes the simulator fail every assembly and checks
// that a failed compose leaves nothing behind.
func testComposeRollback(t *testing.T, b backend) {
	e := newEnv(t, b, setup{sims: [][]string{{"--systems", "2"}}})
	c, sim, pm := e.api.client, e.sims[0], e.podms[0]

	sim.setFaults(t, `{"fail_assembly":true}`)
	c.failure(t, http.StatusBadGateway, "PodManagerError", http.MethodPost, "/v1/nodes", api.NodeCompose{Name: "doomed", PodmID: pm.UUID})
	if left := sim.nodes(t); len(left) != 0 {
		t.Errorf("failed compose left nodes on the simulator: %v", left)
	}
	if got := decodeAs[[]api.Node](t, c.get(t, http.StatusOK, "/v1/nodes")); len(got) != 0 {
		t.Errorf("failed compose left records: %v", uuids(got))
	}
	metrics := string(c.get(t, http.StatusOK, "/metrics").body)
	for _, name := range []string{"valence_compose_failures_total{", "valence_podm_errors_total{"} {
		if !strings.Contains(metrics, "\n"+name) {
			t.Errorf("GET /metrics after a failed compose: no %s", name)
		}
	}

	// Both systems are free again.
	sim.setFaults(t, `{}`)
	e.api.compose(t, api.NodeCompose{Name: "fine-1", PodmID: pm.UUID})
	e.api.compose(t, api.NodeCompose{Name: "fine-2", PodmID: pm.UUID})
}

// testComposeTimeout composes on a simulator that assembles slower than
// VALENCE_COMPOSE_TIMEOUT allows.
func testComposeTimeout(t *testing.T, b backend) {
	const limit = 2 * time.Second
	e := newEnv(t, b, setup{
		sims:   [][]string{{"--systems", "2", "--assemble-delay", (3 * limit).String()}},
		apiEnv: []string{"VALENCE_COMPOSE_TIMEOUT=" + limit.String()},
	})
	c, sim, pm := e.api.client, e.sims[0], e.podms[0]

	start := time.Now()
	c.failure(t, http.StatusGatewayTimeout, "Timeout", http.MethodPost, "/v1/nodes", api.NodeCompose{Name: "slow", PodmID: pm.UUID})
	if took := time.Since(start); took < limit || took > 3*limit {
		t.Errorf("the compose timed out after %s, want about %s", took, limit)
	}
	if left := sim.nodes(t); len(left) != 0 {
		t.Errorf("timed-out compose left nodes on the simulator: %v", left)
	}
	if got := decodeAs[[]api.Node](t, c.get(t, http.StatusOK, "/v1/nodes")); len(got) != 0 {
		t.Errorf("timed-out compose left records: %v", uuids(got))
	}
}

// testConcurrentCompose races more composes than there are free systems:
// on one pod manager, then without podm_id over two.
func testConcurrentCompose(t *testing.T, b backend) {
	e := newEnv(t, b, setup{sims: [][]string{{"--systems", "2"}, {"--systems", "1"}, {"--systems", "1"}}})
	c := e.api.client

	won := raceComposes(t, c, 6, e.podms[0].UUID)
	if len(won) != 2 || len(e.sims[0].nodes(t)) != 2 {
		t.Errorf("on a pod manager with 2 free systems: %d composes succeeded, %d nodes on the simulator", len(won), len(e.sims[0].nodes(t)))
	}
	// Without podm_id the server tries the other pod managers in turn.
	more := raceComposes(t, c, 5, "")
	if len(more) != 2 || len(e.sims[1].nodes(t)) != 1 || len(e.sims[2].nodes(t)) != 1 {
		t.Errorf("over two pod managers with 1 free system each: %d composes succeeded, %d and %d nodes on the simulators",
			len(more), len(e.sims[1].nodes(t)), len(e.sims[2].nodes(t)))
	}
	if got := decodeAs[[]api.Node](t, c.get(t, http.StatusOK, "/v1/nodes")); !sameSet(uuids(got), append(won, more...)) {
		t.Errorf("GET /v1/nodes: %v, the composes answered %v", uuids(got), append(won, more...))
	}
}

// raceComposes sends n composes at once (on podmID, or without one) and
// returns the uuids of the nodes composed; every other answer must be a
// clean 409.
func raceComposes(t *testing.T, c *client, n int, podmID string) []string {
	t.Helper()
	results := make([]response, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			results[i] = c.do(t, http.MethodPost, "/v1/nodes", api.NodeCompose{Name: fmt.Sprintf("racer-%s-%d", podmID, i), PodmID: podmID})
		})
	}
	wg.Wait()
	var won []string
	for i, r := range results {
		switch r.status {
		case http.StatusCreated:
			won = append(won, decodeAs[api.Node](t, r).UUID)
		case http.StatusConflict:
			if e := decodeAs[api.Error](t, r); e.Code != "Conflict" || e.Detail == "" {
				t.Errorf("racer %d: 409 with %s", i, r.body)
			}
		default:
			t.Errorf("racer %d: %d %s, want 201 or 409", i, r.status, r.body)
		}
	}
	return won
}

// testPodManagerErrors makes the simulator fail one operation at a time
// (HTTP 500 with a Redfish error) and checks that each is a 502 carrying the
// pod manager's explanation, and that nothing is half done.
func testPodManagerErrors(t *testing.T, b backend) {
	e := newEnv(t, b, setup{sims: [][]string{{"--systems", "2"}}})
	c, sim, pm := e.api.client, e.sims[0], e.podms[0]
	n := c.compose(t, api.NodeCompose{Name: "steady", PodmID: pm.UUID})
	fail := func(op string) {
		t.Helper()
		sim.setFaults(t, `{"error_rate":{"`+op+`":1},"error_status":500}`)
	}
	explained := func(e api.Error, op string) {
		t.Helper()
		if !strings.Contains(e.Detail+strings.Join(e.ExtendedInfo, " "), "operation "+op) {
			t.Errorf("%s failed without the pod manager's explanation: %+v", op, e)
		}
	}

	fail("allocate")
	explained(c.failure(t, http.StatusBadGateway, "PodManagerError", http.MethodPost, "/v1/nodes", api.NodeCompose{Name: "x", PodmID: pm.UUID}), "allocate")
	if got := decodeAs[[]api.Node](t, c.get(t, http.StatusOK, "/v1/nodes")); len(got) != 1 || len(sim.nodes(t)) != 1 {
		t.Errorf("after a failed Allocate: %d records, %d nodes on the simulator, want 1 and 1", len(got), len(sim.nodes(t)))
	}
	fail("reset")
	explained(c.failure(t, http.StatusBadGateway, "PodManagerError", http.MethodPost, "/v1/nodes/"+n.UUID+"/action", `{"Reset":{"Type":"On"}}`), "reset")
	fail("volume")
	explained(c.failure(t, http.StatusBadGateway, "PodManagerError", http.MethodPost, "/v1/storages", api.StorageCreate{PodmID: pm.UUID, CapacityGiB: 1}), "volume")
	fail("delete")
	explained(c.failure(t, http.StatusBadGateway, "PodManagerError", http.MethodDelete, "/v1/nodes/"+n.UUID, nil), "delete")
	// A decompose the pod manager refused leaves the node managed.
	if d := decodeAs[api.NodeDetail](t, c.get(t, http.StatusOK, "/v1/nodes/"+n.UUID)); d.NodeState != api.NodeAssembled {
		t.Errorf("node after a refused decompose: %+v", d)
	}
	sim.setFaults(t, `{}`)
	c.deleted(t, "/v1/nodes/"+n.UUID)
	if left := sim.nodes(t); len(left) != 0 {
		t.Errorf("nodes left on the simulator: %v", left)
	}
}

// testPodManagerHang makes the simulator hold every request: reads give up
// after VALENCE_PODM_TIMEOUT and answer with what they have.
func testPodManagerHang(t *testing.T, b backend) {
	const podmTimeout = time.Second
	e := newEnv(t, b, setup{
		sims:   [][]string{{"--systems", "2", "--seed", "1"}, {"--systems", "2", "--seed", "2"}},
		apiEnv: []string{"VALENCE_PODM_TIMEOUT=" + podmTimeout.String()},
	})
	c, hung, up := e.api.client, e.podms[0], e.podms[1]
	n := c.compose(t, api.NodeCompose{Name: "held", PodmID: hung.UUID})
	e.sims[0].setFaults(t, `{"down":"hang"}`)
	defer e.sims[0].setFaults(t, `{}`)

	start := time.Now()
	d := decodeAs[api.NodeDetail](t, c.get(t, http.StatusOK, "/v1/nodes/"+n.UUID))
	if d.NodeState != api.NodeUnknown || d.NodePowerState != api.PowerUnknown || d.PodmStatus != api.PodManagerOffline {
		t.Errorf("node of a hanging pod manager: %+v", d)
	}
	r := c.get(t, http.StatusOK, "/v1/systems")
	if w := strings.Join(r.header.Values("Warning"), "\n"); !strings.Contains(w, hung.Name) {
		t.Errorf("GET /v1/systems: Warning %q does not name %s", w, hung.Name)
	}
	for _, s := range decodeAs[[]api.System](t, r) {
		if s.PodmID != up.UUID {
			t.Errorf("a system of the hanging pod manager: %+v", s)
		}
	}
	if took := time.Since(start); took > 4*podmTimeout+2*time.Second {
		t.Errorf("two reads took %s with VALENCE_PODM_TIMEOUT=%s", took, podmTimeout)
	}
}
