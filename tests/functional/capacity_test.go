package functional

import (
	"math"
	"net/http"
	"testing"

	"github.com/valence-rsd/valence/api"
)

// capacity reads GET /v1/pod_managers/{podmID}/capacity.
func (c *client) capacity(t *testing.T, podmID string) api.Capacity {
	t.Helper()
	return decodeAs[api.Capacity](t, c.get(t, http.StatusOK, "/v1/pod_managers/"+podmID+"/capacity"))
}

// systemCapacity reads the capacity of an RSD pod manager and checks it
// against its /v1/systems: every system counted, free those with no
// composed_node, cores, memory and storage summed alike.
func (c *client) systemCapacity(t *testing.T, podmID string) api.Capacity {
	t.Helper()
	got := c.capacity(t, podmID)
	want := api.Capacity{PodmID: podmID, Unit: api.CapacityUnitSystem}
	var ram, storage [2]float64
	for _, s := range decodeAs[[]api.System](t, c.get(t, http.StatusOK, "/v1/systems?podm_id="+podmID)) {
		free := s.ComposedNode == nil
		want.Systems.Total++
		want.Cores.Total += int64(s.CPU.Cores)
		ram[0] += s.RAM
		storage[0] += s.Storage
		if free {
			want.Systems.Free++
			want.Cores.Free += int64(s.CPU.Cores)
			ram[1] += s.RAM
			storage[1] += s.Storage
		}
	}
	round := func(x float64) int64 { return int64(math.Round(x)) }
	want.MemoryGiB = api.Amount{Total: round(ram[0]), Free: round(ram[1])}
	want.StorageGiB = api.Amount{Total: round(storage[0]), Free: round(storage[1])}
	if got.PodmID != want.PodmID || got.Unit != want.Unit || got.Systems != want.Systems || got.Cores != want.Cores ||
		got.MemoryGiB != want.MemoryGiB || got.StorageGiB != want.StorageGiB || len(got.Warnings) != 0 {
		t.Errorf("capacity of %s: %+v; /v1/systems says %+v", podmID, got, want)
	}
	return got
}

// lessFree fails unless after has fewer free systems and cores than before,
// the same totals, and n fewer free systems.
func lessFree(t *testing.T, what string, before, after api.Capacity, n int64) {
	t.Helper()
	if after.Systems.Free != before.Systems.Free-n || after.Cores.Free >= before.Cores.Free ||
		after.Systems.Total != before.Systems.Total || after.Cores.Total != before.Cores.Total ||
		after.MemoryGiB.Total != before.MemoryGiB.Total || after.StorageGiB.Total != before.StorageGiB.Total {
		t.Errorf("capacity %s: %+v, before %+v; want %d fewer free, the same totals", what, after, before, n)
	}
}
