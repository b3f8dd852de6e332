package functional

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/valence-rsd/valence/api"
)

// testInventoryStale: a system asked for before any list is read alone by
// its path and is the system the list gives, Location included; past
// VALENCE_INVENTORY_TTL a pod manager whose refresh fails still has its
// systems listed, named in a Warning, until it answers again.
func testInventoryStale(t *testing.T, b backend) {
	e := newEnv(t, b, setup{sims: [][]string{{"--systems", "4"}},
		apiEnv: []string{"VALENCE_INVENTORY_TTL=500ms", "VALENCE_INVENTORY_MAX_STALE=10m"}})
	c := e.api.client
	pm, sim := e.podms[0], e.sims[0]

	one := decodeAs[api.System](t, c.get(t, http.StatusOK, "/v1/systems/System3"))
	listed := decodeAs[[]api.System](t, c.get(t, http.StatusOK, "/v1/systems"))
	if len(listed) != 4 {
		t.Fatalf("%d systems, want 4", len(listed))
	}
	for _, s := range listed {
		if s.ID == "System3" && (s.UUID != one.UUID || s.Location == "" || s.Location != one.Location || s.CPU != one.CPU || s.PodmID != pm.UUID) {
			t.Errorf("System3 read alone: %+v\nlisted: %+v", one, s)
		}
	}

	const warning = "did not answer a refresh"
	warned := func() bool {
		t.Helper()
		r := c.do(t, http.MethodGet, "/v1/systems", nil)
		var systems []api.System
		decodeJSON(t, r.body, &systems)
		if r.status != http.StatusOK || len(systems) != 4 {
			t.Fatalf("GET /v1/systems while the pod manager fails: %d, %d systems; want 200 and the 4 of the last read", r.status, len(systems))
		}
		return strings.Contains(strings.Join(r.header.Values("Warning"), "\n"), warning)
	}
	// until polls cond for at most a minute: the refresh runs in the
	// background, so when it ends is not the test's to say.
	until := func(what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(time.Minute); !cond(); time.Sleep(100 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("no %s within a minute", what)
			}
		}
	}
	sim.setFaults(t, `{"error_rate":{"get":1},"error_status":500}`)
	until("Warning naming the failed refresh", warned)
	sim.setFaults(t, `{}`)
	until("answer without that Warning once the pod manager answers", func() bool { return !warned() })
}
