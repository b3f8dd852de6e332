package podm_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/valence-rsd/valence/internal/rsdsim"
	"github.com/valence-rsd/valence/internal/valence"
)

// The adapter in composition mode, against the simulator's DMTF model.

const blocksPath = "/redfish/v1/CompositionService/ResourceBlocks"

// startDMTF serves a DMTF-model simulator of 2 racks (zones) × 1 drawer × 2 blades.
func startDMTF(t *testing.T) sim { return startDMTFOffering(t, "") }

// startDMTFOffering is startDMTF offering one form of composition (rsdsim.Config.Composition).
func startDMTFOffering(t *testing.T, form string) sim {
	t.Helper()
	s, err := rsdsim.New(rsdsim.Config{Model: rsdsim.ModelDMTF, Racks: 2, DrawersPerRack: 1, SystemsPerDrawer: 2,
		Seed: 3, Username: simUser, Password: simPass, Composition: form})
	if err != nil {
		t.Fatal(err)
	}
	return serve(t, s)
}

// blockStates maps every block of the simulator to its CompositionState.
func blockStates(t *testing.T, s sim) map[string]string {
	out := map[string]string{}
	for _, b := range members(t, s, blocksPath) {
		out[b] = raw(t, s, b)["CompositionStatus"].(map[string]any)["CompositionState"].(string)
	}
	return out
}

// composedBlocks returns the blocks a composed system links, read raw.
func composedBlocks(t *testing.T, s sim, system string) []string {
	var out []string
	for _, l := range raw(t, s, system)["Links"].(map[string]any)["ResourceBlocks"].([]any) {
		out = append(out, l.(map[string]any)["@odata.id"].(string))
	}
	return out
}

func TestSimCompositionLifecycle(t *testing.T) {
	s := startDMTF(t)
	conn := connect(t, newConnector(), access(s.srv.URL))
	ctx := context.Background()
	info, err := conn.Probe(ctx)
	if err != nil || !strings.Contains(strings.Join(info.Capabilities, ","), valence.CapCompose) {
		t.Fatalf("Probe = %+v, %v; want the compose capability", info, err)
	}
	if got := conn.NodeURI("Composed1"); got != "/redfish/v1/Systems/Composed1" {
		t.Errorf("NodeURI = %q", got)
	}
	alloc, err := conn.Allocate(ctx, valence.AllocateRequest{Name: "n1", TotalSystemCoreCount: 1, TotalSystemMemoryMiB: 1,
		Processors: []valence.ProcessorReq{{}}})
	if err != nil {
		t.Fatalf("Allocate: %v", err)
	}
	uri := alloc.URI
	if err := conn.Assemble(ctx, uri); err != nil {
		t.Fatal(err)
	}
	w, err := conn.WaitAssembled(ctx, uri)
	if err != nil || w.URI != uri || w.Index == "" || w.State != "Assembled" || w.PowerState == "" || w.Name != "n1" {
		t.Fatalf("WaitAssembled = %+v, %v", w, err)
	}
	used := composedBlocks(t, s, uri)
	states := blockStates(t, s)
	for _, b := range used {
		if states[b] != "Composed" {
			t.Errorf("block %s is %s after the compose", b, states[b])
		}
	}
	n, err := conn.GetNode(ctx, uri)
	if err != nil {
		t.Fatal(err)
	}
	if n.URI != uri || n.ComputerSystem != uri || n.State != "Assembled" || n.Name != "n1" ||
		len(n.Metadata.Processors) == 0 || len(n.Metadata.Memory) == 0 || len(n.AllowedResets) == 0 {
		t.Errorf("GetNode = %+v", n)
	}
	nodes, err := conn.ListNodes(ctx)
	if err != nil || len(nodes) != 1 || nodes[0].URI != uri || nodes[0].Name != "n1" || nodes[0].State != "Assembled" {
		t.Errorf("ListNodes = %+v, %v", nodes, err)
	}
	if err := conn.ResetNode(ctx, uri, "On"); err != nil {
		t.Fatal(err)
	}
	if p := raw(t, s, uri)["PowerState"]; p != "On" {
		t.Errorf("PowerState after On = %v", p)
	}
	if err := conn.SetBoot(ctx, uri, valence.Boot{Enabled: "Once", Target: "Pxe"}); err != nil {
		t.Fatal(err)
	}
	if b := raw(t, s, uri)["Boot"].(map[string]any); b["BootSourceOverrideTarget"] != "Pxe" {
		t.Errorf("Boot after SetBoot = %v", b)
	}
	if n, err := conn.GetNode(ctx, uri); err != nil || n.Boot.Enabled != "Once" || n.Boot.Target != "Pxe" {
		t.Errorf("GetNode after SetBoot: boot %+v, %v", n.Boot, err)
	}
	if err := conn.DeleteNode(ctx, uri); err != nil {
		t.Fatal(err)
	}
	states = blockStates(t, s)
	for _, b := range used {
		if states[b] != "Unused" {
			t.Errorf("block %s is %s after the decompose", b, states[b])
		}
	}
	if err := conn.DeleteNode(ctx, uri); err != nil {
		t.Errorf("DeleteNode of a decomposed system = %v, want nil", err)
	}
	_, err = conn.GetNode(ctx, uri)
	wantCode(t, err, valence.NotFound)
}

func TestSimCompositionRefusals(t *testing.T) {
	s := startDMTF(t)
	conn := connect(t, newConnector(), access(s.srv.URL))
	_, err := conn.Allocate(context.Background(), valence.AllocateRequest{Name: "big", TotalSystemCoreCount: 100000, TotalSystemMemoryMiB: 1 << 30})
	e := wantCode(t, err, valence.Conflict)
	for _, want := range []string{"processor.total_cores 100000", "memory.capacity_mib"} {
		if !strings.Contains(e.Message, want) {
			t.Errorf("message %q does not name %q", e.Message, want)
		}
	}
	_, err = conn.Allocate(context.Background(), valence.AllocateRequest{Name: "v", EthernetInterfaces: []valence.NetworkReq{{SpeedMbps: 1}, {VLAN: 7}}})
	if e := wantCode(t, err, valence.Invalid); !strings.Contains(e.Message, "network[1].vlan") {
		t.Errorf("a VLAN asked: %q does not name network[1].vlan", e.Message)
	}
	_, err = conn.Allocate(context.Background(), valence.AllocateRequest{Name: "d", LocalDrives: make([]valence.LocalDriveReq, 20),
		EthernetInterfaces: []valence.NetworkReq{{SpeedMbps: 1 << 30}}})
	e = wantCode(t, err, valence.Conflict)
	for _, want := range []string{"local_drives 20 (at most ", "network 1 (at most 0 "} {
		if !strings.Contains(e.Message, want) {
			t.Errorf("message %q does not name %q", e.Message, want)
		}
	}
	for b, st := range blockStates(t, s) {
		if st != "Unused" {
			t.Errorf("block %s is %s after refused composes", b, st)
		}
	}
}

// Two connections (two Valence servers) compose at once until the pool runs
// out: no block is in two systems, and every failure is the pool's end.
func TestSimCompositionConcurrent(t *testing.T) {
	s := startDMTF(t)
	conns := []valence.PodManagerConn{connect(t, newConnector(), access(s.srv.URL)), connect(t, newConnector(), access(s.srv.URL))}
	var mu sync.Mutex
	var systems []string
	var wg sync.WaitGroup
	for _, conn := range conns {
		wg.Go(func() {
			for {
				alloc, err := conn.Allocate(context.Background(), valence.AllocateRequest{Name: "c", TotalSystemCoreCount: 1})
				if err != nil {
					if !valence.IsCode(err, valence.Conflict) {
						t.Errorf("Allocate: %v", err)
					}
					return
				}
				uri := alloc.URI
				mu.Lock()
				systems = append(systems, uri)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(systems) != 4 { // one per blade's Compute block
		t.Errorf("composed %d systems, want 4: %v", len(systems), systems)
	}
	owner := map[string]string{}
	for _, sys := range systems {
		for _, b := range composedBlocks(t, s, sys) {
			if o, ok := owner[b]; ok {
				t.Errorf("block %s in %s and %s", b, o, sys)
			}
			owner[b] = sys
		}
	}
}

// Processors beyond a Compute block's come from Processor blocks of its zone:
// the pool's blade 1 has one socket and blades 2-4 two, racks 1 and 2 being
// zones 1 and 2, so three processors are only in zone 2, and four nowhere.
func TestSimCompositionBlocksOfOneZone(t *testing.T) {
	s := startDMTF(t)
	conn := connect(t, newConnector(), access(s.srv.URL))
	procs := func(n int) []valence.ProcessorReq { return make([]valence.ProcessorReq, n) }
	alloc, err := conn.Allocate(context.Background(), valence.AllocateRequest{Name: "three", Processors: procs(3)})
	if err != nil {
		t.Fatal(err)
	}
	uri := alloc.URI
	got := strings.Join(composedBlocks(t, s, uri), " ")
	want := blocksPath + "/Compute3 " + blocksPath + "/Processor3 " + blocksPath + "/Processor4"
	if got != want {
		t.Errorf("blocks = %s, want %s", got, want)
	}
	n, err := conn.GetNode(context.Background(), uri)
	if err != nil || len(n.Metadata.Processors) != 3 {
		t.Errorf("GetNode = %d processors, %v; want 3", len(n.Metadata.Processors), err)
	}
	_, err = conn.Allocate(context.Background(), valence.AllocateRequest{Name: "four", Processors: procs(4)})
	if e := wantCode(t, err, valence.Conflict); !strings.Contains(e.Message, "processor.count 4 (at most 2 free in one zone)") {
		t.Errorf("message = %q", e.Message)
	}
}

// A block chosen but taken by another client before the POST (the service
// answers 409 ResourceInUse) makes Allocate read the pool and choose again.
func TestSimCompositionRetriesWhenABlockIsTaken(t *testing.T) {
	s := startDMTF(t)
	var mu sync.Mutex
	var posts int
	var stolen []string
	front := postFront(t, s, func(body []byte) {
		mu.Lock()
		defer mu.Unlock()
		if posts++; posts == 1 {
			// Another client composes the very blocks first.
			other := httptest.NewRequest(http.MethodPost, "/redfish/v1/Systems", bytes.NewReader(body))
			other.SetBasicAuth(simUser, simPass)
			other.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, other)
			if rec.Code != http.StatusCreated {
				t.Errorf("the other client's compose: %d %s", rec.Code, rec.Body)
			}
			var req struct {
				Links struct {
					ResourceBlocks []struct {
						ID string `json:"@odata.id"`
					}
				}
			}
			_ = json.Unmarshal(body, &req)
			for _, b := range req.Links.ResourceBlocks {
				stolen = append(stolen, b.ID)
			}
		}
	})
	conn := connect(t, newConnector(), access(front))
	alloc, err := conn.Allocate(context.Background(), valence.AllocateRequest{Name: "retried", TotalSystemCoreCount: 1})
	if err != nil {
		t.Fatalf("Allocate after a block was taken: %v", err)
	}
	uri := alloc.URI
	got := composedBlocks(t, s, uri)
	if posts != 2 || len(stolen) == 0 || slices.ContainsFunc(got, func(b string) bool { return slices.Contains(stolen, b) }) {
		t.Errorf("%d POSTs; blocks %v, the other client took %v: want 2 POSTs and disjoint blocks", posts, got, stolen)
	}
}

// The plain Redfish driver never composes, a CompositionService or not.
func TestSimCompositionNotUnderTheRedfishDriver(t *testing.T) {
	plainDriverRefusesToCompose(t, startDMTF(t))
}

// A compose whose answer is lost still leaves a system the core's recovery
// can tell for this compose's: ListNodes reports the request's ComposeID
// (kept in the Description, which reads back as the caller's), and none for
// a system composed outside Valence.
func TestSimCompositionKeepsTheComposeID(t *testing.T) {
	s := startDMTF(t)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/redfish/v1/Systems" {
			s.ServeHTTP(w, r)
			return
		}
		// The service composes; its answer never reaches the client.
		s.ServeHTTP(httptest.NewRecorder(), r)
		if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
			conn.Close()
		}
	}))
	t.Cleanup(front.Close)
	ctx := context.Background()
	lossy := connect(t, newConnector(), access(front.URL))
	if _, err := lossy.Allocate(ctx, valence.AllocateRequest{Name: "web-1", Description: "web tier", ComposeID: "compose-1", TotalSystemCoreCount: 1}); err == nil {
		t.Fatal("Allocate through a front that drops the answer succeeded")
	}
	status, body := post(t, s, "/redfish/v1/Systems", map[string]any{"Name": "web-1", "Description": "by hand",
		"Links": map[string]any{"ResourceBlocks": []any{map[string]any{"@odata.id": freeCompute(t, s)}}}})
	if status != http.StatusCreated {
		t.Fatalf("compose by hand: %d %s", status, body)
	}

	conn := connect(t, newConnector(), access(s.srv.URL))
	nodes, err := conn.ListNodes(ctx)
	if err != nil || len(nodes) != 2 {
		t.Fatalf("ListNodes = %+v, %v; want the lost compose's system and the one by hand", nodes, err)
	}
	byID := map[string]valence.PodmNode{}
	for _, n := range nodes {
		byID[n.ComposeID] = n
	}
	lost, hand := byID["compose-1"], byID[""]
	if lost.URI == "" || lost.Name != "web-1" || lost.Description != "web tier" || lost.State != "Assembled" {
		t.Errorf("the lost compose's system: %+v", lost)
	}
	if hand.URI == "" || hand.Description != "by hand" {
		t.Errorf("the system composed by hand: %+v", hand)
	}
	if d := raw(t, s, lost.URI)["Description"]; !strings.Contains(d.(string), "compose-1") {
		t.Errorf("the service keeps Description %q, without the compose's id", d)
	}
	if n, err := conn.GetNode(ctx, lost.URI); err != nil || n.ComposeID != "compose-1" || n.Description != "web tier" {
		t.Errorf("GetNode = %+v, %v; want compose-1 and the caller's description", n, err)
	}
}

// freeCompute returns a Compute block of the simulator that is Unused.
func freeCompute(t *testing.T, s sim) string {
	t.Helper()
	for b, state := range blockStates(t, s) {
		if state == "Unused" && strings.Contains(b, "Compute") {
			return b
		}
	}
	t.Fatal("no free Compute block")
	return ""
}

// post sends body as JSON to the simulator with its credentials.
func post(t *testing.T, s sim, path string, body any) (int, string) {
	t.Helper()
	data, _ := json.Marshal(body)
	req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(data))
	req.SetBasicAuth(simUser, simPass)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

// postFront serves s through a front that shows seen the body of each POST
// to the Systems collection before s serves it, and returns the front's URL.
func postFront(t *testing.T, s sim, seen func(body []byte)) string {
	t.Helper()
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/redfish/v1/Systems" {
			b, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(b))
			seen(b)
		}
		s.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	return front.URL
}

// lastPost records the body of the last POST to the Systems collection that
// passes through a front of s.
func lastPost(t *testing.T, s sim) (url string, body func() map[string]any) {
	t.Helper()
	var mu sync.Mutex
	var last []byte
	front := postFront(t, s, func(b []byte) {
		mu.Lock()
		last = b
		mu.Unlock()
	})
	return front, func() map[string]any {
		mu.Lock()
		defer mu.Unlock()
		var out map[string]any
		if err := json.Unmarshal(last, &out); err != nil {
			t.Fatalf("the POST to Systems: %v: %s", err, last)
		}
		return out
	}
}

// A service that offers only constrained composition gets a constrained
// request: processors and memory within its capabilities object, the
// compose's mark in the Description; the service's ResourceExhaustion reaches
// the caller as a Conflict with its ExtendedInfo; what a constrained request
// cannot carry is Invalid before anything is sent.
func TestSimCompositionConstrainedOnly(t *testing.T) {
	s := startDMTFOffering(t, rsdsim.CompositionConstrained)
	url, posted := lastPost(t, s)
	conn := connect(t, newConnector(), access(url))
	ctx := context.Background()
	alloc, err := conn.Allocate(ctx, valence.AllocateRequest{Name: "c1", ComposeID: "compose-c1", TotalSystemCoreCount: 2,
		TotalSystemMemoryMiB: 4096, Processors: []valence.ProcessorReq{{}, {}}, Memory: []valence.MemoryReq{{Type: "DDR4"}}})
	if err != nil {
		t.Fatalf("Allocate: %v", err)
	}
	if !alloc.Marked {
		t.Errorf("a composed system is not known to carry its compose's mark")
	}
	uri := alloc.URI
	body := posted()
	// The simulator's capabilities object requires no property of a member,
	// so only the ones asked for are sent.
	want := map[string]any{"Name": "c1", "Description": "valence-compose:compose-c1",
		"Processors": map[string]any{"Members": []any{map[string]any{"@Redfish.RequestedCount": 2.0, "TotalCores": 1.0}}},
		"Memory": map[string]any{"Members": []any{map[string]any{"@Redfish.RequestedCount": 1.0,
			"CapacityMiB": 4096.0, "MemoryDeviceType": "DDR4"}}}}
	if !reflect.DeepEqual(body, want) {
		t.Errorf("constrained request:\n got %v\nwant %v", body, want)
	}
	n, err := conn.GetNode(ctx, uri)
	if err != nil || n.ComposeID != "compose-c1" || len(n.Metadata.Processors) < 2 || n.State != "Assembled" {
		t.Errorf("GetNode = %+v, %v", n, err)
	}

	used := blockStates(t, s)
	_, err = conn.Allocate(ctx, valence.AllocateRequest{Name: "huge", Processors: make([]valence.ProcessorReq, 64)})
	e := wantCode(t, err, valence.Conflict)
	if len(e.ExtendedInfo) == 0 || !strings.Contains(e.ExtendedInfo[0], "unavailability of resources") ||
		!strings.Contains(e.Message, "64 processors") {
		t.Errorf("the service's refusal: %q, extended info %+v", e.Message, e.ExtendedInfo)
	}
	for _, refused := range []struct {
		req  valence.AllocateRequest
		want string
	}{
		{valence.AllocateRequest{Name: "d", LocalDrives: []valence.LocalDriveReq{{CapacityGiB: 100}}}, "local_drives"},
	} {
		_, err := conn.Allocate(ctx, refused.req)
		if e := wantCode(t, err, valence.Invalid); !strings.Contains(e.Message, refused.want) || !strings.Contains(e.Message, "constrained") {
			t.Errorf("Allocate %+v: %q; want it to name %s", refused.req, e.Message, refused.want)
		}
	}
	if after := blockStates(t, s); !reflect.DeepEqual(after, used) {
		t.Error("a refused compose changed the blocks")
	}

	// Interfaces are asked for as one member: the service gives Network blocks.
	alloc, err = conn.Allocate(ctx, valence.AllocateRequest{Name: "net", EthernetInterfaces: []valence.NetworkReq{{SpeedMbps: 1000}, {}}})
	if err != nil {
		t.Fatalf("Allocate with interfaces: %v", err)
	}
	uri = alloc.URI
	if m := posted()["EthernetInterfaces"]; !reflect.DeepEqual(m, map[string]any{"Members": []any{map[string]any{"@Redfish.RequestedCount": 2.0, "SpeedMbps": 1000.0}}}) {
		t.Errorf("the interfaces asked: %v", m)
	}
	if n, err := conn.GetNode(ctx, uri); err != nil || len(n.Metadata.Network) < 2 {
		t.Errorf("the node's interfaces: %+v, %v; want 2", n.Metadata.Network, err)
	}
}

// Where both forms are offered, the driver sends the specific one.
func TestSimCompositionPrefersSpecific(t *testing.T) {
	for _, form := range []string{rsdsim.CompositionBoth, rsdsim.CompositionSpecific} {
		s := startDMTFOffering(t, form)
		url, posted := lastPost(t, s)
		conn := connect(t, newConnector(), access(url))
		if _, err := conn.Allocate(context.Background(), valence.AllocateRequest{Name: "s", TotalSystemCoreCount: 1}); err != nil {
			t.Fatalf("%s: Allocate: %v", form, err)
		}
		if body := posted(); body["Links"] == nil || body["Processors"] != nil {
			t.Errorf("%s: sent %v; want Links.ResourceBlocks", form, body)
		}
	}
}

// Local drives and network interfaces come from Storage and Network blocks
// of the Compute block's zone, each requirement met by a drive or an
// interface of its own, and the composed system shows them.
func TestSimCompositionDrivesAndNICs(t *testing.T) {
	s := startDMTF(t)
	conn := connect(t, newConnector(), access(s.srv.URL))
	// The simulator's first Storage block's drive, asked for by its properties.
	var drive map[string]any
	for _, b := range members(t, s, blocksPath) {
		if strings.Contains(b, "/Drive") {
			drive = raw(t, s, raw(t, s, b)["Drives"].([]any)[0].(map[string]any)["@odata.id"].(string))
			break
		}
	}
	gib := int(drive["CapacityBytes"].(float64)) >> 30
	req := valence.AllocateRequest{Name: "io", TotalSystemCoreCount: 1,
		LocalDrives:        []valence.LocalDriveReq{{}, {CapacityGiB: gib, Type: drive["MediaType"].(string), Interface: drive["Protocol"].(string)}},
		EthernetInterfaces: []valence.NetworkReq{{SpeedMbps: 1000}}}
	alloc, err := conn.Allocate(context.Background(), req)
	if err != nil {
		t.Fatalf("Allocate: %v", err)
	}
	uri := alloc.URI
	kinds, zones := map[string]int{}, map[string]bool{}
	for _, b := range composedBlocks(t, s, uri) {
		blk := raw(t, s, b)
		kinds[blk["ResourceBlockType"].([]any)[0].(string)]++
		zones[blk["Links"].(map[string]any)["Zones"].([]any)[0].(map[string]any)["@odata.id"].(string)] = true
	}
	if kinds["Compute"] != 1 || kinds["Storage"] != 2 || kinds["Network"] != 1 || len(zones) != 1 {
		t.Errorf("blocks by type %v in zones %v: want one Compute, two Storage and one Network block of one zone", kinds, zones)
	}
	n, err := conn.GetNode(context.Background(), uri)
	if err != nil {
		t.Fatal(err)
	}
	strict := slices.IndexFunc(n.Metadata.LocalDrives, func(d valence.DriveInfo) bool {
		return d.CapacityGiB >= float64(gib) && d.Type == drive["MediaType"] && d.Interface == drive["Protocol"]
	})
	if len(n.Metadata.LocalDrives) != 2 || strict < 0 || len(n.Metadata.Network) != 1 || n.Metadata.Network[0].SpeedMbps < 1000 {
		t.Errorf("the node's drives %+v and interfaces %+v: want 2 drives, one of them the one asked for, and one interface", n.Metadata.LocalDrives, n.Metadata.Network)
	}
}

// A service that composes in a task (202 and a task monitor): Allocate
// returns the system the finished task names, and a compose whose caller
// gives up before the task ends leaves a system recovery can tell by its
// ComposeID.
func TestSimCompositionThroughATask(t *testing.T) {
	for _, c := range []struct {
		task    time.Duration
		timeout time.Duration
	}{{100 * time.Millisecond, time.Minute}, {time.Hour, 2 * time.Second}} {
		// The second's timeout must outlast the reads before the POST (zones,
		// blocks: slow under -race on a loaded machine), so that the task is
		// created and only its answer is lost; an hour's task never ends first.
		s, err := rsdsim.New(rsdsim.Config{Model: rsdsim.ModelDMTF, Racks: 1, DrawersPerRack: 1, SystemsPerDrawer: 2,
			Seed: 3, Username: simUser, Password: simPass, ComposeTask: c.task})
		if err != nil {
			t.Fatal(err)
		}
		conn := connect(t, newConnector(), access(serve(t, s).srv.URL))
		ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
		alloc, err := conn.Allocate(ctx, valence.AllocateRequest{Name: "t", ComposeID: "compose-t", TotalSystemCoreCount: 1})
		cancel()
		uri := alloc.URI
		if c.task < c.timeout {
			if err != nil || uri != "/redfish/v1/Systems/Composed1" {
				t.Errorf("Allocate through a %s task = %q, %v", c.task, uri, err)
			}
			continue
		}
		wantCode(t, err, valence.Timeout)
		nodes, err := conn.ListNodes(context.Background())
		if err != nil || len(nodes) != 1 || nodes[0].ComposeID != "compose-t" {
			t.Errorf("after a task whose answer was lost: ListNodes = %+v, %v; want the system of compose-t", nodes, err)
		}
	}
}

// A block listed in several zones (rsd-simulator --dmtf-shared-storage: each
// Storage block also in the next rack's zone) is weighed in each: every drive
// of the pool composes with one Compute block, which no zone's own drives
// would allow.
func TestSimCompositionBlocksOfSeveralZones(t *testing.T) {
	s, err := rsdsim.New(rsdsim.Config{Model: rsdsim.ModelDMTF, Racks: 2, DrawersPerRack: 1, SystemsPerDrawer: 2,
		Seed: 3, Username: simUser, Password: simPass, SharedStorage: true})
	if err != nil {
		t.Fatal(err)
	}
	sv := serve(t, s)
	conn := connect(t, newConnector(), access(sv.srv.URL))
	var drives int
	for _, b := range members(t, sv, blocksPath) {
		if strings.Contains(b, "/Drive") {
			drives++
		}
	}
	alloc, err := conn.Allocate(context.Background(), valence.AllocateRequest{Name: "all", LocalDrives: make([]valence.LocalDriveReq, drives)})
	if err != nil {
		t.Fatalf("Allocate of all %d drives: %v", drives, err)
	}
	uri := alloc.URI
	if got := len(composedBlocks(t, sv, uri)); got != drives+1 {
		t.Errorf("%d blocks composed, want the %d drives and a Compute block", got, drives)
	}
}

// A composition task that fails (another client took the blocks between the
// choice and the task's end) is chosen again like a 409 answered at once, and
// once the attempts are spent the caller gets the Conflict with the task's
// messages.
func TestSimCompositionTaskRefusal(t *testing.T) {
	s, err := rsdsim.New(rsdsim.Config{Model: rsdsim.ModelDMTF, Racks: 2, DrawersPerRack: 1, SystemsPerDrawer: 2,
		Seed: 3, Username: simUser, Password: simPass, ComposeTask: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	sv := serve(t, s)
	var posts atomic.Int32
	front := postFront(t, sv, func(body []byte) {
		posts.Add(1)
		// Another client composes the very blocks first.
		if status, answer := post(t, sv, "/redfish/v1/Systems", json.RawMessage(body)); status != http.StatusAccepted {
			t.Errorf("the other client's compose: %d %s", status, answer)
		}
	})
	conn := connect(t, newConnector(), access(front))
	_, err = conn.Allocate(context.Background(), valence.AllocateRequest{Name: "late", TotalSystemCoreCount: 1})
	e := wantCode(t, err, valence.Conflict)
	if n := posts.Load(); n != 3 || len(e.ExtendedInfo) == 0 || !strings.Contains(e.ExtendedInfo[0], "in use") {
		t.Errorf("%d POSTs, then %q with %v; want 3 and the task's ResourceInUse", n, e.Message, e.ExtendedInfo)
	}
}
