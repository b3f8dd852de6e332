package redfish_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stmcginnis/gofish/schemas"

	"github.com/valence-rsd/valence/internal/rsdsim"
	"github.com/valence-rsd/valence/redfish"
)

// DMTF composability against the simulator's DMTF model, in-process.

func startDMTFSim(t *testing.T) *redfish.Client {
	t.Helper()
	sim, err := rsdsim.New(rsdsim.Config{Model: rsdsim.ModelDMTF, Racks: 2, DrawersPerRack: 2, SystemsPerDrawer: 2,
		Seed: 7, Username: simUser, Password: simPass})
	if err != nil {
		t.Fatal(err)
	}
	return simClient(t, serve(t, sim), redfish.AuthAuto)
}

func TestSimDMTFDetectAndPool(t *testing.T) {
	ctx := context.Background()
	c := startDMTFSim(t)
	if info := c.Info(); !info.Has(redfish.CapComposition) || info.Has(redfish.CapCompose) || info.IsRSD() || !info.Has(redfish.CapSessions) {
		t.Fatalf("detected %+v", info)
	}
	comp, err := c.Composition(ctx)
	if err != nil {
		t.Fatal(err)
	}
	spec, okSpec := comp.Capability(redfish.UseCaseSpecific)
	_, okCons := comp.Capability(redfish.UseCaseConstrained)
	if !comp.CanCompose() || !okSpec || !okCons || len(spec.RelatedItems) != 2 {
		t.Fatalf("composition %+v", comp)
	}
	limits, err := c.BlockLimits(ctx, spec.CapabilitiesObject)
	if err != nil || limits.MinCompute == nil || *limits.MinCompute != 1 || limits.MaxCompute == nil || *limits.MaxCompute != 1 {
		t.Fatalf("BlockLimits %+v, %v", limits, err)
	}
	blocks, err := c.ResourceBlocks(ctx, comp.Service)
	if err != nil {
		t.Fatal(err)
	}
	zones, err := c.ResourceZones(ctx, comp.Service)
	if err != nil || len(zones) != 2 {
		t.Fatalf("zones %+v, %v", zones, err)
	}
	inZones := 0
	for _, z := range zones {
		inZones += len(z.ResourceBlocks)
	}
	computes := 0
	for _, b := range blocks {
		if !b.Free() || len(b.Zones) != 1 || len(b.Chassis) != 1 || b.MaxCompositions != 1 || b.NumberOfCompositions != 0 {
			t.Errorf("block %+v", b)
		}
		if b.Has(schemas.ComputeResourceBlockType) {
			computes++
			if len(b.Processors) == 0 || len(b.Memory) == 0 {
				t.Errorf("Compute block without processors or memory: %+v", b)
			}
		}
	}
	if computes != 8 || inZones != len(blocks) {
		t.Errorf("%d Compute blocks (want 8), %d blocks in zones of %d", computes, inZones, len(blocks))
	}
}

func TestSimDMTFComposeInventoryPowerDecompose(t *testing.T) {
	ctx := context.Background()
	c := startDMTFSim(t)
	comp, err := c.Composition(ctx)
	if err != nil {
		t.Fatal(err)
	}
	blocks, err := c.ResourceBlocks(ctx, comp.Service)
	if err != nil {
		t.Fatal(err)
	}
	// Compute1 and the other free blocks of its zone that are not Compute.
	var chosen []string
	zone := ""
	for _, b := range blocks {
		if b.ID == "Compute1" {
			zone = b.Zones[0]
		}
	}
	for _, b := range blocks {
		if b.Zones[0] == zone && (b.ID == "Compute1" || strings.HasPrefix(b.ID, "Drive1-") || strings.HasPrefix(b.ID, "Network1-")) {
			chosen = append(chosen, b.URI)
		}
	}
	uri, err := c.ComposeSystem(ctx, redfish.ComposeRequest{Name: "web-1", Blocks: chosen})
	if err != nil {
		t.Fatal(err)
	}
	sys, err := c.GetComposedSystem(ctx, uri)
	if err != nil || !sys.IsComposed() || !slices.Equal(sys.Blocks, chosen) || sys.Name != "web-1" {
		t.Fatalf("composed %+v, %v; want blocks %v", sys, err, chosen)
	}
	// The standard inventory reads the composed system through its collections.
	inv, err := c.GetSystem(ctx, uri)
	if err != nil || inv.ProcessorCount != 1 || inv.Cores == 0 || inv.MemoryGiB == 0 || inv.NICCount == 0 || inv.StorageGiB == 0 || len(inv.Warnings) > 0 {
		t.Fatalf("inventory %+v, %v", inv, err)
	}
	if all, err := c.ComposedSystems(ctx); err != nil || len(all) != 1 || all[0].URI != uri || !all[0].IsComposed() || all[0].Name != "web-1" {
		t.Errorf("ComposedSystems = %+v, %v; want %s alone", all, err, uri)
	}
	// A composed system is its own node, as an RSD node's system links its node.
	if inv.NodeURI != uri {
		t.Errorf("NodeURI of a composed system = %q, want %q", inv.NodeURI, uri)
	}
	if err := c.ResetSystem(ctx, uri, schemas.OnResetType); err != nil {
		t.Fatal(err)
	}
	if sys, _ := c.GetComposedSystem(ctx, uri); sys.PowerState != "On" {
		t.Errorf("power %q after On", sys.PowerState)
	}
	want := redfish.BootSettings{Enabled: schemas.OnceBootSourceOverrideEnabled, Target: schemas.PxeBootSource}
	if err := c.SetSystemBoot(ctx, uri, want); err != nil {
		t.Fatal(err)
	}
	if sys, _ := c.GetComposedSystem(ctx, uri); sys.Boot.Enabled != want.Enabled || sys.Boot.Target != want.Target {
		t.Errorf("boot %+v after SetSystemBoot %+v", sys.Boot, want)
	}
	b, err := c.GetResourceBlock(ctx, chosen[0])
	if err != nil || b.Free() || b.State != schemas.ComposedCompositionState || !slices.Equal(b.ComputerSystems, []string{uri}) {
		t.Fatalf("block after compose %+v, %v", b, err)
	}

	// The same block again: 409 ResourceInUse, as the standard's error.
	_, err = c.ComposeSystem(ctx, redfish.ComposeRequest{Name: "web-2", Blocks: chosen[:1]})
	var re *redfish.Error
	if !errors.As(err, &re) || !redfish.IsConflict(err) || !strings.HasSuffix(re.Code, ".ResourceInUse") || len(re.ExtendedInfo) != 1 {
		t.Fatalf("second compose of a block: %v", err)
	}

	if err := c.DecomposeSystem(ctx, uri); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetComposedSystem(ctx, uri); !redfish.IsNotFound(err) {
		t.Errorf("system after decompose: %v", err)
	}
	if b, _ := c.GetResourceBlock(ctx, chosen[0]); !b.Free() {
		t.Errorf("block not freed: %+v", b)
	}
}

func TestSimDMTFConstrained(t *testing.T) {
	ctx := context.Background()
	c := startDMTFSim(t)
	uri, err := c.ComposeSystem(ctx, redfish.ComposeRequest{Name: "db-1",
		Processors: []redfish.ProcessorRequirement{{Count: 1, ProcessorType: "CPU"}},
		Memory:     []redfish.MemoryRequirement{{Count: 1, MemoryType: "DRAM", CapacityMiB: 1024}}})
	if err != nil {
		t.Fatal(err)
	}
	if sys, err := c.GetComposedSystem(ctx, uri); err != nil || len(sys.Blocks) != 1 || !strings.Contains(sys.Blocks[0], "/Compute") {
		t.Errorf("constrained composition %+v, %v: want one Compute block", sys, err)
	}
	_, err = c.ComposeSystem(ctx, redfish.ComposeRequest{Name: "big",
		Processors: []redfish.ProcessorRequirement{{Count: 100}}})
	var re *redfish.Error
	if !errors.As(err, &re) || !redfish.IsConflict(err) || !strings.HasSuffix(re.Code, ".ResourceExhaustion") {
		t.Errorf("unsatisfiable constrained composition: %v", err)
	}
}

// A composition answered 202 with a task monitor (rsd-simulator --compose-task):
// ComposeSystem follows the monitor, waiting as its Retry-After says, and returns the
// system the finished operation names; a task refused by the blocks is the operation's
// 409 with its messages; a deadline before the task's end leaves the system composed.
func TestSimDMTFComposeTask(t *testing.T) {
	ctx := context.Background()
	sim, err := rsdsim.New(rsdsim.Config{Model: rsdsim.ModelDMTF, Racks: 1, DrawersPerRack: 1, SystemsPerDrawer: 2,
		Seed: 7, Username: simUser, Password: simPass, ComposeTask: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var polls int
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, "/TaskMonitors/") {
			mu.Lock()
			polls++
			mu.Unlock()
		}
		sim.ServeHTTP(w, r)
	}))
	t.Cleanup(func() { sim.Close(); front.Close() })
	c := simClient(t, front.URL, redfish.AuthBasic)
	block := "/redfish/v1/CompositionService/ResourceBlocks/Compute1"
	uri, err := c.ComposeSystem(ctx, redfish.ComposeRequest{Name: "t1", Blocks: []string{block}})
	if err != nil || uri != "/redfish/v1/Systems/Composed1" {
		t.Fatalf("ComposeSystem = %q, %v", uri, err)
	}
	mu.Lock()
	if polls != 1 { // Retry-After: 1 outlasts the 300 ms task; a backoff from 250 ms would poll twice
		t.Errorf("%d polls of the monitor; want 1, after its Retry-After", polls)
	}
	mu.Unlock()
	_, err = c.ComposeSystem(ctx, redfish.ComposeRequest{Name: "t2", Blocks: []string{block}})
	var rf *redfish.Error
	if !errors.As(err, &rf) || rf.StatusCode != http.StatusConflict || len(rf.ExtendedInfo) == 0 || !strings.Contains(rf.ExtendedInfo[0], "Compute1") {
		t.Errorf("a refused task: %v", err)
	}
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	_, err = c.ComposeSystem(short, redfish.ComposeRequest{Name: "t3", Blocks: []string{"/redfish/v1/CompositionService/ResourceBlocks/Compute2"}})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a task outlasting the deadline: %v", err)
	}
	if s, err := c.GetComposedSystem(ctx, "Composed2"); err != nil || s.Name != "t3" {
		t.Errorf("the system of the task whose answer was lost: %+v, %v", s, err)
	}
}

// Against the simulator: a block added, refused (in use, another zone), replaced by a PATCH
// and removed, each seen in the system's Links.ResourceBlocks.
func TestSimDMTFChangeBlocks(t *testing.T) {
	ctx := context.Background()
	c := startDMTFSim(t)
	const blocks = "/redfish/v1/CompositionService/ResourceBlocks/"
	sys, err := c.ComposeSystem(ctx, redfish.ComposeRequest{Name: "grow", Blocks: []string{blocks + "Compute1"}})
	if err != nil {
		t.Fatal(err)
	}
	other, err := c.ComposeSystem(ctx, redfish.ComposeRequest{Name: "other", Blocks: []string{blocks + "Compute2", blocks + "Drive2-1"}})
	if err != nil {
		t.Fatal(err)
	}
	comp, _ := c.Composition(ctx)
	spec, _ := comp.Capability(redfish.UseCaseSpecific)
	if ok, err := c.BlocksUpdatable(ctx, spec.CapabilitiesObject); !ok || err != nil {
		t.Fatalf("BlocksUpdatable = %v, %v", ok, err)
	}
	has := func(want ...string) {
		t.Helper()
		cs, err := c.GetComposedSystem(ctx, sys)
		var got []string
		for _, b := range cs.Blocks {
			got = append(got, strings.TrimPrefix(b, blocks))
		}
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("blocks %v, %v; want %v", got, err, want)
		}
	}
	if err := c.AddResourceBlock(ctx, sys, blocks+"Drive1-1"); err != nil {
		t.Fatal(err)
	}
	has("Compute1", "Drive1-1")
	if err := c.AddResourceBlock(ctx, sys, blocks+"Drive2-1"); !redfish.IsConflict(err) {
		t.Errorf("adding a block of %s: %v, want a 409", other, err)
	}
	if err := c.AddResourceBlock(ctx, sys, blocks+"Compute5"); redfish.StatusCode(err) != 400 { // zone 2
		t.Errorf("adding a block of another zone: %v, want a 400", err)
	}
	if err := c.SetResourceBlocks(ctx, sys, []string{blocks + "Compute1", blocks + "Network1-1"}); err != nil {
		t.Fatal(err)
	}
	has("Compute1", "Network1-1")
	if err := c.RemoveResourceBlock(ctx, sys, blocks+"Network1-1"); err != nil {
		t.Fatal(err)
	}
	has("Compute1")
	if b, err := c.GetResourceBlock(ctx, blocks+"Network1-1"); err != nil || !b.Free() {
		t.Errorf("a removed block: %+v, %v; want it free", b, err)
	}
}
