package podm_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/valence-rsd/valence/internal/rsdsim"
	"github.com/valence-rsd/valence/internal/valence"
)

// The adapter in composition mode, against the simulator's DMTF model.

const blocksPath = "/redfish/v1/CompositionService/ResourceBlocks"

// startDMTF serves a DMTF-model simulator of 2 racks (zones) × 1 drawer × 2 blades.
func startDMTF(t *testing.T) sim {
	t.Helper()
	s, err := rsdsim.New(rsdsim.Config{Model: rsdsim.ModelDMTF, Racks: 2, DrawersPerRack: 1, SystemsPerDrawer: 2,
		Seed: 3, Username: simUser, Password: simPass, AssembleDelay: 20 * time.Millisecond})
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
	uri, err := conn.Allocate(ctx, valence.AllocateRequest{Name: "n1", TotalSystemCoreCount: 1, TotalSystemMemoryMiB: 1,
		Processors: []valence.ProcessorReq{{}}})
	if err != nil {
		t.Fatalf("Allocate: %v", err)
	}
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
	_, err = conn.Allocate(context.Background(), valence.AllocateRequest{Name: "d", LocalDrives: []valence.LocalDriveReq{{CapacityGiB: 1}}})
	wantCode(t, err, valence.Invalid)
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
				uri, err := conn.Allocate(context.Background(), valence.AllocateRequest{Name: "c", TotalSystemCoreCount: 1})
				if err != nil {
					if !valence.IsCode(err, valence.Conflict) {
						t.Errorf("Allocate: %v", err)
					}
					return
				}
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
	uri, err := conn.Allocate(context.Background(), valence.AllocateRequest{Name: "three", Processors: procs(3)})
	if err != nil {
		t.Fatal(err)
	}
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
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/redfish/v1/Systems" {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			mu.Lock()
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
			mu.Unlock()
		}
		s.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	conn := connect(t, newConnector(), access(front.URL))
	uri, err := conn.Allocate(context.Background(), valence.AllocateRequest{Name: "retried", TotalSystemCoreCount: 1})
	if err != nil {
		t.Fatalf("Allocate after a block was taken: %v", err)
	}
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
