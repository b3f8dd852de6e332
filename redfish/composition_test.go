package redfish_test

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stmcginnis/gofish/schemas"

	"github.com/valence-rsd/valence/redfish"
)

// DMTF composability read from fixtures shaped as DMTF's own mockups (see
// testdata/README.md for the source of each).

const (
	dmtfBlocks  = "/redfish/v1/CompositionService/ResourceBlocks"
	dmtfCompute = dmtfBlocks + "/ComputeBlock1"
	dmtfDrive   = dmtfBlocks + "/DriveBlock7"
	dmtfZone1   = "/redfish/v1/CompositionService/ResourceZones/1"
	dmtfZone2   = "/redfish/v1/CompositionService/ResourceZones/2"
	dmtfSystem  = "/redfish/v1/Systems/ComposedSystem"
)

func dmtfFiles(systems string) map[string]string {
	return map[string]string{
		"/redfish/v1":                                            "dmtf_root.json",
		"/redfish/v1/CompositionService":                         "dmtf_compositionservice.json",
		"/redfish/v1/Systems":                                    systems,
		"/redfish/v1/Systems/Capabilities":                       "dmtf_capabilities.json",
		"/redfish/v1/Systems/ConstrainedCompositionCapabilities": "dmtf_constrained_capabilities.json",
		dmtfBlocks:  "dmtf_resourceblocks.json",
		dmtfCompute: "dmtf_block_compute1.json",
		dmtfDrive:   "dmtf_block_drive7.json",
		"/redfish/v1/CompositionService/ResourceZones": "dmtf_zones.json",
		dmtfZone1:  "dmtf_zone1.json",
		dmtfSystem: "dmtf_composed_system.json",
	}
}

func TestDMTFCompositionDetected(t *testing.T) {
	ctx := context.Background()
	_, srv := newFixture(t, dmtfFiles("dmtf_systems_specific.json"), nil)
	c := connect(t, srv, redfish.Config{})
	info := c.Info()
	if !info.Has(redfish.CapComposition) || !info.Has(redfish.CapSystems) || info.Has(redfish.CapCompose) || info.IsRSD() {
		t.Fatalf("capabilities %v (RSD %q): want composition and systems, not RSD compose", info.Capabilities, info.RSDVersion)
	}
	comp, err := c.Composition(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := redfish.Composition{
		Service: redfish.CompositionService{
			URI: "/redfish/v1/CompositionService", ID: "CompositionService", Name: "Composition Service",
			Enabled: true, AllowOverprovisioning: true, AllowZoneAffinity: true, State: "Enabled", Health: "OK",
			ResourceBlocks: dmtfBlocks, ResourceZones: "/redfish/v1/CompositionService/ResourceZones",
		},
		Capabilities: []redfish.CollectionCapability{{ // the VolumeCreation entry is left out
			UseCase: redfish.UseCaseSpecific, CapabilitiesObject: "/redfish/v1/Systems/Capabilities",
			TargetCollection: "/redfish/v1/Systems", RelatedItems: []string{dmtfZone1, dmtfZone2},
		}},
	}
	if !reflect.DeepEqual(comp, want) {
		t.Fatalf("Composition:\n got %+v\nwant %+v", comp, want)
	}
	if !comp.CanCompose() {
		t.Error("CanCompose false for an enabled service advertising specific composition")
	}
	if _, ok := comp.Capability(redfish.UseCaseConstrained); ok {
		t.Error("constrained composition found where only specific is advertised")
	}
	comp.Service.Enabled = false
	if comp.CanCompose() {
		t.Error("CanCompose true with ServiceEnabled false")
	}

	limits, err := c.BlockLimits(ctx, want.Capabilities[0].CapabilitiesObject)
	if err != nil {
		t.Fatal(err)
	}
	if limits.MinCompute == nil || *limits.MinCompute != 1 || limits.MaxCompute == nil || *limits.MaxCompute != 1 ||
		limits.MaxStorage == nil || *limits.MaxStorage != 8 || limits.MinStorage != nil || limits.MaxMemory != nil {
		t.Errorf("BlockLimits %+v: want MinCompute 1, MaxCompute 1, MaxStorage 8 and nothing else", limits)
	}
}

func TestDMTFConstrainedCapabilityDetected(t *testing.T) {
	_, srv := newFixture(t, dmtfFiles("dmtf_systems_constrained.json"), nil)
	comp, err := connect(t, srv, redfish.Config{}).Composition(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got, ok := comp.Capability(redfish.UseCaseConstrained)
	want := redfish.CollectionCapability{UseCase: redfish.UseCaseConstrained,
		CapabilitiesObject: "/redfish/v1/Systems/ConstrainedCompositionCapabilities",
		TargetCollection:   "/redfish/v1/Systems", RelatedItems: []string{dmtfZone1, dmtfZone2}}
	if !ok || !reflect.DeepEqual(got, want) || !comp.CanCompose() {
		t.Fatalf("constrained capability %+v (found %v), want %+v", got, ok, want)
	}
	if _, ok := comp.Capability(redfish.UseCaseSpecific); ok {
		t.Error("specific composition found where only constrained is advertised")
	}

	caps, err := connect(t, srv, redfish.Config{}).ConstrainedCapabilities(context.Background(), got.CapabilitiesObject)
	if err != nil {
		t.Fatal(err)
	}
	wantCaps := redfish.ConstrainedCapabilities{
		Processors: redfish.CreateFields{Offered: true, Required: true, CountRequired: true, Fields: map[string]bool{
			"ProcessorType": true, "TotalCores": true, "Model": false, "InstructionSet": false, "AchieveableSpeedMHz": false}},
		Memory: redfish.CreateFields{Offered: true, Required: true, CountRequired: true, Fields: map[string]bool{
			"MemoryType": true, "CapacityMiB": true, "MemoryDeviceType": false, "SpeedMHz": false, "DataWidthBits": false, "BusWidthBits": false}},
		EthernetInterfaces: redfish.CreateFields{Offered: true, CountRequired: true, Fields: map[string]bool{"SpeedMbps": true, "FullDuplex": false}},
	}
	if !reflect.DeepEqual(caps, wantCaps) {
		t.Errorf("ConstrainedCapabilities:\n got %+v\nwant %+v", caps, wantCaps)
	}
	if !caps.Processors.Allows("Model") || caps.Processors.Allows("SpeedMHz") {
		t.Error("Allows: Model is optional on create, SpeedMHz is not listed for processors")
	}
	// The specific capabilities object lists neither collection.
	caps, err = connect(t, srv, redfish.Config{}).ConstrainedCapabilities(context.Background(), "/redfish/v1/Systems/Capabilities")
	if err != nil || caps.Processors.Offered || caps.Memory.Offered || caps.Processors.Fields != nil {
		t.Errorf("ConstrainedCapabilities of a specific capabilities object = %+v, %v; want nothing offered", caps, err)
	}
}

func TestDMTFResourceBlocksAndZones(t *testing.T) {
	ctx := context.Background()
	_, srv := newFixture(t, dmtfFiles("dmtf_systems_specific.json"), nil)
	c := connect(t, srv, redfish.Config{})
	comp, err := c.Composition(ctx)
	if err != nil {
		t.Fatal(err)
	}
	blocks, err := c.ResourceBlocks(ctx, comp.Service)
	if err != nil {
		t.Fatal(err)
	}
	want := []redfish.ResourceBlock{{
		URI: dmtfCompute, ID: "ComputeBlock1", Name: "Compute Block 1",
		Types: []schemas.ResourceBlockType{schemas.ComputeResourceBlockType, schemas.NetworkResourceBlockType},
		State: schemas.ComposedCompositionState, MaxCompositions: 1, NumberOfCompositions: 1,
		StatusState: "Enabled", Health: "OK",
		Processors:         []string{dmtfCompute + "/Processors/Block1CPU0", dmtfCompute + "/Processors/Block1CPU1"},
		Memory:             []string{dmtfCompute + "/Memory/Block1DIMM0", dmtfCompute + "/Memory/Block1DIMM1"},
		EthernetInterfaces: []string{dmtfCompute + "/EthernetInterfaces/Block1OnboardNIC"},
		ComputerSystems:    []string{dmtfSystem}, Chassis: []string{"/redfish/v1/Chassis/ComposableModule1"},
		Zones: []string{dmtfZone1},
	}, {
		URI: dmtfDrive, ID: "DriveBlock7", Name: "Drive Block 7",
		Types: []schemas.ResourceBlockType{schemas.StorageResourceBlockType},
		State: schemas.UnusedCompositionState, MaxCompositions: 1, NumberOfCompositions: 0,
		Pool: "Free", StatusState: "Enabled", Health: "OK",
		Drives:            []string{dmtfDrive + "/Drives/Slot7"},
		Storage:           []string{dmtfDrive + "/Storage/Block7NVMe"},
		SimpleStorage:     []string{dmtfDrive + "/SimpleStorage/Block7SASTray"},
		NetworkInterfaces: []string{dmtfDrive + "/NetworkInterfaces/NIC7"},
		Chassis:           []string{"/redfish/v1/Chassis/ComposableModule4"},
		Zones:             []string{dmtfZone1, dmtfZone2},
	}}
	if !reflect.DeepEqual(blocks, want) {
		t.Fatalf("ResourceBlocks:\n got %+v\nwant %+v", blocks, want)
	}
	if blocks[0].Free() || !blocks[1].Free() {
		t.Errorf("Free: composed block %v, unused block %v; want false, true", blocks[0].Free(), blocks[1].Free())
	}
	if !blocks[0].Has(schemas.NetworkResourceBlockType) || blocks[1].Has(schemas.ComputeResourceBlockType) {
		t.Error("Has does not follow ResourceBlockType")
	}

	zones, err := c.ResourceZones(ctx, comp.Service)
	if err != nil {
		t.Fatal(err)
	}
	wantZones := []redfish.ResourceZone{{
		URI: dmtfZone1, ID: "1", Name: "Resource Zone 1", ZoneType: "ZoneOfResourceBlocks",
		StatusState: "Enabled", Health: "OK", ResourceBlocks: []string{dmtfCompute, dmtfDrive},
		Capabilities: []redfish.CollectionCapability{{UseCase: redfish.UseCaseSpecific,
			CapabilitiesObject: "/redfish/v1/Systems/Capabilities", TargetCollection: "/redfish/v1/Systems"}},
	}}
	if !reflect.DeepEqual(zones, wantZones) {
		t.Fatalf("ResourceZones:\n got %+v\nwant %+v", zones, wantZones)
	}
}

func TestDMTFBlockFree(t *testing.T) {
	for _, c := range []struct {
		name string
		b    redfish.ResourceBlock
		want bool
	}{
		{"unused", redfish.ResourceBlock{State: schemas.UnusedCompositionState}, true},
		{"unused but reserved", redfish.ResourceBlock{State: schemas.UnusedCompositionState, Reserved: true}, false},
		{"composing", redfish.ResourceBlock{State: schemas.ComposingCompositionState}, false},
		{"failed", redfish.ResourceBlock{State: schemas.FailedCompositionState}, false},
		{"shared with room", redfish.ResourceBlock{State: schemas.ComposedAndAvailableCompositionState,
			SharingEnabled: true, MaxCompositions: 2, NumberOfCompositions: 1}, true},
		{"shared and full", redfish.ResourceBlock{State: schemas.ComposedAndAvailableCompositionState,
			SharingEnabled: true, MaxCompositions: 2, NumberOfCompositions: 2}, false},
		{"composed, sharing off", redfish.ResourceBlock{State: schemas.ComposedCompositionState,
			SharingCapable: true, MaxCompositions: 2, NumberOfCompositions: 1}, false},
	} {
		if got := c.b.Free(); got != c.want {
			t.Errorf("%s: Free %v, want %v", c.name, got, c.want)
		}
	}
}

func TestDMTFComposeSpecific(t *testing.T) {
	ctx := context.Background()
	f, srv := newFixture(t, dmtfFiles("dmtf_systems_specific.json"), map[string]http.HandlerFunc{
		"POST /redfish/v1/Systems": status(http.StatusCreated, "", "Location", srv0URL+dmtfSystem),
		"DELETE " + dmtfSystem:     status(http.StatusNoContent, ""),
	})
	c := connect(t, srv, redfish.Config{})
	uri, err := c.ComposeSystem(ctx, redfish.ComposeRequest{Name: "web-1", Description: "d", Blocks: []string{dmtfCompute, dmtfDrive}})
	if err != nil || uri != dmtfSystem {
		t.Fatalf("ComposeSystem = %q, %v; want %q", uri, err, dmtfSystem)
	}
	req, _ := f.last(http.MethodPost, "/redfish/v1/Systems")
	want := map[string]any{"Name": "web-1", "Description": "d", "Links": map[string]any{"ResourceBlocks": []any{
		map[string]any{"@odata.id": dmtfCompute}, map[string]any{"@odata.id": dmtfDrive}}}}
	if !reflect.DeepEqual(req.Body, want) {
		t.Errorf("POST body %v, want %v", req.Body, want)
	}

	sys, err := c.GetComposedSystem(ctx, "ComposedSystem")
	wantSys := redfish.ComposedSystem{URI: dmtfSystem, ID: "ComposedSystem", Name: "Sample Composed System",
		Description: "This shows an example of a composed system", SystemType: "Composed", PowerState: "On", Blocks: []string{dmtfCompute, dmtfDrive},
		AddBlockTarget: dmtfSystem + "/Actions/ComputerSystem.AddResourceBlock", RemoveBlockTarget: dmtfSystem + "/Actions/ComputerSystem.RemoveResourceBlock"}
	if err != nil || !reflect.DeepEqual(sys, wantSys) || !sys.IsComposed() {
		t.Fatalf("GetComposedSystem = %+v, %v; want %+v", sys, err, wantSys)
	}
	if err := c.DecomposeSystem(ctx, "ComposedSystem"); err != nil {
		t.Fatal(err)
	}
	if _, ok := f.last(http.MethodDelete, dmtfSystem); !ok {
		t.Error("DecomposeSystem sent no DELETE to the system")
	}
}

// srv0URL stands for "an absolute Location": locationPath keeps only the path.
const srv0URL = "https://composer.example"

func TestDMTFComposeConstrained(t *testing.T) {
	f, srv := newFixture(t, dmtfFiles("dmtf_systems_constrained.json"), map[string]http.HandlerFunc{
		"POST /redfish/v1/Systems": status(http.StatusCreated, "", "Location", dmtfSystem),
	})
	c := connect(t, srv, redfish.Config{})
	_, err := c.ComposeSystem(context.Background(), redfish.ComposeRequest{Name: "db-1",
		Processors:         []redfish.ProcessorRequirement{{Count: 2, ProcessorType: "CPU", TotalCores: 8}},
		Memory:             []redfish.MemoryRequirement{{Count: 4, MemoryType: "DRAM", CapacityMiB: 8192}},
		EthernetInterfaces: []redfish.EthernetRequirement{{Count: 2, SpeedMbps: 10000}}})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := f.last(http.MethodPost, "/redfish/v1/Systems")
	// The shape of DMTF's constrained composition request: each collection's
	// Members with @Redfish.RequestedCount, as ConstrainedCompositionCapabilities asks.
	want := map[string]any{"Name": "db-1",
		"Processors":         map[string]any{"Members": []any{map[string]any{"@Redfish.RequestedCount": 2.0, "ProcessorType": "CPU", "TotalCores": 8.0}}},
		"Memory":             map[string]any{"Members": []any{map[string]any{"@Redfish.RequestedCount": 4.0, "MemoryType": "DRAM", "CapacityMiB": 8192.0}}},
		"EthernetInterfaces": map[string]any{"Members": []any{map[string]any{"@Redfish.RequestedCount": 2.0, "SpeedMbps": 10000.0}}},
	}
	if !reflect.DeepEqual(req.Body, want) {
		t.Errorf("POST body %v, want %v", req.Body, want)
	}
}

func TestDMTFComposeRefused(t *testing.T) {
	_, srv := newFixture(t, dmtfFiles("dmtf_systems_specific.json"), map[string]http.HandlerFunc{
		"POST /redfish/v1/Systems": status(http.StatusConflict, "dmtf_error_inuse.json"),
	})
	c := connect(t, srv, redfish.Config{})
	_, err := c.ComposeSystem(context.Background(), redfish.ComposeRequest{Name: "x", Blocks: []string{dmtfCompute}})
	var e *redfish.Error
	if !errors.As(err, &e) || !redfish.IsConflict(err) || e.Code != "Base.1.15.ResourceInUse" ||
		len(e.ExtendedInfo) != 1 || e.ExtendedInfo[0] != "The change to the requested resource failed because the resource is in use or in transition." {
		t.Fatalf("ComposeSystem refused: %#v", err)
	}
}

func TestDMTFComposeBadRequest(t *testing.T) {
	f, srv := newFixture(t, dmtfFiles("dmtf_systems_specific.json"), nil)
	c := connect(t, srv, redfish.Config{})
	many := make([]string, redfish.MaxComposeBlocks+1)
	for i := range many {
		many[i] = dmtfBlocks + "/B" + string(rune('a'+i%26)) + string(rune('a'+i/26))
	}
	for name, req := range map[string]redfish.ComposeRequest{
		"no name":       {Blocks: []string{dmtfCompute}},
		"nothing asked": {Name: "x"},
		"both forms":    {Name: "x", Blocks: []string{dmtfCompute}, Memory: []redfish.MemoryRequirement{{Count: 1}}},
		"block twice":   {Name: "x", Blocks: []string{dmtfCompute, dmtfCompute}},
		"empty block":   {Name: "x", Blocks: []string{""}},
		"too many":      {Name: "x", Blocks: many},
		"count zero":    {Name: "x", Processors: []redfish.ProcessorRequirement{{TotalCores: 4}}},
		"no interfaces": {Name: "x", EthernetInterfaces: []redfish.EthernetRequirement{{SpeedMbps: 1000}}},
		"negative MiB":  {Name: "x", Memory: []redfish.MemoryRequirement{{Count: 1, CapacityMiB: -1}}},
		"too many reqs": {Name: "x", Memory: make([]redfish.MemoryRequirement, redfish.MaxComposeRequirements+1)},
	} {
		if _, err := c.ComposeSystem(context.Background(), req); !errors.Is(err, redfish.ErrBadRequest) {
			t.Errorf("%s: err %v, want ErrBadRequest", name, err)
		}
	}
	if _, ok := f.last(http.MethodPost, "/redfish/v1/Systems"); ok {
		t.Error("a refused request reached the service")
	}
}

func TestDMTFNotSupportedOnRSD(t *testing.T) {
	_, srv := newFixture(t, map[string]string{"/redfish/v1": "rsd24_root.json"}, nil)
	c := connect(t, srv, redfish.Config{})
	if _, err := c.Composition(context.Background()); !errors.Is(err, redfish.ErrNotSupported) {
		t.Errorf("Composition on RSD: %v, want ErrNotSupported", err)
	}
	if _, err := c.ComposeSystem(context.Background(), redfish.ComposeRequest{Name: "x", Blocks: []string{dmtfCompute}}); !errors.Is(err, redfish.ErrNotSupported) {
		t.Errorf("ComposeSystem on RSD: %v, want ErrNotSupported", err)
	}
	if err := c.DecomposeSystem(context.Background(), dmtfSystem); !errors.Is(err, redfish.ErrNotSupported) {
		t.Errorf("DecomposeSystem on RSD: %v, want ErrNotSupported", err)
	}
}

// A task monitor may end with the Task itself (200) rather than the operation's answer:
// the system is then the Task's Links.CreatedResources, and a Task in Exception is an
// *Error carrying its Messages.
func TestDMTFComposeTaskBody(t *testing.T) {
	const monitor = "/redfish/v1/TaskService/TaskMonitors/7"
	for _, c := range []struct {
		name, task string
		want       string
		messages   []string
	}{
		{"completed", `{"TaskState":"Completed","Links":{"CreatedResources":[{"@odata.id":"/redfish/v1/Systems/New"}]}}`, "/redfish/v1/Systems/New", nil},
		{"exception", `{"TaskState":"Exception","Messages":[{"MessageId":"Base.1.15.ResourceExhaustion","Message":"no blocks"},{"MessageId":"Base.1.15.GeneralError"}]}`,
			"", []string{"no blocks", "Base.1.15.GeneralError"}},
		{"nothing made", `{"TaskState":"Completed"}`, "", nil},
	} {
		var polls atomic.Int32
		_, srv := newFixture(t, dmtfFiles("dmtf_systems_specific.json"), map[string]http.HandlerFunc{
			"POST /redfish/v1/Systems": func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Location", monitor)
				w.Header().Set("Retry-After", "0")
				w.WriteHeader(http.StatusAccepted)
			},
			"GET " + monitor: func(w http.ResponseWriter, _ *http.Request) {
				if polls.Add(1) == 1 {
					w.Header().Set("Retry-After", "0")
					w.WriteHeader(http.StatusAccepted)
					_, _ = w.Write([]byte(`{"TaskState":"Running"}`))
					return
				}
				_, _ = w.Write([]byte(c.task))
			},
		})
		uri, err := connect(t, srv, redfish.Config{}).ComposeSystem(context.Background(), redfish.ComposeRequest{Name: "n", Blocks: []string{dmtfCompute}})
		var rf *redfish.Error
		switch {
		case c.want != "":
			if uri != c.want || err != nil {
				t.Errorf("%s: ComposeSystem = %q, %v; want %s", c.name, uri, err, c.want)
			}
		case c.messages != nil:
			if !errors.As(err, &rf) || !reflect.DeepEqual(rf.ExtendedInfo, c.messages) || !strings.Contains(rf.Error(), "Exception") {
				t.Errorf("%s: err = %v; want an *Error with %v", c.name, err, c.messages)
			}
		case err == nil:
			t.Errorf("%s: ComposeSystem = %q, nil; want an error", c.name, uri)
		}
		if n := polls.Load(); n != 2 {
			t.Errorf("%s: %d polls of the monitor, want 2", c.name, n)
		}
	}
}

// AddResourceBlock and RemoveResourceBlock post the block to the system's
// action targets; SetResourceBlocks PATCHes Links.ResourceBlocks, which the
// mockup's capabilities object marks updatable after create.
func TestDMTFChangeBlocks(t *testing.T) {
	ctx := context.Background()
	add, remove := dmtfSystem+"/Actions/ComputerSystem.AddResourceBlock", dmtfSystem+"/Actions/ComputerSystem.RemoveResourceBlock"
	f, srv := newFixture(t, dmtfFiles("dmtf_systems_specific.json"), map[string]http.HandlerFunc{
		"POST " + add:         status(http.StatusNoContent, ""),
		"POST " + remove:      status(http.StatusNoContent, ""),
		"PATCH " + dmtfSystem: status(http.StatusNoContent, ""),
	})
	c := connect(t, srv, redfish.Config{})
	if ok, err := c.BlocksUpdatable(ctx, "/redfish/v1/Systems/Capabilities"); !ok || err != nil {
		t.Errorf("BlocksUpdatable = %v, %v; want true", ok, err)
	}
	if err := c.AddResourceBlock(ctx, "ComposedSystem", dmtfDrive); err != nil {
		t.Fatal(err)
	}
	if err := c.RemoveResourceBlock(ctx, dmtfSystem, dmtfDrive); err != nil {
		t.Fatal(err)
	}
	if err := c.SetResourceBlocks(ctx, "ComposedSystem", []string{dmtfCompute, dmtfDrive}); err != nil {
		t.Fatal(err)
	}
	ref := map[string]any{"ResourceBlock": map[string]any{"@odata.id": dmtfDrive}}
	for _, target := range []string{add, remove} {
		if req, ok := f.last(http.MethodPost, target); !ok || !reflect.DeepEqual(req.Body, ref) {
			t.Errorf("POST %s: %v (sent %v); want %v", target, req.Body, ok, ref)
		}
	}
	patch, _ := f.last(http.MethodPatch, dmtfSystem)
	want := map[string]any{"Links": map[string]any{"ResourceBlocks": []any{map[string]any{"@odata.id": dmtfCompute}, map[string]any{"@odata.id": dmtfDrive}}}}
	if !reflect.DeepEqual(patch.Body, want) {
		t.Errorf("PATCH body %v, want %v", patch.Body, want)
	}
	for _, bad := range [][]string{nil, {dmtfCompute, dmtfCompute}, {""}} {
		if err := c.SetResourceBlocks(ctx, "ComposedSystem", bad); !errors.Is(err, redfish.ErrBadRequest) {
			t.Errorf("SetResourceBlocks(%q) = %v, want ErrBadRequest", bad, err)
		}
	}
	if err := c.AddResourceBlock(ctx, "ComposedSystem", ""); !errors.Is(err, redfish.ErrBadRequest) {
		t.Errorf("AddResourceBlock of no block = %v", err)
	}
	if ok, err := c.BlocksUpdatable(ctx, "/redfish/v1/Systems/ConstrainedCompositionCapabilities"); ok || err != nil {
		t.Errorf("BlocksUpdatable of the constrained capabilities = %v, %v; want false", ok, err)
	}
}

// A decomposition answered 202 is followed to its task's end: done when the
// monitor answers the DELETE's 204, failed with the monitor's refusal.
func TestDMTFDecomposeTask(t *testing.T) {
	const monitor = "/redfish/v1/TaskService/TaskMonitors/9"
	for _, final := range []int{http.StatusNoContent, http.StatusConflict} {
		var polls atomic.Int32
		_, srv := newFixture(t, dmtfFiles("dmtf_systems_specific.json"), map[string]http.HandlerFunc{
			"DELETE " + dmtfSystem: func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Location", monitor)
				w.Header().Set("Retry-After", "0")
				w.WriteHeader(http.StatusAccepted)
			},
			"GET " + monitor: func(w http.ResponseWriter, r *http.Request) {
				if polls.Add(1) == 1 {
					w.Header().Set("Retry-After", "0")
					w.WriteHeader(http.StatusAccepted)
					return
				}
				status(final, map[int]string{http.StatusConflict: "dmtf_error_inuse.json"}[final])(w, r)
			},
		})
		err := connect(t, srv, redfish.Config{}).DecomposeSystem(context.Background(), "ComposedSystem")
		if final == http.StatusNoContent && err != nil || final == http.StatusConflict && !redfish.IsConflict(err) || polls.Load() != 2 {
			t.Errorf("monitor ending %d: DecomposeSystem = %v after %d polls; want the monitor's answer after 2", final, err, polls.Load())
		}
	}
}
