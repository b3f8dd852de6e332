package server

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/valence-rsd/valence/api"
	"github.com/valence-rsd/valence/internal/rsdsim"
	"github.com/valence-rsd/valence/internal/valence"
)

func TestSystemsDegradePerPart(t *testing.T) {
	// Systems 2, 4 and 6 have dead Processors and EthernetInterfaces links;
	// 1 and 2 share a UUID; 6 has none.
	f := newAPIOver(t, rsdsim.Config{Systems: 6, Quirks: rsdsim.Quirks{
		DeadLinks: []string{rsdsim.PartProcessors, rsdsim.PartEthernetInterfaces}, DeadLinkShare: 0.5,
		SharedUUID: 2, NoUUID: 1,
	}}, Options{})
	pm := f.createPodManager(t, "podm1")
	resp, body := f.admin(t, "GET", "/v1/systems", "")
	var all []api.System
	if err := json.Unmarshal(body, &all); err != nil || resp.StatusCode != 200 || len(all) != 6 {
		t.Fatalf("GET /v1/systems: %d %s, want all 6 systems", resp.StatusCode, body)
	}
	byID := map[string]api.System{}
	for _, s := range all {
		byID[s.ID] = s
	}
	for _, id := range []string{"System2", "System4", "System6"} {
		w := byID[id].Warnings
		if len(w) != 2 || !strings.HasPrefix(w[0], "processors unknown: GET /redfish/v1/Systems/"+id+"/Processors: 404") ||
			!strings.HasPrefix(w[1], "network interfaces unknown: ") {
			t.Errorf("%s warnings %q", id, w)
		}
		// ProcessorSummary still says how many CPUs there are.
		if byID[id].CPU.Count == 0 || byID[id].RAM == 0 {
			t.Errorf("%s: %+v, want what the system itself says", id, byID[id])
		}
	}
	if s := byID["System1"]; len(s.Warnings) != 0 || s.CPU.Cores == 0 || s.Network == 0 {
		t.Errorf("System1 %+v, want it whole", s)
	}
	warnings := resp.Header.Values("Warning")
	if len(warnings) != 6 {
		t.Errorf("Warning headers %q, want one for each of the 6 warnings", warnings)
	}
	for _, w := range warnings {
		if !strings.HasPrefix(w, `199 valence "system System`) || !strings.Contains(w, " of pod manager podm1 ("+pm.UUID+"): ") {
			t.Errorf("Warning %q", w)
		}
	}

	// One system with a dead link answers 200, with its warnings.
	resp, body = f.admin(t, "GET", "/v1/systems/System4", "")
	var one api.System
	if err := json.Unmarshal(body, &one); err != nil || resp.StatusCode != 200 || len(one.Warnings) != 2 {
		t.Errorf("GET /v1/systems/System4: %d %s", resp.StatusCode, body)
	}

	// The UUID of System1 and System2 names neither.
	shared := byID["System1"].UUID
	resp, body = f.admin(t, "GET", "/v1/systems/"+shared, "")
	checkError(t, resp, body, 409, "Conflict")
	if !strings.Contains(string(body), "System1") || !strings.Contains(string(body), "System2") {
		t.Errorf("409 for a shared UUID does not name the systems: %s", body)
	}

	// Paging one by one visits every system once, whatever its UUID.
	seen := map[string]bool{}
	next := "/v1/systems?limit=1"
	for range 10 {
		resp, body = f.admin(t, "GET", next, "")
		var page []api.System
		if err := json.Unmarshal(body, &page); err != nil || len(page) != 1 || seen[page[0].ID] {
			t.Fatalf("GET %s: %d %s after %v", next, resp.StatusCode, body, seen)
		}
		seen[page[0].ID] = true
		link := resp.Header.Get("Link")
		if link == "" {
			break
		}
		next = strings.TrimPrefix(link[1:strings.Index(link, ">")], f.srv.URL)
	}
	if len(seen) != 6 {
		t.Errorf("paging visited %v, want the 6 systems", seen)
	}
}

func TestWarnItemsBounded(t *testing.T) {
	var msgs []string
	for i := range maxItemWarnings + 5 {
		msgs = append(msgs, fmt.Sprintf(`part %d: "quoted" \ and`+"\n"+`a newline`, i))
	}
	w := httptest.NewRecorder()
	warnItems(w, msgs)
	got := w.Header().Values("Warning")
	if len(got) != maxItemWarnings+1 || got[maxItemWarnings] != `199 valence "5 more warnings; see the items' warnings"` {
		t.Fatalf("%d Warning headers, last %q", len(got), got[len(got)-1])
	}
	if want := `199 valence "part 0: \"quoted\" \\ anda newline"`; got[0] != want {
		t.Errorf("Warning %q, want %q", got[0], want)
	}
}

func TestSystemOutUnread(t *testing.T) {
	// A system that answered but could not be read has only its Id, URI and
	// warning; its power state is Unknown, never "".
	out := systemOut(valence.System{ID: "13", ResourceURI: "/redfish/v1/Systems/13", Warnings: []string{"system unknown: 500"}})
	if out.PowerState != api.PowerUnknown || out.Accelerators == nil || len(out.Warnings) != 1 {
		t.Errorf("systemOut = %+v", out)
	}
}

// A whole systems list served from its cached encoding is the same answer;
// a change (a compose) gives a new answer at once, and a page is made
// afresh.
func TestSystemsListEncodingCached(t *testing.T) {
	f := newAPIOver(t, rsdsim.Config{Systems: 3}, Options{})
	pm := f.createPodManager(t, "podm1")
	get := func(path string) []byte {
		t.Helper()
		resp, body := f.admin(t, "GET", path, "")
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
		}
		return body
	}
	first := get("/v1/systems")
	if again := get("/v1/systems"); string(again) != string(first) {
		t.Errorf("the second list differs:\n%s\n%s", first, again)
	}
	if page := get("/v1/systems?limit=1"); strings.Count(string(page), `"uuid"`) != 1 {
		t.Errorf("a page of 1: %s", page)
	}
	resp, body := f.admin(t, "POST", "/v1/nodes", `{"name":"n1","podm_id":"`+pm.UUID+`"}`)
	if resp.StatusCode != 201 {
		t.Fatalf("compose: %d %s", resp.StatusCode, body)
	}
	var n api.Node
	if err := json.Unmarshal(body, &n); err != nil {
		t.Fatal(err)
	}
	if after := get("/v1/systems"); !strings.Contains(string(after), n.UUID) {
		t.Errorf("after a compose the list does not name node %s: %s", n.UUID, after)
	}
}

// The paging key of a systems list counts the list's UUIDs only when a key
// is asked for: a whole warm list asks none, and counting 10,000 UUIDs on
// each one was a map of 10,000 entries a request.
func TestSystemKeyCountsOnUse(t *testing.T) {
	systems := make([]valence.System, 10000)
	for i := range systems {
		systems[i] = valence.System{PodmID: "p", ID: fmt.Sprint(i), UUID: fmt.Sprintf("u%d", i)}
	}
	systems[1].UUID = systems[0].UUID
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	key := systemKey(systems)
	runtime.ReadMemStats(&after)
	if n := after.TotalAlloc - before.TotalAlloc; n > 4<<10 {
		t.Errorf("systemKey of 10,000 systems allocated %d bytes before any key was asked", n)
	}
	if got := key(systems[2]); got != "u2" {
		t.Errorf("key of a unique UUID = %q", got)
	}
	if got := key(systems[1]); got != "p:1" {
		t.Errorf("key of a shared UUID = %q, want podm_id:Id", got)
	}
}

// A list with pod managers whose items are missing or from an earlier read
// names each in a Warning header.
func TestInventoryPageWarnsUnreachableAndStale(t *testing.T) {
	inv := valence.Inventory[valence.Rack]{Items: []valence.Rack{{ID: "Rack1"}}, Unreachable: []string{"rack-a"}, Stale: []string{"rack-b"}}
	w := httptest.NewRecorder()
	err := inventoryPage(w, httptest.NewRequest("GET", "/v1/racks", nil), inv, func(r valence.Rack) string { return r.ID },
		func(r valence.Rack) string { return r.ID }, nil, nil, "")
	want := []string{
		`199 valence "pod manager rack-a is unreachable; its items are missing"`,
		`199 valence "pod manager rack-b did not answer a refresh; its items are from an earlier read"`,
	}
	if got := w.Header().Values("Warning"); err != nil || !slices.Equal(got, want) {
		t.Errorf("Warning headers %q (%v), want %q", got, err, want)
	}
	if !strings.Contains(w.Body.String(), "Rack1") {
		t.Errorf("body %s, want the stale pod manager's rack", w.Body)
	}
}
