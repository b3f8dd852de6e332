package server

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
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
