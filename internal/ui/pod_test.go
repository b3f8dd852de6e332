package ui

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/valence-rsd/valence/internal/rsdsim"
)

func TestPodShowsRacksDrawersAndSystems(t *testing.T) {
	var nodeLists atomic.Int32
	f := newFixture(t, fixtureOptions{apiWrap: func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/v1/nodes" {
				nodeLists.Add(1)
			}
			next.ServeHTTP(w, r)
		})
	}})
	pm := f.registered(t)
	n := f.composed(t, "alice", "web-1", pm.UUID)
	systems, err := f.apiAs(t, "admin").ListSystems(context.Background(), "")
	if err != nil || len(systems) != 2 {
		t.Fatalf("systems %v, %v", systems, err)
	}

	b := f.signedIn(t, "rita")
	resp, body := b.get("/ui/pod")
	wantStatus(t, resp, body, http.StatusOK)
	// Two systems: the tree is open.
	wantIn(t, body, `<p id="pod-count" data-field="shown">2 systems.</p>`,
		`<section class="podm" data-id="`+pm.UUID+`"`,
		`<details class="rack" data-id="Rack1" open>`, `2 systems, 1 free</span>`,
		`<details class="drawer" data-id="Rack1-Drawer1" open>`)
	for _, s := range systems {
		wantIn(t, body, `<tr data-id="`+s.ID+`" data-podm="`+pm.UUID+`">`,
			`<a href="/ui/systems/`+pm.UUID+`/`+s.ID+`">`+s.ID+`</a>`,
			`<td>`+cpuText(s.CPU)+`</td>`)
	}
	// The node by its name, its UUID in the title; the nodes read once.
	wantIn(t, body, `<td data-field="composed_node"><a href="/ui/nodes/`+n.UUID+`" title="`+n.UUID+`">web-1</a></td>`,
		`<td data-field="composed_node">free</td>`)
	wantNotIn(t, body, "Unplaced")
	if got := nodeLists.Load(); got != 1 {
		t.Errorf("the Pod page listed the nodes %d times, want once", got)
	}
	// Its name finds it.
	_, body = b.get("/ui/pod?q=WEB-1")
	wantIn(t, body, `<p id="pod-count" data-field="shown">1 of 2 systems match.</p>`, `>web-1</a>`)
	// Another project's node: its UUID only, as the API names it.
	_, body = f.signedIn(t, "bob").get("/ui/pod")
	wantIn(t, body, `<td data-field="composed_node"><a href="/ui/nodes/`+n.UUID+`">`+n.UUID+`</a></td>`)
	wantNotIn(t, body, "web-1")

	// One system's page: its parts, where it is, the node using it.
	var used string
	for _, s := range systems {
		if s.ComposedNode != nil {
			used = s.ID
		}
	}
	resp, body = b.get("/ui/systems/" + pm.UUID + "/" + used)
	wantStatus(t, resp, body, http.StatusOK)
	wantIn(t, body, `<dl id="system-detail"`, `<dd data-field="rack">Rack1, drawer Rack1-Drawer1</dd>`,
		`<dd data-field="composed_node"><a href="/ui/nodes/`+n.UUID+`" title="`+n.UUID+`">web-1</a></dd>`, `>pod1</a>`)

	resp, body = b.get("/ui/systems/" + pm.UUID + "/NoSuchSystem")
	wantStatus(t, resp, body, http.StatusNotFound)
}

func TestPodAtManySystemsIsCollapsedAndFiltered(t *testing.T) {
	const count = 300
	f := newFixture(t, fixtureOptions{sim: &rsdsim.Config{Systems: count}})
	pm := f.registered(t)
	b := f.signedIn(t, "rita")
	resp, body := b.get("/ui/pod")
	wantStatus(t, resp, body, http.StatusOK)
	if got := strings.Count(body, `<tr data-id="System`); got != count {
		t.Errorf("%d system rows, want %d", got, count)
	}
	// 300 systems in racks of 16: 19 racks, every one collapsed.
	if got := strings.Count(body, `<details class="rack" data-id="Rack`); got != 19 {
		t.Errorf("%d racks, want 19", got)
	}
	wantIn(t, body, `<p id="pod-count" data-field="shown">300 systems.</p>`, `<details class="rack" data-id="Rack19">`)
	wantNotIn(t, body, ` open>`)

	// A filter keeps the matching systems, open, and only their racks.
	resp, body = b.get("/ui/pod?q=" + url.QueryEscape("system29"))
	wantStatus(t, resp, body, http.StatusOK)
	wantIn(t, body, `<p id="pod-count" data-field="shown">11 of 300 systems match.</p>`, `value="system29"`,
		`<details class="rack" data-id="Rack2" open>`, `<details class="rack" data-id="Rack19" open>`)
	if got := strings.Count(body, `<tr data-id="System`); got != 11 {
		t.Errorf("%d system rows, want 11", got)
	}
	wantNotIn(t, body, `data-id="Rack1"`)

	resp, body = b.get("/ui/pod?q=" + strings.Repeat("x", maxSystemFilterLen+1))
	wantStatus(t, resp, body, http.StatusBadRequest)
	wantIn(t, body, `<p class="field-error" id="f-q-error">at most 256 bytes</p>`, `300 systems.`, `name="q" value=""`)

	resp, body = b.get("/ui/systems/" + pm.UUID + "/System300")
	wantStatus(t, resp, body, http.StatusOK)
	wantIn(t, body, `<dd data-field="rack">Rack19, drawer Rack19-Drawer3</dd>`)
}

func TestPodSaysWhichPodManagerDidNotAnswer(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	f.registered(t)
	f.stack.Sim.SetFaults(rsdsim.Faults{Down: rsdsim.DownRefuse})
	b := f.signedIn(t, "rita")
	for _, path := range []string{"/ui/pod", "/ui/volumes"} {
		resp, body := b.get(path)
		wantStatus(t, resp, body, http.StatusOK)
		wantIn(t, body, `<div class="card warnings" role="status">`, `<li>pod manager pod1 is unreachable; its items are missing</li>`)
	}
}

func TestWarningText(t *testing.T) {
	for h, want := range map[string]string{
		`199 valence "pod manager a is unreachable"`: "pod manager a is unreachable",
		`199 valence "say \"hi\" \\ there"`:          `say "hi" \ there`,
		`199 valence unquoted`:                       `199 valence unquoted`,
		`odd`:                                        `odd`,
	} {
		if got := warningText(h); got != want {
			t.Errorf("warningText(%q) = %q, want %q", h, got, want)
		}
	}
}
