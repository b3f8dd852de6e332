package functional

import (
	"net/http"
	"testing"

	"github.com/valence-rsd/valence/api"
)

// testRestart stops valence-api and starts another on the same store: the
// records survive, volume ids stay the same, and the new server drives the
// pod manager with the stored credentials.
func testRestart(t *testing.T, b backend) {
	sim := startSimulator(t, "--systems", "2")
	store := b.storeEnv(t)
	first := runAPI(t, store...)
	pm := first.register(t, "podm1", sim.url)
	flavor := decodeAs[api.Flavor](t, first.create(t, "/v1/flavors", smallFlavor))
	n := first.compose(t, api.NodeCompose{Name: "survivor", PodmID: pm.UUID})
	first.create(t, "/v1/storages", api.StorageCreate{PodmID: pm.UUID, CapacityGiB: 5, Name: "kept"})
	paths := []string{"/v1/pod_managers", "/v1/flavors", "/v1/flavors/" + flavor.UUID, "/v1/nodes", "/v1/storages",
		"/v1/nodes/" + n.UUID + "/states"}
	before := map[string]string{}
	for _, p := range paths {
		before[p] = string(first.get(t, http.StatusOK, p).body)
	}
	first.stop(t)

	second := runAPI(t, store...)
	for _, p := range paths {
		if after := string(second.get(t, http.StatusOK, p).body); after != before[p] {
			t.Errorf("GET %s after a restart:\n%s\nbefore:\n%s", p, after, before[p])
		}
	}
	second.expect(t, http.StatusNoContent, http.MethodPut, "/v1/nodes/"+n.UUID+"/states/power", api.PowerTarget{Target: api.PowerTargetOn})
	second.deleted(t, "/v1/nodes/"+n.UUID)
	if left := sim.nodes(t); len(left) != 0 {
		t.Errorf("node decomposed by the restarted server still on the simulator: %v", left)
	}
}
