package server

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/valence-rsd/valence/api"
	"github.com/valence-rsd/valence/api/apitest"
	"github.com/valence-rsd/valence/internal/rsdsim"
)

// capacity reads a pod manager's capacity through the router, checks the
// answer against api/openapi.yaml and decodes it.
func (f *apiFixture) capacity(t *testing.T, podmID string) api.Capacity {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, f.srv.URL+"/v1/pod_managers/"+podmID+"/capacity", nil)
	req.Header.Set("X-Test-Roles", "admin,member,reader")
	resp, body := f.send(t, req)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET capacity: %d %s", resp.StatusCode, body)
	}
	v, err := apitest.NewValidator()
	if err != nil {
		t.Fatal(err)
	}
	if err := v.ValidateResponse(req, resp.StatusCode, resp.Header, body); err != nil {
		t.Errorf("the answer does not match openapi.yaml: %v", err)
	}
	var c api.Capacity
	if err := json.Unmarshal(body, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestPodManagerCapacityOverHTTP(t *testing.T) {
	f := newAPI(t) // an RSD pod manager of 2 systems
	pm := f.createPodManager(t, "podm1")
	before := f.capacity(t, pm.UUID)
	if before.PodmID != pm.UUID || before.Unit != api.CapacityUnitSystem || before.Systems != (api.Amount{Total: 2, Free: 2}) ||
		before.Cores.Free == 0 || before.Cores.Free != before.Cores.Total || before.MemoryGiB.Free == 0 || before.Warnings == nil {
		t.Errorf("capacity of an unused pod manager: %+v", before)
	}
	f.compose(t, "p1", pm.UUID)
	after := f.capacity(t, pm.UUID)
	if after.Systems != (api.Amount{Total: 2, Free: 1}) || after.Cores.Total != before.Cores.Total || after.Cores.Free >= before.Cores.Free {
		t.Errorf("capacity after a compose: %+v, before %+v", after, before)
	}

	resp, body := f.admin(t, http.MethodGet, "/v1/pod_managers/6f1e1b4e-0000-4000-8000-000000000000/capacity", "")
	checkError(t, resp, body, http.StatusNotFound, "NotFound")
	resp, body = f.call(t, "member,reader", "p1", http.MethodDelete, "/v1/pod_managers/"+pm.UUID+"/capacity", "")
	checkError(t, resp, body, http.StatusMethodNotAllowed, "MethodNotAllowed")
}

func TestPodManagerCapacityInBlocksOverHTTP(t *testing.T) {
	f := newAPIOver(t, rsdsim.Config{Model: rsdsim.ModelDMTF, Racks: 1, DrawersPerRack: 1, SystemsPerDrawer: 2}, Options{})
	pm := f.createPodManager(t, "dmtf")
	c := f.capacity(t, pm.UUID)
	if c.Unit != api.CapacityUnitBlock || c.Systems != (api.Amount{Total: 2, Free: 2}) || c.Cores.Free == 0 || c.StorageGiB.Free == 0 {
		t.Errorf("capacity of an unused DMTF pod manager: %+v", c)
	}
	f.compose(t, "p1", pm.UUID)
	if after := f.capacity(t, pm.UUID); after.Systems != (api.Amount{Total: 2, Free: 1}) || after.Cores.Free >= c.Cores.Free {
		t.Errorf("capacity after a compose: %+v, before %+v", after, c)
	}
}
