package functional

import (
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/valence-rsd/valence/api"
)

// dmtfSim is a DMTF composition service of 4 blades in 2 racks (zones), so 4
// Compute blocks.
var dmtfSim = []string{"--model", "dmtf", "--racks", "2", "--drawers", "1", "--systems-per-drawer", "2", "--seed", "3"}

const dmtfBlocks = "/redfish/v1/CompositionService/ResourceBlocks"

// blocks returns the resource blocks a composed system of the simulator links.
func (s *simulator) blocks(t *testing.T, system string) []string {
	t.Helper()
	status, body := s.call(t, http.MethodGet, system, "")
	if status != http.StatusOK {
		t.Fatalf("simulator GET %s: %d %s", system, status, body)
	}
	var sys struct {
		Links struct{ ResourceBlocks []api.ODataRef }
	}
	decodeJSON(t, body, &sys)
	var out []string
	for _, r := range sys.Links.ResourceBlocks {
		out = append(out, r.ODataID)
	}
	return out
}

// composed returns the simulator's composed systems.
func (s *simulator) composed(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, m := range s.members(t, "/redfish/v1/Systems") {
		_, b := s.call(t, http.MethodGet, m, "")
		var sys struct{ SystemType string }
		decodeJSON(t, b, &sys)
		if sys.SystemType == "Composed" {
			out = append(out, m)
		}
	}
	return out
}

// simBlock is a resource block of the simulator, as its Redfish document says.
type simBlock struct {
	path  string
	types []string
	state string // CompositionStatus.CompositionState
}

// pool returns the simulator's resource blocks.
func (s *simulator) pool(t *testing.T) []simBlock {
	t.Helper()
	var out []simBlock
	for _, m := range s.members(t, dmtfBlocks) {
		_, b := s.call(t, http.MethodGet, m, "")
		var blk struct {
			ResourceBlockType []string
			CompositionStatus struct{ CompositionState string }
		}
		decodeJSON(t, b, &blk)
		out = append(out, simBlock{m, blk.ResourceBlockType, blk.CompositionStatus.CompositionState})
	}
	return out
}

// usedBlocks returns the simulator's blocks that are not Unused.
func (s *simulator) usedBlocks(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, b := range s.pool(t) {
		if b.state != "Unused" {
			out = append(out, b.path)
		}
	}
	return out
}

// computeBlocks returns the simulator's Compute blocks.
func (s *simulator) computeBlocks(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, b := range s.pool(t) {
		if slices.Contains(b.types, "Compute") {
			out = append(out, b.path)
		}
	}
	return out
}

// freeCompute returns a Compute block of the simulator that is Unused.
func (s *simulator) freeCompute(t *testing.T) string {
	t.Helper()
	for _, b := range s.pool(t) {
		if slices.Contains(b.types, "Compute") && b.state == "Unused" {
			return b.path
		}
	}
	t.Fatal("the simulator has no free Compute block")
	return ""
}

// testDMTFNodes: what only a DMTF composition service (rsd-simulator --model
// dmtf) shows of the node operations, which the scenarios of eachModel run
// on it as on RSD: the blocks a compose by properties and by flavor takes,
// the composed system listed as the node's, a 409 for what the blocks cannot
// give that takes none, concurrent composes on disjoint blocks, decompose
// freeing every block, and the capacity in blocks throughout.
func testDMTFNodes(t *testing.T, b backend) {
	e := newEnv(t, b, setup{sims: [][]string{dmtfSim}})
	c, sim, pm := e.api.client, e.sims[0], e.podms[0]
	if !slices.Contains(pm.Capabilities, "compose") {
		t.Fatalf("DMTF pod manager registered without compose: %+v", pm)
	}
	free := c.capacity(t, pm.UUID)
	if free.Unit != api.CapacityUnitBlock || free.Systems != (api.Amount{Total: 4, Free: 4}) || free.Cores.Free != free.Cores.Total ||
		free.MemoryGiB.Free == 0 || free.StorageGiB.Free == 0 || len(free.Warnings) != 0 {
		t.Errorf("capacity of an unused pool of 4 Compute blocks: %+v", free)
	}
	n1 := e.api.compose(t, `{"name":"n1","podm_id":"`+pm.UUID+`","properties":{"processor":{"total_cores":"2","count":2},"memory":{"capacity_mib":1024}}}`)
	if n1.NodeState != api.NodeAssembled || !strings.HasPrefix(n1.ResourceURI, "/redfish/v1/Systems/") || n1.Index == "" {
		t.Errorf("composed node: %+v", n1)
	}
	flavor := decodeAs[api.Flavor](t, c.create(t, "/v1/flavors", `{"name":"f","properties":{"processor":{"total_cores":"1"}}}`))
	n2 := e.api.compose(t, api.NodeCompose{Name: "n2", PodmID: pm.UUID, FlavorID: flavor.UUID})
	b1, b2 := sim.blocks(t, n1.ResourceURI), sim.blocks(t, n2.ResourceURI)
	if len(b1) < 2 || len(b2) == 0 || slices.ContainsFunc(b1, func(b string) bool { return slices.Contains(b2, b) }) {
		t.Errorf("blocks of n1 %v and n2 %v: want 2+ for two processors, and none shared", b1, b2)
	}
	lessFree(t, "after two composes", free, c.capacity(t, pm.UUID), 2)

	d := decodeAs[api.NodeDetail](t, c.get(t, http.StatusOK, "/v1/nodes/"+n1.UUID))
	if d.ComputerSystem == nil || d.ComputerSystem.ODataID != n1.ResourceURI || d.Metadata == nil ||
		len(d.Metadata.Processor) < 2 || len(d.Metadata.Memory) == 0 || d.PodmStatus != api.PodManagerOnline {
		t.Errorf("GET /v1/nodes/%s: %+v", n1.UUID, d)
	}

	// The composed system is listed as the node's, and is powered only through it.
	systems := decodeAs[[]api.System](t, c.get(t, http.StatusOK, "/v1/systems"))
	i := slices.IndexFunc(systems, func(s api.System) bool { return s.ResourceURI == n1.ResourceURI })
	if i < 0 || systems[i].ComposedNode == nil || *systems[i].ComposedNode != n1.UUID {
		t.Fatalf("the system of node %s in /v1/systems: %+v", n1.UUID, systems)
	}
	refusal := c.failure(t, http.StatusConflict, "Conflict", http.MethodPut, "/v1/systems/"+systems[i].UUID+"/states/power", api.PowerTarget{Target: api.PowerTargetOn})
	if !strings.Contains(refusal.Detail, n1.UUID) {
		t.Errorf("power of the node's system: the refusal does not name the node: %s", refusal.Detail)
	}

	used := sim.usedBlocks(t)
	refused := c.failure(t, http.StatusConflict, "Conflict", http.MethodPost, "/v1/nodes", `{"name":"huge","properties":`+impossible+`}`)
	if !strings.Contains(refused.Detail, "processor.total_cores 16384") {
		t.Errorf("unsatisfiable compose: detail %q does not name the cores", refused.Detail)
	}
	if after := sim.usedBlocks(t); !slices.Equal(after, used) {
		t.Errorf("a refused compose changed the blocks in use: %v, then %v", used, after)
	}

	// The two Compute blocks left go one to each of two concurrent composes.
	var wg sync.WaitGroup
	concurrent := make([]api.Node, 2)
	for i := range concurrent {
		wg.Go(func() {
			concurrent[i] = e.api.compose(t, `{"name":"c","properties":{"processor":{"total_cores":"1"}}}`)
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	owner := map[string]string{}
	for _, n := range append([]api.Node{n1, n2}, concurrent...) {
		for _, b := range sim.blocks(t, n.ResourceURI) {
			if o, ok := owner[b]; ok {
				t.Errorf("block %s in %s and %s", b, o, n.ResourceURI)
			}
			owner[b] = n.ResourceURI
		}
	}

	for _, n := range append([]api.Node{n1, n2}, concurrent...) {
		c.deleted(t, "/v1/nodes/"+n.UUID)
		if status, _ := sim.call(t, http.MethodGet, n.ResourceURI, ""); status != http.StatusNotFound {
			t.Errorf("decomposed %s: GET on the simulator %d", n.ResourceURI, status)
		}
	}
	if used := sim.usedBlocks(t); len(used) != 0 {
		t.Errorf("blocks still in use after every decompose: %v", used)
	}
	if again := c.capacity(t, pm.UUID); again.Systems != free.Systems || again.Cores != free.Cores ||
		again.MemoryGiB != free.MemoryGiB || again.StorageGiB != free.StorageGiB {
		t.Errorf("capacity after every decompose: %+v, before the composes %+v", again, free)
	}
}
