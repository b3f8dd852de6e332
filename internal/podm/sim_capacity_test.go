package podm_test

import (
	"context"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/valence-rsd/valence/internal/valence"
)

// rawCapacity counts the simulator's blocks from its raw documents: Compute
// blocks, the cores of Compute and Processor blocks, the memory of Compute
// and Memory blocks, the drives of Storage blocks; free those Unused.
func rawCapacity(t *testing.T, s sim) valence.Capacity {
	t.Helper()
	var c valence.Capacity
	var mib, gib [2]float64
	add := func(a *valence.Amount, n int64, free bool) {
		a.Total += n
		if free {
			a.Free += n
		}
	}
	for _, path := range members(t, s, blocksPath) {
		b := raw(t, s, path)
		free := b["CompositionStatus"].(map[string]any)["CompositionState"] == "Unused"
		var types []string
		for _, x := range b["ResourceBlockType"].([]any) {
			types = append(types, x.(string))
		}
		links := func(key string) []string {
			var out []string
			l, _ := b[key].([]any)
			for _, x := range l {
				out = append(out, x.(map[string]any)["@odata.id"].(string))
			}
			return out
		}
		is := func(kinds ...string) bool {
			return slices.ContainsFunc(kinds, func(k string) bool { return slices.Contains(types, k) })
		}
		if is("Compute") {
			add(&c.Systems, 1, free)
		}
		if is("Compute", "Processor") {
			for _, p := range links("Processors") {
				add(&c.Cores, int64(raw(t, s, p)["TotalCores"].(float64)), free)
			}
		}
		// sum adds the field of the devices linked under key, in units of scale.
		sum := func(to *[2]float64, key, field string, scale float64) {
			for _, d := range links(key) {
				n := raw(t, s, d)[field].(float64) / scale
				to[0] += n
				if free {
					to[1] += n
				}
			}
		}
		if is("Compute", "Memory") {
			sum(&mib, "Memory", "CapacityMiB", 1)
		}
		if is("Storage") {
			sum(&gib, "Drives", "CapacityBytes", 1<<30)
		}
	}
	round := func(x float64) int64 { return int64(math.Round(x)) }
	c.MemoryGiB = valence.Amount{Total: round(mib[0] / 1024), Free: round(mib[1] / 1024)}
	c.StorageGiB = valence.Amount{Total: round(gib[0]), Free: round(gib[1])}
	return c
}

func TestSimBlockCapacity(t *testing.T) {
	s := startDMTF(t)
	conn := connect(t, newConnector(), access(s.srv.URL))
	ctx := context.Background()
	check := func(what string) valence.Capacity {
		t.Helper()
		got, ok, err := conn.BlockCapacity(ctx)
		if err != nil || !ok {
			t.Fatalf("%s: BlockCapacity = %+v, %v, %v", what, got, ok, err)
		}
		want := rawCapacity(t, s)
		if got.Systems != want.Systems || got.Cores != want.Cores || got.MemoryGiB != want.MemoryGiB ||
			got.StorageGiB != want.StorageGiB || len(got.Warnings) != 0 {
			t.Errorf("%s: BlockCapacity = %+v, the simulator's blocks say %+v", what, got, want)
		}
		return got
	}
	before := check("before a compose")
	if before.Systems != (valence.Amount{Total: 4, Free: 4}) || before.Cores.Free == 0 || before.MemoryGiB.Free == 0 || before.StorageGiB.Free == 0 {
		t.Fatalf("an unused pool of 4 blades: %+v", before)
	}

	alloc, err := conn.Allocate(ctx, valence.AllocateRequest{Name: "n1", Processors: []valence.ProcessorReq{{}, {}}})
	if err != nil {
		t.Fatal(err)
	}
	uri := alloc.URI
	during := check("after a compose")
	if during.Systems != (valence.Amount{Total: 4, Free: 3}) || during.Cores.Free >= before.Cores.Free ||
		during.Cores.Total != before.Cores.Total || during.MemoryGiB.Free >= before.MemoryGiB.Free {
		t.Errorf("after a compose of two processors: %+v, before %+v", during, before)
	}

	if err := conn.DeleteNode(ctx, uri); err != nil {
		t.Fatal(err)
	}
	if after := check("after the decompose"); after.Systems != before.Systems || after.Cores != before.Cores {
		t.Errorf("after the decompose: %+v, before %+v", after, before)
	}
}

func TestSimBlockCapacityOnlyInCompositionMode(t *testing.T) {
	eachVersion(t, func(t *testing.T, _ sim, conn valence.PodManagerConn) {
		if c, ok, err := conn.BlockCapacity(context.Background()); ok || err != nil {
			t.Errorf("an RSD pod manager: BlockCapacity = %+v, %v, %v; want not ok", c, ok, err)
		}
	})
	// A DMTF service under the plain Redfish driver does not compose either.
	s := startDMTF(t)
	a := access(s.srv.URL)
	a.Driver = valence.DriverRedfish
	if c, ok, err := connect(t, newConnector(), a).BlockCapacity(context.Background()); ok || err != nil {
		t.Errorf("the redfish driver: BlockCapacity = %+v, %v, %v; want not ok", c, ok, err)
	}
}

func TestSimBlockCapacityWarnsOfDevicesNotRead(t *testing.T) {
	s := startDMTF(t)
	cpu, _ := raw(t, s, blocksPath+"/Compute1")["Processors"].([]any)
	if len(cpu) == 0 {
		t.Fatal("Compute1 has no processors")
	}
	lost := cpu[0].(map[string]any)["@odata.id"].(string)
	want := rawCapacity(t, s)
	want.Cores.Total -= int64(raw(t, s, lost)["TotalCores"].(float64))
	// The simulator, with one processor that always fails.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == lost {
			http.Error(w, `{"error":{"code":"Base.1.8.GeneralError","message":"broken"}}`, http.StatusInternalServerError)
			return
		}
		s.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	got, ok, err := connect(t, newConnector(), access(srv.URL)).BlockCapacity(context.Background())
	if err != nil || !ok {
		t.Fatalf("BlockCapacity = %+v, %v, %v", got, ok, err)
	}
	if got.Cores.Total != want.Cores.Total || got.Systems != want.Systems || got.MemoryGiB != want.MemoryGiB ||
		!slices.Equal(got.Warnings, []string{"ResourceBlock Compute1: 1 of its devices could not be read and count as 0."}) {
		t.Errorf("BlockCapacity = %+v; want cores %+v and a warning about Compute1", got, want.Cores)
	}
}
