package valence

import (
	"context"
	"slices"
	"testing"
	"time"
)

func TestCreatePodManagerProbes(t *testing.T) {
	cases := []struct {
		name   string
		setup  func(f *fixture, p *fakePodm, sp *PodManagerSpec)
		status string
		caps   []string
		rsd    string
	}{
		{"online", nil, StatusOnline, []string{CapSystems, CapCompose, CapStorage, CapRacks}, "2.3.0"},
		{"unreachable", func(_ *fixture, p *fakePodm, _ *PodManagerSpec) { p.setDown(true) }, StatusOffline, nil, ""},
		{"nothing at the url", func(_ *fixture, _ *fakePodm, sp *PodManagerSpec) { sp.URL = "https://nowhere.test" }, StatusOffline, nil, ""},
		{"credentials refused on connect", func(_ *fixture, _ *fakePodm, sp *PodManagerSpec) { sp.Password = "wrong" }, StatusAuthenticationFailed, nil, ""},
		{"credentials refused on probe", func(_ *fixture, p *fakePodm, _ *PodManagerSpec) {
			p.failOn("Probe", Errorf(PodManagerAuthFailed, "session expired"))
		}, StatusAuthenticationFailed, nil, ""},
		{"probe fails otherwise", func(_ *fixture, p *fakePodm, _ *PodManagerSpec) {
			p.failOn("Probe", Errorf(PodManagerError, "service root unreadable"))
		}, StatusOffline, nil, ""},
		{"plain redfish loses compose", func(_ *fixture, _ *fakePodm, sp *PodManagerSpec) { sp.Driver = DriverRedfish },
			StatusOnline, []string{CapSystems, CapStorage, CapRacks}, "2.3.0"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			p := f.fake("rack1", 2)
			sp := f.spec(p, "rack1")
			if c.setup != nil {
				c.setup(f, p, &sp)
			}
			pm, err := f.svc.CreatePodManager(f.ctx, sp)
			if err != nil {
				t.Fatalf("CreatePodManager: %v", err)
			}
			if pm.Status != c.status || !slices.Equal(pm.Capabilities, c.caps) || pm.RSDVersion != c.rsd {
				t.Errorf("got status %q caps %v rsd %q, want %q %v %q", pm.Status, pm.Capabilities, pm.RSDVersion, c.status, c.caps, c.rsd)
			}
			if c.status == StatusOnline && pm.RedfishVersion != "1.1.0" {
				t.Errorf("redfish version %q", pm.RedfishVersion)
			}
			if c.status != StatusOnline && pm.StatusReason == "" {
				t.Errorf("status %s without a reason", pm.Status)
			}
			if !pm.ProbedAt.Equal(f.clock.Now()) || !pm.CreatedAt.Equal(f.clock.Now()) {
				t.Errorf("probed at %v, created at %v; the clock says %v", pm.ProbedAt, pm.CreatedAt, f.clock.Now())
			}
			got := must[PodManager](t, "GetPodManager")(f.svc.GetPodManager(f.ctx, pm.UUID))
			if got.Status != c.status || got.Name != "rack1" {
				t.Errorf("stored %q %q, want rack1 %q", got.Name, got.Status, c.status)
			}
		})
	}
}

func TestCreatePodManagerValidates(t *testing.T) {
	cases := []struct {
		name   string
		change func(sp *PodManagerSpec)
		code   Code
		driver string
		url    string
	}{
		{"defaults to rsd", func(sp *PodManagerSpec) { sp.Driver = "" }, "", DriverRSD, ""},
		{"redfishv1 is rsd", func(sp *PodManagerSpec) { sp.Driver = "redfishv1" }, "", DriverRSD, ""},
		{"redfish stays", func(sp *PodManagerSpec) { sp.Driver = "redfish" }, "", DriverRedfish, ""},
		{"trailing slash trimmed", func(sp *PodManagerSpec) { sp.URL += "/" }, "", DriverRSD, "https://rack1.test:8443"},
		{"unknown driver", func(sp *PodManagerSpec) { sp.Driver = "ipmi" }, Invalid, "", ""},
		{"no name", func(sp *PodManagerSpec) { sp.Name = "  " }, Invalid, "", ""},
		{"not http", func(sp *PodManagerSpec) { sp.URL = "ftp://rack1.test" }, Invalid, "", ""},
		{"no host", func(sp *PodManagerSpec) { sp.URL = "https://" }, Invalid, "", ""},
		{"no password", func(sp *PodManagerSpec) { sp.Password = "" }, Invalid, "", ""},
		{"no username", func(sp *PodManagerSpec) { sp.Username = "" }, Invalid, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			p := f.fake("rack1", 1)
			sp := f.spec(p, "rack1")
			c.change(&sp)
			pm, err := f.svc.CreatePodManager(f.ctx, sp)
			if c.code != "" {
				wantCode(t, "CreatePodManager", err, c.code)
				if ids := f.store.ids(KindPodManager); len(ids) != 0 {
					t.Errorf("a refused pod manager was stored: %v", ids)
				}
				return
			}
			if err != nil {
				t.Fatalf("CreatePodManager: %v", err)
			}
			if pm.Driver != c.driver {
				t.Errorf("driver %q, want %q", pm.Driver, c.driver)
			}
			if c.url != "" && pm.URL != c.url {
				t.Errorf("url %q, want %q", pm.URL, c.url)
			}
		})
	}
}

func TestPodManagerNameAndURLUnique(t *testing.T) {
	f := newFixture(t)
	first, p := f.podm("rack1", 1)
	other := f.fake("rack2", 1)

	sameName := f.spec(other, "rack1")
	_, err := f.svc.CreatePodManager(f.ctx, sameName)
	wantCode(t, "same name", err, Conflict)
	wantMessage(t, "same name", err, "name", "rack1")

	sameURL := f.spec(p, "rack-one")
	sameURL.URL += "/"
	_, err = f.svc.CreatePodManager(f.ctx, sameURL)
	wantCode(t, "same url", err, Conflict)
	wantMessage(t, "same url", err, p.url, "registered already", first.Name, first.UUID)

	if ids := f.store.ids(KindPodManager); !slices.Equal(ids, []string{first.UUID}) {
		t.Errorf("stored %v, want only %s", ids, first.UUID)
	}
	second := must[PodManager](t, "rack2")(f.svc.CreatePodManager(f.ctx, f.spec(other, "rack2")))
	_, err = f.svc.UpdatePodManager(f.ctx, second.UUID, func(sp *PodManagerSpec) error { sp.Name = "rack1"; return nil })
	wantCode(t, "rename onto a taken name", err, Conflict)
	wantMessage(t, "rename onto a taken name", err, `A pod manager named "rack1" exists already.`)
}

func TestUpdatePodManager(t *testing.T) {
	f := newFixture(t)
	pm, p := f.podm("rack1", 1)
	connects, probes := f.conns.connectCount(p.url), len(p.called("Probe"))
	f.clock.advance(time.Minute)

	// A change that leaves the access alone re-probes on the cached connection.
	got, err := f.svc.UpdatePodManager(f.ctx, pm.UUID, func(sp *PodManagerSpec) error {
		sp.Description, sp.Location = "row 4", "lab"
		return nil
	})
	if err != nil {
		t.Fatalf("UpdatePodManager: %v", err)
	}
	if got.Description != "row 4" || got.Location != "lab" || !got.UpdatedAt.Equal(f.clock.Now()) || !got.CreatedAt.Equal(pm.CreatedAt) {
		t.Errorf("updated %+v", got)
	}
	if n := f.conns.connectCount(p.url); n != connects {
		t.Errorf("Connect called %d times after an update that kept the credentials, want %d", n, connects)
	}
	if n := len(p.called("Probe")); n != probes+1 {
		t.Errorf("Probe called %d times, want %d (a re-probe)", n, probes+1)
	}

	// New credentials: a new connection, with them.
	p.set(func(p *fakePodm) { p.password = "new-secret" })
	got, err = f.svc.UpdatePodManager(f.ctx, pm.UUID, func(sp *PodManagerSpec) error { sp.Password = "new-secret"; return nil })
	if err != nil || got.Status != StatusOnline {
		t.Fatalf("UpdatePodManager with new credentials: %v, status %q", err, got.Status)
	}
	if n := f.conns.connectCount(p.url); n != connects+1 {
		t.Errorf("Connect called %d times after the credentials changed, want %d", n, connects+1)
	}
	if p.closeCount() == 0 {
		t.Errorf("the connection with the old credentials was not closed")
	}

	// Wrong credentials: stored, and the status says so.
	got, err = f.svc.UpdatePodManager(f.ctx, pm.UUID, func(sp *PodManagerSpec) error { sp.Password = "wrong"; return nil })
	if err != nil || got.Status != StatusAuthenticationFailed {
		t.Errorf("UpdatePodManager with wrong credentials: %v, status %q", err, got.Status)
	}
	stored := must[PodManager](t, "GetPodManager")(f.svc.GetPodManager(f.ctx, pm.UUID))
	if stored.Password != "wrong" || stored.Status != StatusAuthenticationFailed {
		t.Errorf("stored password %q status %q", stored.Password, stored.Status)
	}

	refused := []struct {
		name   string
		change func(sp *PodManagerSpec) error
		code   Code
	}{
		{"url", func(sp *PodManagerSpec) error { sp.URL = "https://elsewhere.test"; return nil }, Invalid},
		{"bad driver", func(sp *PodManagerSpec) error { sp.Driver = "ipmi"; return nil }, Invalid},
		{"no name", func(sp *PodManagerSpec) error { sp.Name = ""; return nil }, Invalid},
		{"change refuses", func(sp *PodManagerSpec) error { return Errorf(Invalid, "uuid is read-only") }, Invalid},
	}
	for _, c := range refused {
		_, err := f.svc.UpdatePodManager(f.ctx, pm.UUID, c.change)
		wantCode(t, c.name, err, c.code)
	}
	if after := must[PodManager](t, "GetPodManager")(f.svc.GetPodManager(f.ctx, pm.UUID)); after.URL != p.url || after.Name != "rack1" {
		t.Errorf("a refused update changed the pod manager: %+v", after)
	}
	_, err = f.svc.UpdatePodManager(f.ctx, "nope", func(*PodManagerSpec) error { return nil })
	wantCode(t, "unknown pod manager", err, NotFound)
}

func TestGetPodManagerReprobesOnlyWhenStale(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.StatusMaxAge = 5 * time.Second })
	pm, p := f.podm("rack1", 1)
	probes := func() int { return len(p.called("Probe")) }
	start := probes()

	get := func() PodManager {
		t.Helper()
		return must[PodManager](t, "GetPodManager")(f.svc.GetPodManager(f.ctx, pm.UUID))
	}
	f.clock.advance(2 * time.Second)
	get()
	if probes() != start {
		t.Fatalf("a Get 2s after the probe probed again")
	}
	f.clock.advance(10 * time.Second)
	get()
	if probes() != start+1 {
		t.Fatalf("a Get 12s after the probe did not re-probe (%d probes, want %d)", probes(), start+1)
	}
	f.clock.advance(time.Second)
	get()
	get()
	if probes() != start+1 {
		t.Errorf("Gets 1s after a re-probe probed again: %d probes, want %d", probes(), start+1)
	}

	// A status that changed is stored, so lists and filters see it.
	p.setDown(true)
	f.clock.advance(10 * time.Second)
	if got := get(); got.Status != StatusOffline {
		t.Errorf("status %q after the pod manager went down, want Offline", got.Status)
	}
	offline := must[[]PodManager](t, "ListPodManagers")(listPodms(f, map[string]string{"status": StatusOffline}))
	if len(offline) != 1 || offline[0].UUID != pm.UUID {
		t.Errorf("Offline pod managers: %v", offline)
	}
	// It comes back: the next stale read notices.
	p.setDown(false)
	f.clock.advance(10 * time.Second)
	if got := get(); got.Status != StatusOnline {
		t.Errorf("status %q after the pod manager came back, want Online", got.Status)
	}
	_, err := f.svc.GetPodManager(f.ctx, "nope")
	wantCode(t, "unknown pod manager", err, NotFound)
}

func listPodms(f *fixture, filters map[string]string) ([]PodManager, error) {
	pms, _, err := f.svc.ListPodManagers(f.ctx, filters, Page{})
	return pms, err
}

func TestListPodManagers(t *testing.T) {
	f := newFixture(t)
	a, _ := f.podm("rack1", 1)
	b, _ := f.podm("rack2", 1)
	sp := f.spec(f.fake("plain", 1), "plain")
	sp.Driver = DriverRedfish
	c := must[PodManager](t, "plain")(f.svc.CreatePodManager(f.ctx, sp))

	byName := must[[]PodManager](t, "by name")(listPodms(f, map[string]string{"name": "rack2"}))
	if len(byName) != 1 || byName[0].UUID != b.UUID {
		t.Errorf("name=rack2: %v", byName)
	}
	byDriver := must[[]PodManager](t, "by driver")(listPodms(f, map[string]string{"driver": DriverRedfish}))
	if len(byDriver) != 1 || byDriver[0].UUID != c.UUID {
		t.Errorf("driver=redfish: %v", byDriver)
	}
	all := must[[]PodManager](t, "all")(listPodms(f, nil))
	want := []string{a.UUID, b.UUID, c.UUID}
	slices.Sort(want)
	var got []string
	for _, pm := range all {
		got = append(got, pm.UUID)
	}
	if !slices.Equal(got, want) {
		t.Errorf("all: %v, want %v in id order", got, want)
	}
	page, more, err := f.svc.ListPodManagers(f.ctx, nil, Page{Limit: 2, Marker: want[0]})
	if err != nil || len(page) != 2 || page[0].UUID != want[1] || more {
		t.Errorf("page after %s: %v more=%v err=%v", want[0], page, more, err)
	}
	_, _, err = f.svc.ListPodManagers(f.ctx, map[string]string{"colour": "red"}, Page{})
	wantCode(t, "unknown filter", err, Invalid)
	wantMessage(t, "unknown filter", err, "colour")
}

func TestDeletePodManager(t *testing.T) {
	f := newFixture(t)
	pm, p := f.podm("rack1", 3)
	keep, pk := f.podm("rack2", 1)
	n1 := f.compose(pm, "web-1", "p1")
	n2 := f.compose(pm, "web-2", "p2")
	other := f.compose(keep, "db-1", "p1")

	err := f.svc.DeletePodManager(f.ctx, pm.UUID, false)
	wantCode(t, "delete with nodes", err, Conflict)
	wantMessage(t, "delete with nodes", err, "web-1", n1.UUID, "web-2", n2.UUID)
	if len(p.called("DeleteNode")) != 0 {
		t.Errorf("a refused delete decomposed nodes: %v", p.called("DeleteNode"))
	}
	must[PodManager](t, "still there")(f.svc.GetPodManager(f.ctx, pm.UUID))

	if err := f.svc.DeletePodManager(f.ctx, pm.UUID, true); err != nil {
		t.Fatalf("forced delete: %v", err)
	}
	if got := p.called("DeleteNode"); len(got) != 2 {
		t.Errorf("forced delete called %v, want a DeleteNode for each node", got)
	}
	if uris := p.nodeURIs(); len(uris) != 0 {
		t.Errorf("nodes left on the pod manager: %v", uris)
	}
	if ids := f.store.ids(KindNode); !slices.Equal(ids, []string{other.UUID}) {
		t.Errorf("node records %v, want only the other pod manager's %s", ids, other.UUID)
	}
	_, err = f.svc.GetPodManager(f.ctx, pm.UUID)
	wantCode(t, "get after delete", err, NotFound)
	if p.closeCount() == 0 {
		t.Errorf("the deleted pod manager's connection was not closed")
	}
	if pk.closeCount() != 0 || len(pk.called("DeleteNode")) != 0 {
		t.Errorf("the other pod manager was touched")
	}

	// Without nodes, no force is needed; an unknown one is NotFound.
	if err := f.svc.DeletePodManager(f.ctx, keep.UUID, false); !IsCode(err, Conflict) {
		t.Errorf("delete of a pod manager with a node: %v, want Conflict", err)
	}
	empty, _ := f.podm("rack3", 0)
	if err := f.svc.DeletePodManager(f.ctx, empty.UUID, false); err != nil {
		t.Errorf("delete of an empty pod manager: %v", err)
	}
	wantCode(t, "unknown", f.svc.DeletePodManager(f.ctx, "nope", true), NotFound)
}

func TestDeletePodManagerForceStopsWhenDecomposeFails(t *testing.T) {
	f := newFixture(t)
	pm, p := f.podm("rack1", 1)
	n := f.compose(pm, "web-1", "p1")
	p.setDown(true)
	err := f.svc.DeletePodManager(f.ctx, pm.UUID, true)
	wantCode(t, "forced delete of an unreachable pod manager", err, PodManagerUnavailable)
	must[PodManager](t, "pod manager kept")(f.svc.GetPodManager(f.ctx, pm.UUID))
	if ids := f.store.ids(KindNode); !slices.Equal(ids, []string{n.UUID}) {
		t.Errorf("node records %v, want %s kept", ids, n.UUID)
	}
}

func TestRunRefreshesStatus(t *testing.T) {
	f := newFixture(t)
	pm, p := f.podm("rack1", 1)
	p.setDown(true)
	ctx, cancel := context.WithCancel(f.ctx)
	done := make(chan struct{})
	go func() { f.svc.Run(ctx); close(done) }()
	// Run's first pass happens at once; wait for it to store the new status.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		got := must[[]PodManager](t, "list")(listPodms(f, map[string]string{"status": StatusOffline}))
		if len(got) == 1 && got[0].UUID == pm.UUID {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("Run did not record the pod manager as Offline")
		}
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
}

func TestPing(t *testing.T) {
	f := newFixture(t)
	if err := f.svc.Ping(f.ctx); err != nil {
		t.Errorf("Ping: %v", err)
	}
	f.store.Close()
	wantCode(t, "Ping of a closed store", f.svc.Ping(f.ctx), Unavailable)
}
