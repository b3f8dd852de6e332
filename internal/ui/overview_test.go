package ui

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/valence-rsd/valence/api"
	"github.com/valence-rsd/valence/internal/rsdsim"
	"github.com/valence-rsd/valence/internal/stacktest"
)

func TestOverviewShowsStatusCapacityAndNodes(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	pm := f.registered(t)
	n := f.composed(t, "alice", "web-1", pm.UUID)
	capa, err := f.apiAs(t, "admin").GetPodManagerCapacity(context.Background(), pm.UUID)
	if err != nil {
		t.Fatal(err)
	}
	if capa.Systems.Total != 2 || capa.Systems.Free != 1 {
		t.Fatalf("capacity %+v: want 1 of 2 systems free", capa)
	}

	alice := f.signedIn(t, "alice")
	resp, body := alice.get("/ui/")
	wantStatus(t, resp, body, http.StatusOK)
	wantIn(t, body,
		`<section class="card podm" data-id="`+pm.UUID+`"`, `>pod1</a>`,
		`<dd data-field="status" class="state-Online">Online</dd>`,
		`<dd data-field="rsd_version">`+pm.RSDVersion+`</dd>`,
		`<dd data-field="systems">1 free, 1 composed</dd>`,
		`<dd data-field="nodes">1 `+n.NodeState+`</dd>`,
		fmt.Sprintf(`aria-label="Cores: %d of %d free"`, capa.Cores.Free, capa.Cores.Total),
		fmt.Sprintf(`aria-label="Memory: %d of %d GiB free"`, capa.MemoryGiB.Free, capa.MemoryGiB.Total),
		fmt.Sprintf(`aria-label="Storage: %d of %d GiB free"`, capa.StorageGiB.Free, capa.StorageGiB.Total),
		`<tr data-id="`+n.NodeState+`"><td>`+n.NodeState+`</td><td data-field="count">1</td></tr>`,
		`data-refresh="/ui/?fragment=overview"`)

	// The polled fragment is the same body without the layout.
	resp, frag := alice.get("/ui/?fragment=overview")
	wantStatus(t, resp, frag, http.StatusOK)
	wantIn(t, frag, `<dd data-field="systems">1 free, 1 composed</dd>`)
	wantNotIn(t, frag, `<nav id="nav"`, `data-refresh=`)

	// Another project's member sees the pod manager, not alice's node.
	bob := f.signedIn(t, "bob")
	_, body = bob.get("/ui/")
	wantIn(t, body, `<dd data-field="systems">1 free, 1 composed</dd>`, `<dd data-field="nodes">none</dd>`, `No node yet`)
	wantNotIn(t, body, `data-field="count"`)
}

func TestOverviewWithoutCapacity(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	f.registered(t)
	f.stack.Sim.SetFaults(rsdsim.Faults{Down: rsdsim.DownRefuse}) // it stops answering
	b := f.signedIn(t, "rita")
	resp, body := b.get("/ui/")
	wantStatus(t, resp, body, http.StatusOK)
	wantIn(t, body, `<p class="muted" data-field="capacity">Capacity unknown: `)
	wantNotIn(t, body, `class="bar-chart"`)
}

func TestOverviewAsksNoCapacityOfAPodManagerNotOnline(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	pm := f.registered(t)
	wrong := "not-" + stacktest.SimPassword
	changed, err := f.apiAs(t, "admin").UpdatePodManager(context.Background(), pm.UUID, api.PodManagerUpdate{
		Authentication: []api.Authentication{{Type: "basic", AuthItems: api.AuthItems{Username: stacktest.SimUser, Password: wrong}}}})
	if err != nil || changed.Status != api.PodManagerAuthenticationFailed {
		t.Fatalf("pod manager with a wrong password: %+v, %v", changed, err)
	}
	b := f.signedIn(t, "rita")
	resp, body := b.get("/ui/")
	wantStatus(t, resp, body, http.StatusOK)
	wantIn(t, body, `<dd data-field="status" class="state-AuthenticationFailed">AuthenticationFailed <span class="reason" data-field="status_reason">(`,
		`<p class="muted" data-field="capacity">Capacity unknown: the pod manager is AuthenticationFailed.</p>`)
}

func TestOverviewWithoutPodManagers(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	b := f.signedIn(t, "rita")
	resp, body := b.get("/ui/")
	wantStatus(t, resp, body, http.StatusOK)
	wantIn(t, body, `No pod manager is registered yet`, `No node yet`)
}
