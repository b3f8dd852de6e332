package rsdsim

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func newDMTFServer(t *testing.T, cfg Config) *testServer {
	cfg.Model = ModelDMTF
	return newTestServer(t, cfg)
}

func blockRefs(paths ...string) m {
	refs := make([]m, len(paths))
	for i, p := range paths {
		refs[i] = m{"@odata.id": p}
	}
	return m{"ResourceBlocks": refs}
}

// memberPaths lists the @odata.id of a collection's members.
func memberPaths(body map[string]any) []string {
	var out []string
	for _, x := range get(body, "Members").([]any) {
		out = append(out, x.(map[string]any)["@odata.id"].(string))
	}
	return out
}

// zoneBlocks returns the blocks of a zone, by path.
func (ts *testServer) zoneBlocks(zone string) []string {
	var out []string
	for _, x := range get(ts.do("GET", zonesPath+"/"+zone, nil).mustStatus(ts.t, http.StatusOK).body, "Links", "ResourceBlocks").([]any) {
		out = append(out, x.(map[string]any)["@odata.id"].(string))
	}
	return out
}

func TestDMTFModelValidated(t *testing.T) {
	for _, cfg := range []Config{{Model: "hpe"}, {Model: ModelDMTF, RSDVersion: "2.3"}} {
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%+v) accepted", cfg)
		}
	}
}

func TestDMTFModelTree(t *testing.T) {
	ts := newDMTFServer(t, Config{})
	root := ts.do("GET", "/redfish/v1", nil).mustStatus(t, http.StatusOK).body
	if get(root, "CompositionService", "@odata.id") != compositionPath || root["Nodes"] != nil || root["Oem"] != nil ||
		root["RedfishVersion"] != dmtfRedfishVersion {
		t.Fatalf("root %v: want CompositionService, no Nodes, no Oem", root)
	}
	cs := ts.do("GET", compositionPath, nil).mustStatus(t, http.StatusOK).body
	if cs["ServiceEnabled"] != true || get(cs, "ResourceBlocks", "@odata.id") != blocksPath || get(cs, "ResourceZones", "@odata.id") != zonesPath {
		t.Fatalf("CompositionService %v", cs)
	}
	systems := ts.do("GET", systemsPath, nil).mustStatus(t, http.StatusOK).body
	if get(systems, "Members@odata.count") != 0.0 {
		t.Errorf("Systems before any composition: %v", systems)
	}
	caps := get(systems, "@Redfish.CollectionCapabilities", "Capabilities").([]any)
	var useCases []string
	for _, c := range caps {
		useCases = append(useCases, get(c, "UseCase").(string))
		if get(c, "Links", "TargetCollection", "@odata.id") != systemsPath || len(get(c, "Links", "RelatedItem").([]any)) != 2 {
			t.Errorf("capability %v: want target Systems and the 2 zones", c)
		}
		ts.do("GET", get(c, "CapabilitiesObject", "@odata.id").(string), nil).mustStatus(t, http.StatusOK)
	}
	if !slices.Equal(useCases, []string{useCaseSpecific, useCaseConstrained}) {
		t.Errorf("use cases %v", useCases)
	}
	limits := get(ts.do("GET", specificCapsPath, nil).body, "@Redfish.ResourceBlockLimits")
	if get(limits, "MinCompute") != 1.0 || get(limits, "MaxCompute") != 1.0 {
		t.Errorf("ResourceBlockLimits %v", limits)
	}

	blocks := memberPaths(ts.do("GET", blocksPath, nil).mustStatus(t, http.StatusOK).body)
	kinds := map[string]int{}
	for _, p := range blocks {
		b := ts.do("GET", p, nil).mustStatus(t, http.StatusOK).body
		kind := get(b, "ResourceBlockType", 0).(string)
		kinds[kind]++
		if get(b, "CompositionStatus", "CompositionState") != "Unused" || get(b, "Pool") != "Free" ||
			len(get(b, "Links", "Zones").([]any)) != 1 || len(get(b, "Links", "ComputerSystems").([]any)) != 0 {
			t.Errorf("block %s: %v", p, b)
		}
		for _, key := range []string{"Processors", "Memory", "Drives", "EthernetInterfaces"} {
			if parts, _ := get(b, key).([]any); len(parts) > 0 {
				ts.do("GET", get(parts[0], "@odata.id").(string), nil).mustStatus(t, http.StatusOK)
			}
		}
	}
	// 8 blades: one Compute block each; every blade has a drive and a NIC.
	if kinds[blockCompute] != 8 || kinds[blockStorage] < 8 || kinds[blockNetwork] < 8 || kinds[blockProcessor] != kinds[blockMemory] {
		t.Errorf("blocks by type %v", kinds)
	}
	zones := memberPaths(ts.do("GET", zonesPath, nil).mustStatus(t, http.StatusOK).body)
	if len(zones) != 2 || len(ts.zoneBlocks("1"))+len(ts.zoneBlocks("2")) != len(blocks) {
		t.Errorf("zones %v do not hold the %d blocks", zones, len(blocks))
	}
	// Blades are blocks, not systems; RSD's resources are absent.
	for _, p := range []string{systemsPath + "/System1", systemsPath + "/System1/Processors", nodesPath} {
		ts.do("GET", p, nil).mustStatus(t, http.StatusNotFound)
	}
	blade := ts.do("GET", chassisPath+"/Rack1-Drawer1-Blade1", nil).mustStatus(t, http.StatusOK).body
	if get(blade, "Links", "ComputerSystems") != nil || blade["Drives"] != nil {
		t.Errorf("blade links systems or drives of the RSD model: %v", blade)
	}
}

func TestDMTFSpecificCompositionLifecycle(t *testing.T) {
	ts := newDMTFServer(t, Config{})
	zone := ts.zoneBlocks("1")
	chosen := []string{blocksPath + "/Compute1", blocksPath + "/Drive1-1", blocksPath + "/Network1-1"}
	for _, b := range chosen {
		if !slices.Contains(zone, b) {
			t.Fatalf("%s not in zone 1 %v", b, zone)
		}
	}
	r := ts.do("POST", systemsPath, m{"Name": "web-1", "Description": "d", "Links": blockRefs(chosen...)}).mustStatus(t, http.StatusCreated)
	sys := r.header.Get("Location")
	if sys != systemsPath+"/Composed1" || r.body["SystemType"] != "Composed" || r.body["Name"] != "web-1" || r.body["PowerState"] != "Off" {
		t.Fatalf("compose: Location %q, body %v", sys, r.body)
	}
	var got []string
	for _, x := range get(r.body, "Links", "ResourceBlocks").([]any) {
		got = append(got, get(x, "@odata.id").(string))
	}
	if !slices.Equal(got, chosen) {
		t.Errorf("Links.ResourceBlocks %v, want %v", got, chosen)
	}
	for _, b := range chosen {
		blk := ts.do("GET", b, nil).body
		if get(blk, "CompositionStatus", "CompositionState") != "Composed" || get(blk, "CompositionStatus", "NumberOfCompositions") != 1.0 ||
			get(blk, "Links", "ComputerSystems", 0, "@odata.id") != sys || get(blk, "Pool") != "Active" {
			t.Errorf("block %s after compose: %v", b, blk)
		}
	}
	if !slices.Equal(memberPaths(ts.do("GET", systemsPath, nil).body), []string{sys}) {
		t.Error("Systems does not list the composed system")
	}
	procs := memberPaths(ts.do("GET", sys+"/Processors", nil).mustStatus(t, http.StatusOK).body)
	if len(procs) != 1 || !strings.HasPrefix(procs[0], blocksPath+"/Compute1/Processors/") {
		t.Errorf("processors %v: want the Compute block's one", procs)
	}
	if n := len(memberPaths(ts.do("GET", sys+"/EthernetInterfaces", nil).body)); n != 1 {
		t.Errorf("%d NICs, want the Network block's 1", n)
	}
	if devs := get(ts.do("GET", sys+"/SimpleStorage/1", nil).body, "Devices").([]any); len(devs) != 1 {
		t.Errorf("storage devices %v, want the Storage block's drive", devs)
	}

	ts.do("POST", sys+"/Actions/ComputerSystem.Reset", m{"ResetType": "On"}).mustStatus(t, http.StatusNoContent)
	if ts.do("GET", sys, nil).body["PowerState"] != "On" {
		t.Error("reset On did not power the system on")
	}
	ts.do("POST", sys+"/Actions/ComputerSystem.Reset", m{"ResetType": "Dance"}).mustStatus(t, http.StatusBadRequest)
	p := ts.do("PATCH", sys, m{"Boot": m{"BootSourceOverrideEnabled": "Once", "BootSourceOverrideTarget": "Pxe"}}).mustStatus(t, http.StatusOK)
	if get(p.body, "Boot", "BootSourceOverrideTarget") != "Pxe" {
		t.Errorf("PATCH Boot: %v", p.body["Boot"])
	}
	ts.do("PATCH", sys, m{"Boot": m{"BootSourceOverrideTarget": "Floppy"}}).mustStatus(t, http.StatusBadRequest)
	if get(ts.do("GET", sys, nil).body, "Boot", "BootSourceOverrideTarget") != "Pxe" {
		t.Error("a refused PATCH changed the boot override")
	}

	ts.do("DELETE", specificCapsPath, nil).mustStatus(t, http.StatusMethodNotAllowed)
	ts.do("DELETE", sys, nil).mustStatus(t, http.StatusNoContent)
	for _, p := range []string{sys, sys + "/Processors", sys + "/SimpleStorage/1"} {
		ts.do("GET", p, nil).mustStatus(t, http.StatusNotFound)
	}
	ts.do("DELETE", sys, nil).mustStatus(t, http.StatusNotFound)
	for _, b := range chosen {
		if blk := ts.do("GET", b, nil).body; get(blk, "CompositionStatus", "CompositionState") != "Unused" || len(get(blk, "Links", "ComputerSystems").([]any)) != 0 {
			t.Errorf("block %s after decompose: %v", b, blk)
		}
	}
	// The blocks compose again.
	ts.do("POST", systemsPath, m{"Name": "web-2", "Links": blockRefs(chosen...)}).mustStatus(t, http.StatusCreated)
}

func TestDMTFCompositionRefusals(t *testing.T) {
	ts := newDMTFServer(t, Config{})
	z1, z2 := ts.zoneBlocks("1"), ts.zoneBlocks("2")
	compute1, drive1 := blocksPath+"/Compute1", blocksPath+"/Drive1-1"
	otherZone := ""
	for _, b := range z2 {
		if strings.Contains(b, "/Drive") {
			otherZone = b
			break
		}
	}
	if !slices.Contains(z1, compute1) || otherZone == "" {
		t.Fatalf("zones %v / %v", z1, z2)
	}
	ts.do("POST", systemsPath, m{"Name": "first", "Links": blockRefs(compute1)}).mustStatus(t, http.StatusCreated)
	many := make([]string, maxComposeBlocks+1)
	for i := range many {
		many[i] = blocksPath + "/X" + strings.Repeat("x", i)
	}
	for _, c := range []struct {
		name    string
		body    any
		status  int
		id      string
		related string
	}{
		{"block in use", m{"Name": "x", "Links": blockRefs(compute1, drive1)}, http.StatusConflict, "ResourceInUse", "/Links/ResourceBlocks/0"},
		{"zones differ", m{"Name": "x", "Links": blockRefs(blocksPath+"/Compute2", otherZone)}, http.StatusBadRequest, "PropertyValueConflict", "/Links/ResourceBlocks/1"},
		{"no such block", m{"Name": "x", "Links": blockRefs(blocksPath + "/Compute99")}, http.StatusBadRequest, "ResourceMissingAtURI", "/Links/ResourceBlocks/0"},
		{"named twice", m{"Name": "x", "Links": blockRefs(blocksPath+"/Compute2", blocksPath+"/Compute2")}, http.StatusBadRequest, "PropertyValueConflict", "/Links/ResourceBlocks/1"},
		{"two computes", m{"Name": "x", "Links": blockRefs(blocksPath+"/Compute2", blocksPath+"/Compute3")}, http.StatusBadRequest, "PropertyValueIncorrect", "/Links/ResourceBlocks"},
		{"no compute", m{"Name": "x", "Links": blockRefs(drive1)}, http.StatusBadRequest, "PropertyValueIncorrect", "/Links/ResourceBlocks"},
		{"no name", m{"Links": blockRefs(blocksPath + "/Compute2")}, http.StatusBadRequest, "PropertyMissing", "/Name"},
		{"long name", m{"Name": strings.Repeat("n", maxComposeName+1), "Links": blockRefs(blocksPath + "/Compute2")}, http.StatusBadRequest, "PropertyValueIncorrect", "/Name"},
		{"nothing asked", m{"Name": "x"}, http.StatusBadRequest, "PropertyMissing", "/Links/ResourceBlocks"},
		{"both forms", m{"Name": "x", "Links": blockRefs(blocksPath + "/Compute2"), "Memory": m{"Members": []m{{"@Redfish.RequestedCount": 1}}}}, http.StatusBadRequest, "PropertyValueConflict", "/Links/ResourceBlocks"},
		{"unknown property", m{"Name": "x", "Links": blockRefs(blocksPath + "/Compute2"), "Storage": m{}}, http.StatusBadRequest, "PropertyUnknown", "/Storage"},
		{"too many blocks", m{"Name": "x", "Links": blockRefs(many...)}, http.StatusBadRequest, "ArraySizeTooLong", "/Links/ResourceBlocks"},
		{"count missing", m{"Name": "x", "Processors": m{"Members": []m{{"TotalCores": 4}}}}, http.StatusBadRequest, "PropertyValueIncorrect", "/Processors/Members/0/@Redfish.RequestedCount"},
		{"GPU asked", m{"Name": "x", "Processors": m{"Members": []m{{"@Redfish.RequestedCount": 1, "ProcessorType": "GPU"}}}}, http.StatusBadRequest, "PropertyValueNotInList", "/Processors/Members/0/ProcessorType"},
		{"malformed", `{"Name":`, http.StatusBadRequest, "MalformedJSON", ""},
	} {
		r := ts.do("POST", systemsPath, c.body)
		if r.status != c.status {
			t.Errorf("%s: status %d, want %d: %s", c.name, r.status, c.status, r.raw)
			continue
		}
		if code := r.errorCode(t); code != baseRegistry+c.id {
			t.Errorf("%s: code %s, want %s", c.name, code, baseRegistry+c.id)
		}
		info := get(r.body, "error", "@Message.ExtendedInfo", 0)
		related, _ := get(info, "RelatedProperties").([]any)
		if get(info, "MessageId") != baseRegistry+c.id || (c.related != "" && !slices.Contains(related, any(c.related))) {
			t.Errorf("%s: extended info %v, want MessageId %s about %s", c.name, info, c.id, c.related)
		}
	}
	// Nothing was composed by the refused requests, and the free blocks stay free.
	if got := memberPaths(ts.do("GET", systemsPath, nil).body); len(got) != 1 {
		t.Errorf("systems after refusals: %v", got)
	}
	if get(ts.do("GET", drive1, nil).body, "CompositionStatus", "CompositionState") != "Unused" {
		t.Error("a refused request took a block")
	}
}

func TestDMTFConstrainedComposition(t *testing.T) {
	ts := newDMTFServer(t, Config{})
	// A two-socket blade has a Processor block: asking for 2 CPUs needs it with its Compute block.
	var cores float64
	for _, p := range memberPaths(ts.do("GET", blocksPath, nil).body) {
		if strings.Contains(p, "/Processor") {
			cores = get(ts.do("GET", get(ts.do("GET", p, nil).body, "Processors", 0, "@odata.id").(string), nil).body, "TotalCores").(float64)
			break
		}
	}
	if cores == 0 {
		t.Fatal("the generated pod has no two-socket blade")
	}
	req := m{"Name": "db-1",
		"Processors": m{"Members": []m{{"@Redfish.RequestedCount": 2, "ProcessorType": "CPU", "TotalCores": cores}}},
		"Memory":     m{"Members": []m{{"@Redfish.RequestedCount": 2, "CapacityMiB": 8192}}}}
	r := ts.do("POST", systemsPath, req).mustStatus(t, http.StatusCreated)
	if get(r.body, "ProcessorSummary", "Count").(float64) < 2 {
		t.Errorf("ProcessorSummary %v: want at least 2 processors", r.body["ProcessorSummary"])
	}
	zones := map[string]bool{}
	kinds := map[string]int{}
	for _, x := range get(r.body, "Links", "ResourceBlocks").([]any) {
		b := ts.do("GET", get(x, "@odata.id").(string), nil).body
		zones[get(b, "Links", "Zones", 0, "@odata.id").(string)] = true
		kinds[get(b, "ResourceBlockType", 0).(string)]++
		if get(b, "CompositionStatus", "CompositionState") != "Composed" {
			t.Errorf("chosen block not Composed: %v", b)
		}
	}
	if len(zones) != 1 || kinds[blockCompute] != 1 || kinds[blockProcessor] != 1 {
		t.Errorf("blocks by zone %v and type %v: want one zone, one Compute and one Processor block", zones, kinds)
	}

	r = ts.do("POST", systemsPath, m{"Name": "huge", "Processors": m{"Members": []m{{"@Redfish.RequestedCount": 64}}}}).mustStatus(t, http.StatusConflict)
	if r.errorCode(t) != baseRegistry+"ResourceExhaustion" || !strings.Contains(r.extendedMessages()[0], "64 processors") {
		t.Errorf("unsatisfiable: %s", r.raw)
	}

	// Interfaces come from Network blocks of the Compute block's zone.
	caps := ts.do("GET", constrainedCapsPath, nil).mustStatus(t, http.StatusOK).body
	if get(caps, "EthernetInterfaces@Redfish.OptionalOnCreate") != true {
		t.Errorf("constrained capabilities %v: want EthernetInterfaces", caps)
	}
	r = ts.do("POST", systemsPath, m{"Name": "net", "EthernetInterfaces": m{"Members": []m{{"@Redfish.RequestedCount": 2, "SpeedMbps": 1000}}}}).mustStatus(t, http.StatusCreated)
	zones, kinds = map[string]bool{}, map[string]int{}
	for _, x := range get(r.body, "Links", "ResourceBlocks").([]any) {
		b := ts.do("GET", get(x, "@odata.id").(string), nil).body
		zones[get(b, "Links", "Zones", 0, "@odata.id").(string)] = true
		kinds[get(b, "ResourceBlockType", 0).(string)]++
	}
	if len(zones) != 1 || kinds[blockCompute] != 1 || kinds[blockNetwork] != 2 || len(get(r.body, "Links", "ResourceBlocks").([]any)) != 3 {
		t.Errorf("blocks by zone %v and type %v: want one zone, one Compute and two Network blocks", zones, kinds)
	}
	r = ts.do("POST", systemsPath, m{"Name": "fast", "EthernetInterfaces": m{"Members": []m{{"@Redfish.RequestedCount": 1, "SpeedMbps": 400000}}}}).mustStatus(t, http.StatusConflict)
	if !strings.Contains(r.extendedMessages()[0], "1 interfaces of at least 400000 Mbps") {
		t.Errorf("unsatisfiable interfaces: %s", r.raw)
	}
	ts.do("POST", systemsPath, m{"Name": "bad", "EthernetInterfaces": m{"Members": []m{{"@Redfish.RequestedCount": 1, "SpeedMbps": -1}}}}).mustStatus(t, http.StatusBadRequest)
}

func TestDMTFConcurrentCompositionsGetDistinctBlocks(t *testing.T) {
	ts := newDMTFServer(t, Config{Systems: 12})
	systems := make([]string, 12)
	var wg sync.WaitGroup
	for i := range systems {
		wg.Go(func() {
			r := ts.do("POST", systemsPath, m{"Name": "n", "Memory": m{"Members": []m{{"@Redfish.RequestedCount": 1}}}})
			systems[i] = r.header.Get("Location")
		})
	}
	wg.Wait()
	var computes []string
	for _, s := range systems {
		if s == "" {
			t.Fatal("a composition failed while Compute blocks were free")
		}
		for _, x := range get(ts.do("GET", s, nil).body, "Links", "ResourceBlocks").([]any) {
			if p := get(x, "@odata.id").(string); strings.Contains(p, "/Compute") {
				computes = append(computes, p)
			}
		}
	}
	slices.Sort(computes)
	if len(computes) != 12 || len(slices.Compact(computes)) != 12 {
		t.Errorf("Compute blocks shared: %v", computes)
	}
	ts.do("POST", systemsPath, m{"Name": "n", "Memory": m{"Members": []m{{"@Redfish.RequestedCount": 1}}}}).mustStatus(t, http.StatusConflict)
}

func TestDMTFFaultsAndJournal(t *testing.T) {
	var journal strings.Builder
	ts := newDMTFServer(t, Config{Journal: &journal})
	ts.sim.SetFaults(Faults{ErrorRate: map[string]float64{OpAllocate: 1}, ErrorStatus: http.StatusServiceUnavailable})
	ts.do("POST", systemsPath, m{"Name": "x", "Links": blockRefs(blocksPath + "/Compute1")}).mustStatus(t, http.StatusServiceUnavailable)
	ts.sim.SetFaults(Faults{})
	ts.do("POST", systemsPath, m{"Name": "x", "Links": blockRefs(blocksPath + "/Compute1")}).mustStatus(t, http.StatusCreated)

	again, err := New(Config{Model: ModelDMTF, Racks: 2, DrawersPerRack: 2, SystemsPerDrawer: 2})
	if err != nil {
		t.Fatal(err)
	}
	if err := again.Replay(strings.NewReader(journal.String())); err != nil {
		t.Fatal(err)
	}
	if again.dmtf.composed["Composed1"] == nil || again.dmtf.byPath[blocksPath+"/Compute1"].owner == nil {
		t.Error("the composition did not survive a replay of the journal")
	}
}

// With ComposeDelay, a composition is carried out at once and answered late:
// a client that leaves meanwhile loses the answer, not the system.
func TestDMTFComposeDelayLosesOnlyTheAnswer(t *testing.T) {
	ts := newDMTFServer(t, Config{ComposeDelay: time.Hour})
	body, _ := json.Marshal(m{"Name": "web-1", "Links": blockRefs(blocksPath + "/Compute1")})
	ctx, cancel := context.WithCancel(t.Context())
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, ts.srv.URL+systemsPath, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	answered := make(chan error, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		answered <- err
	}()
	for ts.do("GET", systemsPath+"/Composed1", nil).status != http.StatusOK {
		select {
		case err := <-answered:
			t.Fatalf("the composition answered before its delay: %v", err)
		case <-time.After(10 * time.Millisecond):
		}
	}
	cancel()
	if err := <-answered; err == nil {
		t.Fatal("the client that left got an answer")
	}
	sys := ts.do("GET", systemsPath+"/Composed1", nil).mustStatus(t, http.StatusOK)
	if sys.body["Name"] != "web-1" {
		t.Errorf("the composed system after its client left: %v", sys.body)
	}
}

// Config.Composition offers one form of composition, or both: the Systems collection lists
// only the capabilities offered, and a request of the other form is refused, composing nothing.
func TestDMTFCompositionForms(t *testing.T) {
	for _, cfg := range []Config{{Composition: CompositionSpecific}, {Model: ModelDMTF, Composition: "some"}} {
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%+v) accepted", cfg)
		}
	}
	specific := m{"Name": "s", "Links": blockRefs(blocksPath + "/Compute1")}
	constrained := m{"Name": "c", "Processors": m{"Members": []m{{"@Redfish.RequestedCount": 1}}}}
	for _, c := range []struct {
		form     string
		useCases []string
		refused  m
		related  string
	}{
		{CompositionSpecific, []string{useCaseSpecific}, constrained, "/Processors"},
		{CompositionConstrained, []string{useCaseConstrained}, specific, "/Links/ResourceBlocks"},
		{CompositionBoth, []string{useCaseSpecific, useCaseConstrained}, nil, ""},
	} {
		ts := newDMTFServer(t, Config{Composition: c.form})
		var useCases []string
		for _, x := range get(ts.do("GET", systemsPath, nil).body, "@Redfish.CollectionCapabilities", "Capabilities").([]any) {
			useCases = append(useCases, get(x, "UseCase").(string))
		}
		if !slices.Equal(useCases, c.useCases) {
			t.Errorf("%s: use cases %v, want %v", c.form, useCases, c.useCases)
		}
		if c.refused == nil {
			ts.do("POST", systemsPath, specific).mustStatus(t, http.StatusCreated)
			ts.do("POST", systemsPath, constrained).mustStatus(t, http.StatusCreated)
			continue
		}
		r := ts.do("POST", systemsPath, c.refused).mustStatus(t, http.StatusBadRequest)
		related, _ := get(r.body, "error", "@Message.ExtendedInfo", 0, "RelatedProperties").([]any)
		if r.errorCode(t) != baseRegistry+"PropertyUnknown" || !slices.Contains(related, any(c.related)) {
			t.Errorf("%s: the other form refused with %s", c.form, r.raw)
		}
		if got := memberPaths(ts.do("GET", systemsPath, nil).body); len(got) != 0 {
			t.Errorf("%s: a refused form composed %v", c.form, got)
		}
	}
}

// The options that shape RSD's nodes or the generated systems mean nothing in the DMTF model,
// and the compose delay nothing in the RSD model: each is refused with the model it applies
// to, at start and (faults) at run time, instead of being silently ignored.
func TestDMTFModelRefusesOptionsOfTheOtherModel(t *testing.T) {
	for _, c := range []struct {
		cfg  Config
		want string
	}{
		{Config{Model: ModelDMTF, AssembleDelay: time.Second}, "an assembly delay"},
		{Config{Model: ModelDMTF, Faults: Faults{FailAssembly: true}}, "a failed assembly"},
		{Config{Model: ModelDMTF, Faults: Faults{ErrorRate: map[string]float64{OpVolume: 0.5}}}, "errors of volume"},
		{Config{Model: ModelDMTF, Quirks: Quirks{DeadLinks: []string{PartMemory}}}, "dead links"},
		{Config{Model: ModelDMTF, Quirks: Quirks{AbsentSockets: 1, Accelerators: []string{AccelGPU}}}, "absent sockets, accelerators"},
		{Config{Model: ModelDMTF, Quirks: Quirks{SharedUUID: 2}}, "shared UUIDs"},
		{Config{Model: ModelDMTF, Quirks: Quirks{NoUUID: 1}}, "missing UUIDs"},
		{Config{Model: ModelDMTF, Quirks: Quirks{DropDescription: true}}, "a dropped Description"},
		{Config{ComposeDelay: time.Second}, "compose delay or task applies to the dmtf model"},
	} {
		_, err := New(c.cfg)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("New(%+v) = %v; want a refusal naming %q", c.cfg, err, c.want)
		}
	}
	// What does apply is taken: faults of the operations it serves, racks that are not Racks.
	ts := newDMTFServer(t, Config{Faults: Faults{Latency: time.Millisecond, ErrorRate: map[string]float64{OpAllocate: 0.1}}, Quirks: Quirks{NoRacks: true}})
	r := ts.do("PUT", adminFaultsPath, m{"fail_assembly": true}).mustStatus(t, http.StatusBadRequest)
	if !strings.Contains(string(r.raw), "a failed assembly") {
		t.Errorf("PUT fail_assembly on the DMTF model: %s", r.raw)
	}
	ts.do("PUT", adminFaultsPath, m{"error_rate": m{OpDelete: 0.5}}).mustStatus(t, http.StatusOK)
}

// With ComposeTask, a composition is answered 202 with a task monitor: the system exists at
// once, the monitor answers 202 with Retry-After until the task ends, then the composition's
// own answer; a refusal of the blocks is the task's, at its end (the monitor's 409 and the
// Task's Messages), while a malformed request is still refused at once.
func TestDMTFComposeTask(t *testing.T) {
	clk := &clock{now: time.Unix(1_000_000, 0)}
	ts := newDMTFServer(t, Config{ComposeTask: time.Minute, Now: clk.Now})
	r := ts.do("POST", systemsPath, m{"Name": "web-1", "Links": blockRefs(blocksPath + "/Compute1")}).mustStatus(t, http.StatusAccepted)
	monitor := r.header.Get("Location")
	if !strings.HasPrefix(monitor, taskMonitorsPath+"/") || r.header.Get("Retry-After") != "60" || r.body["TaskState"] != "Running" {
		t.Fatalf("202: Location %q, Retry-After %q, %v", monitor, r.header.Get("Retry-After"), r.body)
	}
	ts.do("GET", systemsPath+"/Composed1", nil).mustStatus(t, http.StatusOK) // composed already
	clk.add(30 * time.Second)
	if r := ts.do("GET", monitor, nil).mustStatus(t, http.StatusAccepted); r.header.Get("Retry-After") != "30" {
		t.Errorf("monitor half way: Retry-After %q", r.header.Get("Retry-After"))
	}
	clk.add(31 * time.Second)
	r = ts.do("GET", monitor, nil).mustStatus(t, http.StatusCreated)
	if r.header.Get("Location") != systemsPath+"/Composed1" || r.body["Name"] != "web-1" {
		t.Errorf("monitor after the task: Location %q, %v", r.header.Get("Location"), r.body)
	}
	task := ts.do("GET", tasksPath+"/1", nil).mustStatus(t, http.StatusOK).body
	if task["TaskState"] != "Completed" || get(task, "Links", "CreatedResources", 0, "@odata.id") != systemsPath+"/Composed1" {
		t.Errorf("finished task %v", task)
	}

	monitor = ts.do("POST", systemsPath, m{"Name": "again", "Links": blockRefs(blocksPath + "/Compute1")}).mustStatus(t, http.StatusAccepted).header.Get("Location")
	clk.add(time.Minute)
	if r := ts.do("GET", monitor, nil).mustStatus(t, http.StatusConflict); r.errorCode(t) != baseRegistry+"ResourceInUse" {
		t.Errorf("monitor of a refused composition: %s", r.raw)
	}
	task = ts.do("GET", tasksPath+"/2", nil).mustStatus(t, http.StatusOK).body
	if task["TaskState"] != "Exception" || get(task, "Messages", 0, "MessageId") != baseRegistry+"ResourceInUse" {
		t.Errorf("refused task %v", task)
	}
	ts.do("POST", systemsPath, m{"Links": blockRefs(blocksPath + "/Compute2")}).mustStatus(t, http.StatusBadRequest)
	ts.do("GET", taskMonitorsPath+"/99", nil).mustStatus(t, http.StatusNotFound)
}

// A composed system grows and shrinks by ComputerSystem.AddResourceBlock and
// RemoveResourceBlock, or by a PATCH of Links.ResourceBlocks (UpdatableAfterCreate in the
// capabilities object), under the rules of a composition: one Compute block, one zone, free
// blocks. A refusal changes nothing.
func TestDMTFAddRemoveAndPatchBlocks(t *testing.T) {
	ts := newDMTFServer(t, Config{})
	caps := ts.do("GET", specificCapsPath, nil).mustStatus(t, http.StatusOK).body
	if get(caps, "Links", "ResourceBlocks@Redfish.UpdatableAfterCreate") != true {
		t.Errorf("capabilities %v: want ResourceBlocks updatable after create", caps)
	}
	z1, z2 := ts.zoneBlocks("1"), ts.zoneBlocks("2")
	pick := func(zone []string, kind string, skip int) string {
		for _, b := range zone {
			if strings.Contains(b, "/"+kind) {
				if skip == 0 {
					return b
				}
				skip--
			}
		}
		t.Fatalf("no %s block in %v", kind, zone)
		return ""
	}
	compute, drive, drive2, otherZone := pick(z1, "Compute", 0), pick(z1, "Drive", 0), pick(z1, "Drive", 1), pick(z2, "Drive", 0)
	sys := ts.do("POST", systemsPath, m{"Name": "grow", "Links": blockRefs(compute)}).mustStatus(t, http.StatusCreated).header.Get("Location")
	actions := get(ts.do("GET", sys, nil).body, "Actions").(map[string]any)
	add := get(actions, "#ComputerSystem.AddResourceBlock", "target").(string)
	remove := get(actions, "#ComputerSystem.RemoveResourceBlock", "target").(string)
	blocksOf := func() []string {
		return memberPaths(m{"Members": get(ts.do("GET", sys, nil).body, "Links", "ResourceBlocks")})
	}
	state := func(b string) any { return get(ts.do("GET", b, nil).body, "CompositionStatus", "CompositionState") }

	ts.do("POST", add, m{"ResourceBlock": m{"@odata.id": drive}}).mustStatus(t, http.StatusNoContent)
	if got := blocksOf(); !slices.Equal(got, []string{compute, drive}) || state(drive) != "Composed" {
		t.Errorf("after AddResourceBlock: blocks %v, the drive %v", got, state(drive))
	}
	for _, c := range []struct {
		name   string
		target string
		block  string
		status int
		id     string
	}{
		{"other zone", add, otherZone, http.StatusBadRequest, "PropertyValueConflict"},
		{"twice", add, drive, http.StatusBadRequest, "PropertyValueConflict"},
		{"second Compute", add, pick(z1, "Compute", 1), http.StatusBadRequest, "PropertyValueIncorrect"},
		{"the Compute", remove, compute, http.StatusBadRequest, "PropertyValueIncorrect"},
		{"not its block", remove, drive2, http.StatusBadRequest, "ActionParameterValueError"},
		{"no such block", add, blocksPath + "/Nope", http.StatusBadRequest, "ResourceMissingAtURI"},
		{"no parameter", add, "", http.StatusBadRequest, "ActionParameterMissing"},
	} {
		body := m{}
		if c.block != "" {
			body["ResourceBlock"] = m{"@odata.id": c.block}
		}
		r := ts.do("POST", c.target, body)
		if r.status != c.status || r.errorCode(t) != baseRegistry+c.id {
			t.Errorf("%s: %d %s, want %d %s", c.name, r.status, r.raw, c.status, c.id)
		}
	}
	other := ts.do("POST", systemsPath, m{"Name": "other", "Links": blockRefs(pick(z1, "Compute", 1), drive2)}).mustStatus(t, http.StatusCreated).header.Get("Location")
	if r := ts.do("PATCH", sys, m{"Links": blockRefs(compute, drive, drive2)}).mustStatus(t, http.StatusConflict); r.errorCode(t) != baseRegistry+"ResourceInUse" {
		t.Errorf("PATCH with another system's block: %s", r.raw)
	}
	ts.do("DELETE", other, nil).mustStatus(t, http.StatusNoContent)
	ts.do("PATCH", sys, m{"Links": blockRefs(compute, drive2)}).mustStatus(t, http.StatusOK)
	if got := blocksOf(); !slices.Equal(got, []string{compute, drive2}) || state(drive) != "Unused" || state(drive2) != "Composed" {
		t.Errorf("after the PATCH: blocks %v, %s %v, %s %v", got, drive, state(drive), drive2, state(drive2))
	}
	ts.do("PATCH", sys, m{"Links": m{"Chassis": []m{}}}).mustStatus(t, http.StatusBadRequest)
	ts.do("POST", remove, m{"ResourceBlock": m{"@odata.id": drive2}}).mustStatus(t, http.StatusNoContent)
	if got := blocksOf(); !slices.Equal(got, []string{compute}) || state(drive2) != "Unused" {
		t.Errorf("after RemoveResourceBlock: blocks %v", got)
	}
}

// With SharedStorage each Storage block is in its rack's zone and the next one's, and
// composes with a Compute block of either.
func TestDMTFSharedStorage(t *testing.T) {
	ts := newDMTFServer(t, Config{SharedStorage: true})
	drive := blocksPath + "/Drive1-1"
	zones := get(ts.do("GET", drive, nil).body, "Links", "Zones").([]any)
	if len(zones) != 2 || !slices.Contains(ts.zoneBlocks("2"), drive) {
		t.Fatalf("zones of %s: %v", drive, zones)
	}
	z2 := ts.zoneBlocks("2")
	compute := z2[slices.IndexFunc(z2, func(b string) bool { return strings.Contains(b, "/Compute") })]
	ts.do("POST", systemsPath, m{"Name": "x", "Links": blockRefs(compute, drive)}).mustStatus(t, http.StatusCreated)
	if _, err := New(Config{SharedStorage: true}); err == nil {
		t.Error("shared storage accepted in the RSD model")
	}
}
