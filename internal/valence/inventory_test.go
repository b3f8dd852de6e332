package valence

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// twoRacks registers rack-a (two systems) and rack-b (one), with the
// fixture's pod managers returned in that order.
func twoRacks(f *fixture) (a, b PodManager, pa, pb *fakePodm) {
	a, pa = f.podm("rack-a", 2)
	b, pb = f.podm("rack-b", 1)
	return a, b, pa, pb
}

func systemIDs(systems []System) []string {
	var out []string
	for _, s := range systems {
		out = append(out, s.PodmID+"/"+s.ID)
	}
	return out
}

func TestSystemsAcrossPodManagers(t *testing.T) {
	f := newFixture(t)
	a, b, pa, pb := twoRacks(f)
	n := f.compose(a, "web-1", "p")

	inv, err := f.svc.Systems(f.ctx, "")
	if err != nil || len(inv.Unreachable) != 0 {
		t.Fatalf("Systems: %v, unreachable %v", err, inv.Unreachable)
	}
	want := []string{a.UUID + "/System1", a.UUID + "/System2", b.UUID + "/System1"}
	if b.UUID < a.UUID {
		want = []string{b.UUID + "/System1", a.UUID + "/System1", a.UUID + "/System2"}
	}
	if got := systemIDs(inv.Items); !slices.Equal(got, want) {
		t.Errorf("systems %v, want %v", got, want)
	}
	for _, sys := range inv.Items {
		used := sys.PodmID == a.UUID && sys.ID == "System1"
		if used && (sys.ComposedNode != n.UUID || sys.NodeURI != n.ResourceURI) {
			t.Errorf("the composed node's system says %q (%q), want %s", sys.ComposedNode, sys.NodeURI, n.UUID)
		}
		if !used && sys.ComposedNode != "" {
			t.Errorf("free system %s says it is used by %q", sys.ID, sys.ComposedNode)
		}
	}

	// One pod manager down: the other's systems, and a word about it.
	pb.setDown(true)
	f.svc.inventories.forget(b.UUID)
	inv, err = f.svc.Systems(f.ctx, "")
	if err != nil {
		t.Fatalf("Systems with one pod manager down: %v", err)
	}
	if got := systemIDs(inv.Items); len(got) != 2 || !slices.Equal(inv.Unreachable, []string{"rack-b"}) {
		t.Errorf("systems %v, unreachable %v; want rack-a's two and rack-b named", got, inv.Unreachable)
	}
	_, err = f.svc.Systems(f.ctx, b.UUID)
	wantCode(t, "Systems of the pod manager that is down", err, PodManagerUnavailable)
	wantMessage(t, "Systems of the pod manager that is down", err, "rack-b")
	only := must[Inventory[System]](t, "Systems of rack-a")(f.svc.Systems(f.ctx, a.UUID))
	if len(only.Items) != 2 || only.Items[0].PodmID != a.UUID {
		t.Errorf("Systems of rack-a: %v", systemIDs(only.Items))
	}
	_, err = f.svc.Systems(f.ctx, "nope")
	wantCode(t, "Systems of an unknown pod manager", err, NotFound)
	if len(pa.called("Systems")) == 0 {
		t.Errorf("rack-a was never asked")
	}
}

func TestSystemsSkipPodManagersWithoutThem(t *testing.T) {
	f := newFixture(t)
	p := f.fake("storage-only", 1)
	p.set(func(p *fakePodm) { p.info.Capabilities = []string{CapStorage} })
	must[PodManager](t, "create")(f.svc.CreatePodManager(f.ctx, f.spec(p, "storage-only")))
	inv := must[Inventory[System]](t, "Systems")(f.svc.Systems(f.ctx, ""))
	if len(inv.Items) != 0 || len(inv.Unreachable) != 0 || len(p.called("Systems")) != 0 {
		t.Errorf("a pod manager without systems was asked for them: %+v, calls %v", inv, p.called("Systems"))
	}
}

func TestGetSystem(t *testing.T) {
	f := newFixture(t)
	a, b, pa, pb := twoRacks(f)
	uuidOf := func(p *fakePodm, i int) string { p.mu.Lock(); defer p.mu.Unlock(); return p.systems[i].UUID }

	got := must[System](t, "by UUID")(f.svc.GetSystem(f.ctx, uuidOf(pb, 0), ""))
	if got.PodmID != b.UUID || got.ID != "System1" {
		t.Errorf("by UUID: %+v", got)
	}
	got = must[System](t, "by unique Id")(f.svc.GetSystem(f.ctx, "System2", ""))
	if got.PodmID != a.UUID || got.UUID != uuidOf(pa, 1) {
		t.Errorf("by Id: %+v", got)
	}
	_, err := f.svc.GetSystem(f.ctx, "System1", "")
	wantCode(t, "an Id on two pod managers", err, Conflict)
	wantMessage(t, "an Id on two pod managers", err, "System1", a.UUID, b.UUID)
	got = must[System](t, "by Id and podm_id")(f.svc.GetSystem(f.ctx, "System1", a.UUID))
	if got.PodmID != a.UUID {
		t.Errorf("System1 of rack-a: %+v", got)
	}
	_, err = f.svc.GetSystem(f.ctx, "System9", "")
	wantCode(t, "unknown system", err, NotFound)
	_, err = f.svc.GetSystem(f.ctx, "System2", b.UUID)
	wantCode(t, "a system of another pod manager", err, NotFound)
	_, err = f.svc.GetSystem(f.ctx, "", "")
	wantCode(t, "empty id", err, NotFound)
}

func TestGetSystemBySharedUUID(t *testing.T) {
	f := newFixture(t)
	a, pa := f.podm("rack-a", 3)
	// Systems 1 and 2 share a UUID, as in DMTF's public-composability mockup.
	shared := "0f3c6b48-5d43-4bb3-a2f5-5e7f7d9b8d1a"
	pa.set(func(p *fakePodm) { p.systems[0].UUID, p.systems[1].UUID = shared, shared })

	_, err := f.svc.GetSystem(f.ctx, shared, "")
	wantCode(t, "a shared UUID", err, Conflict)
	wantMessage(t, "a shared UUID", err, shared, "System1", "System2", a.UUID)
	_, err = f.svc.GetSystem(f.ctx, shared, a.UUID)
	wantCode(t, "a shared UUID on the pod manager named", err, Conflict)
	got := must[System](t, "by Id")(f.svc.GetSystem(f.ctx, "System2", a.UUID))
	if got.UUID != shared {
		t.Errorf("System2: %+v", got)
	}
	// The third system's own UUID still names it alone.
	third := must[System](t, "by Id")(f.svc.GetSystem(f.ctx, "System3", ""))
	if got := must[System](t, "by unshared UUID")(f.svc.GetSystem(f.ctx, third.UUID, "")); got.ID != "System3" {
		t.Errorf("by UUID %s: %+v", third.UUID, got)
	}
}

// A pod manager renamed through Valence names its systems by the new name
// at once: the cached systems, which carry the name, are dropped.
func TestRenameDropsCachedSystems(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.InventoryTTL = time.Hour })
	pm, _ := f.podm("rack1", 1)
	if inv := must[Inventory[System]](t, "Systems")(f.svc.Systems(f.ctx, "")); inv.Items[0].PodmName != "rack1" {
		t.Fatalf("before: %+v", inv.Items[0])
	}
	must[PodManager](t, "UpdatePodManager")(f.svc.UpdatePodManager(f.ctx, pm.UUID, func(sp *PodManagerSpec) error {
		sp.Name = "rack9"
		return nil
	}))
	if inv := must[Inventory[System]](t, "Systems")(f.svc.Systems(f.ctx, "")); inv.Items[0].PodmName != "rack9" {
		t.Errorf("after the rename: the system names pod manager %q, want rack9", inv.Items[0].PodmName)
	}
}

func TestInventoryCaching(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.InventoryTTL = 5 * time.Second })
	pm, p := f.podm("rack1", 2)
	calls := func() int { return len(p.called("Systems")) }
	list := f.systems

	list()
	list()
	f.clock.advance(4 * time.Second)
	must[System](t, "GetSystem")(f.svc.GetSystem(f.ctx, "System1", ""))
	if calls() != 1 {
		t.Fatalf("three reads within the TTL asked the pod manager %d times, want 1", calls())
	}
	f.clock.advance(2 * time.Second)
	list()
	if calls() != 2 {
		t.Fatalf("a read after the TTL did not ask again (%d calls)", calls())
	}
	// A change made through Valence drops the cache at once.
	n := f.compose(pm, "web-1", "")
	inv := list()
	if calls() != 3 || inv.Items[0].ComposedNode != n.UUID {
		t.Errorf("after a compose: %d calls, system 1 used by %q; want a fresh read showing %s", calls(), inv.Items[0].ComposedNode, n.UUID)
	}
	// A failure is not cached.
	f.svc.inventories.forget(pm.UUID)
	p.failOn("Systems", Errorf(PodManagerError, "busy"))
	if inv := list(); len(inv.Unreachable) != 1 {
		t.Errorf("a failing pod manager is not named: %+v", inv)
	}
	p.failOn("Systems", nil)
	if inv := list(); len(inv.Items) != 2 || calls() != 5 {
		t.Errorf("after the failure: %d systems, %d calls; want 2 and 5", len(inv.Items), calls())
	}
}

// The marks of composed systems are read with the systems and cached with
// them: a list within the TTL reads no node record, and a decompose or an
// adopt shows at once.
func TestSystemMarksCachedWithTheSystems(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.InventoryTTL = time.Hour })
	pm, p := f.podm("rack1", 2)
	var nodeLists atomic.Int32
	f.store.mu.Lock()
	f.store.fail = func(op string, kind Kind) error {
		if op == "List" && kind == KindNode {
			nodeLists.Add(1)
		}
		return nil
	}
	f.store.mu.Unlock()
	n := f.compose(pm, "web-1", "")
	marked := func() string {
		t.Helper()
		inv := must[Inventory[System]](t, "Systems")(f.svc.Systems(f.ctx, ""))
		for _, sys := range inv.Items {
			if sys.ComposedNode != "" {
				return sys.ComposedNode
			}
		}
		return ""
	}
	if got := marked(); got != n.UUID {
		t.Fatalf("after a compose the system is used by %q, want %s", got, n.UUID)
	}
	before := nodeLists.Load()
	marked()
	marked()
	if got := nodeLists.Load() - before; got != 0 {
		t.Errorf("two lists within the TTL read the node records %d times, want none", got)
	}
	must[struct{}](t, "Decompose")(struct{}{}, f.svc.Decompose(f.ctx, Scope{AllProjects: true}, n.UUID))
	if got := marked(); got != "" {
		t.Errorf("after the decompose a system is still used by %q", got)
	}
	if len(p.called("Systems")) != 2 {
		t.Errorf("the pod manager was walked %d times, want 2 (after the compose, after the decompose)", len(p.called("Systems")))
	}
}

// Two lists from the same cached reads have one Version; a change, or a
// pod manager that does not answer, gives another (or none).
func TestSystemsVersion(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.InventoryTTL = time.Hour })
	pm, p := f.podm("rack1", 2)
	version := func() string {
		t.Helper()
		return must[Inventory[System]](t, "Systems")(f.svc.Systems(f.ctx, "")).Version
	}
	v1 := version()
	if v1 == "" || version() != v1 {
		t.Fatalf("two lists within the TTL: versions %q and %q, want one, not empty", v1, version())
	}
	f.compose(pm, "web-1", "")
	v2 := version()
	if v2 == "" || v2 == v1 {
		t.Errorf("after a compose the version is %q, was %q: want a new one", v2, v1)
	}
	f.svc.inventories.forget(pm.UUID)
	p.failOn("Systems", Errorf(PodManagerError, "busy"))
	if v3 := version(); v3 == v2 || v3 == v1 {
		t.Errorf("with the pod manager failing the version is %q, as before", v3)
	}
}

func TestRacks(t *testing.T) {
	f := newFixture(t)
	a, b, pa, pb := twoRacks(f)
	pa.set(func(p *fakePodm) {
		p.racks = []Rack{{ID: "Rack2", Name: "b-row"}, {ID: "Rack1", Name: "a-row", Systems: []string{p.systems[0].UUID}}}
	})
	pb.set(func(p *fakePodm) { p.racks = []Rack{{ID: "Rack1", Name: "other"}} })

	inv := must[Inventory[Rack]](t, "Racks")(f.svc.Racks(f.ctx, ""))
	var got []string
	for _, r := range inv.Items {
		got = append(got, r.PodmID+"/"+r.ID)
	}
	want := []string{a.UUID + "/Rack1", a.UUID + "/Rack2", b.UUID + "/Rack1"}
	if b.UUID < a.UUID {
		want = []string{b.UUID + "/Rack1", a.UUID + "/Rack1", a.UUID + "/Rack2"}
	}
	if !slices.Equal(got, want) {
		t.Errorf("racks %v, want %v", got, want)
	}
	r := must[Rack](t, "GetRack")(f.svc.GetRack(f.ctx, "Rack2", ""))
	if r.PodmID != a.UUID || r.Name != "b-row" {
		t.Errorf("Rack2: %+v", r)
	}
	_, err := f.svc.GetRack(f.ctx, "Rack1", "")
	wantCode(t, "a rack Id on two pod managers", err, Conflict)
	r = must[Rack](t, "GetRack with podm_id")(f.svc.GetRack(f.ctx, "Rack1", b.UUID))
	if r.Name != "other" {
		t.Errorf("Rack1 of rack-b: %+v", r)
	}
	_, err = f.svc.GetRack(f.ctx, "Rack9", "")
	wantCode(t, "unknown rack", err, NotFound)
	_, err = f.svc.GetRack(f.ctx, "", "")
	wantCode(t, "empty id", err, NotFound)

	pb.setDown(true)
	f.svc.inventories.forget(b.UUID)
	inv = must[Inventory[Rack]](t, "Racks with rack-b down")(f.svc.Racks(f.ctx, ""))
	if len(inv.Items) != 2 || !slices.Equal(inv.Unreachable, []string{"rack-b"}) {
		t.Errorf("racks with rack-b down: %d, unreachable %v", len(inv.Items), inv.Unreachable)
	}
}

// The shared fetch runs on a context of its own: the caller that started it
// giving up (a client that disconnects) neither fails nor cuts it short, and
// what it reads is cached for the others.
func TestInventoryFetchOutlivesItsFirstCaller(t *testing.T) {
	f := newFixture(t)
	pm, p := f.podm("rack1", 2)
	release := p.gateOn("Systems")
	first, cancel := context.WithCancel(f.ctx)
	firstDone := make(chan struct{})
	go func() {
		defer close(firstDone)
		_, _ = f.svc.Systems(first, "")
	}()
	waitInflight(f.svc.inventories, pm.UUID)
	cancel()
	<-firstDone
	release()
	inv := must[Inventory[System]](t, "Systems")(f.svc.Systems(f.ctx, ""))
	if len(inv.Items) != 2 || len(inv.Unreachable) != 0 {
		t.Errorf("after the first caller left: %d systems, unreachable %v; want 2 and none", len(inv.Items), inv.Unreachable)
	}
	if n := len(p.called("Systems")); n != 1 {
		t.Errorf("the pod manager was walked %d times, want once: the first caller's leaving failed the shared fetch", n)
	}
}

// Callers that miss the cache together share one fetch, and a fetch begun
// before a forget does not cache what the forget made stale.
func TestInventoryCacheSharesFetches(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC)}
	c := newInventoryCache(time.Minute, 0, clock.Now)
	release := make(chan struct{})
	var fetches atomic.Int32
	fetch := func(context.Context) ([]int, error) {
		fetches.Add(1)
		<-release
		return []int{1}, nil
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if v, err := cached(t.Context(), c, "p", "systems", fetch); err != nil || len(v) != 1 {
				t.Errorf("cached: %v %v", v, err)
			}
		}()
	}
	// Let every caller reach the cache before the one fetch ends.
	waitInflight(c, "p")
	time.Sleep(20 * time.Millisecond)
	close(release)
	wg.Wait()
	if n := fetches.Load(); n != 1 {
		t.Errorf("8 concurrent misses made %d fetches, want 1", n)
	}

	c.forget("p")
	started, stale, staleDone := make(chan struct{}), make(chan struct{}), make(chan struct{})
	go func() {
		defer close(staleDone)
		cached(t.Context(), c, "p", "systems", func(context.Context) ([]int, error) { close(started); <-stale; return []int{0}, nil })
	}()
	<-started
	c.forget("p") // a change lands while the fetch is under way
	close(stale)
	<-staleDone
	got, _ := cached(t.Context(), c, "p", "systems", func(context.Context) ([]int, error) { return []int{2}, nil })
	if len(got) != 1 || got[0] != 2 {
		t.Errorf("after a forget during a fetch, got %v; want the fresh [2]", got)
	}
}

// waitInflight returns once a fetch of podmID's systems is under way.
func waitInflight(c *inventoryCache, podmID string) {
	for {
		c.fetches.mu.Lock()
		_, started := c.fetches.calls[fmt.Sprintf("%s/systems/%d", podmID, c.gen[podmID])]
		c.fetches.mu.Unlock()
		if started {
			return
		}
		time.Sleep(time.Millisecond)
	}
}

// inflight counts the fetches of podmID's inventory under way.
func inflight(c *inventoryCache, podmID string) int {
	c.fetches.mu.Lock()
	defer c.fetches.mu.Unlock()
	n := 0
	for k := range c.fetches.calls {
		if strings.HasPrefix(k, podmID+"/") {
			n++
		}
	}
	return n
}

// systems lists the systems of every pod manager, failing the test on an
// error.
func (f *fixture) systems() Inventory[System] {
	f.t.Helper()
	return must[Inventory[System]](f.t, "Systems")(f.svc.Systems(f.ctx, ""))
}

// waitSettled waits until no fetch of podmID's inventory is under way.
func waitSettled(c *inventoryCache, podmID string) {
	for inflight(c, podmID) > 0 {
		time.Sleep(time.Millisecond)
	}
}

// guarded is a context that ends a call that would otherwise wait for
// ever on the old behaviour, so that the test fails instead of hanging.
func guarded(t *testing.T, ctx context.Context) context.Context {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// Past the TTL, within the bound, callers get the last inventory at once
// while one refresh runs in the background, on a context of its own: the
// caller that started it leaving does not stop it, and what it reads
// answers the next callers.
func TestInventoryServedStaleWhileRefreshed(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.InventoryTTL, o.InventoryMaxStale = 5*time.Second, time.Minute })
	pm, p := f.podm("rack1", 2)
	calls := func() int { return len(p.called("Systems")) }
	first := func(ctx context.Context) string {
		t.Helper()
		inv := must[Inventory[System]](t, "Systems")(f.svc.Systems(ctx, ""))
		if len(inv.Items) != 2 || len(inv.Unreachable)+len(inv.Stale) != 0 {
			t.Fatalf("systems: %d items, unreachable %v, stale %v; want 2 and none", len(inv.Items), inv.Unreachable, inv.Stale)
		}
		return inv.Items[0].Name
	}
	old := first(f.ctx)
	p.set(func(p *fakePodm) { p.systems[0].Name = "renamed" })
	f.clock.advance(6 * time.Second)
	release := p.gateOn("Systems")
	caller, leave := context.WithCancel(guarded(t, f.ctx))
	if got := first(caller); got != old {
		t.Errorf("past the TTL: system named %q, want the last read's %q at once", got, old)
	}
	leave() // the caller that started the refresh is gone
	for calls() < 2 {
		time.Sleep(time.Millisecond) // the refresh reaching the pod manager
	}
	if got := first(guarded(t, f.ctx)); got != old || inflight(f.svc.inventories, pm.UUID) != 1 {
		t.Errorf("during the refresh: %q with %d refreshes; want %q with 1 (one refresh, not one per caller)", got, inflight(f.svc.inventories, pm.UUID), old)
	}
	release()
	waitSettled(f.svc.inventories, pm.UUID)
	if got := first(f.ctx); got != "renamed" || calls() != 2 {
		t.Errorf("after the refresh: %q after %d walks; want renamed after 2", got, calls())
	}
}

// Close ends a refresh running in the background (no caller waits for it)
// and waits for it, rather than leaving it to outlive the service.
func TestCloseEndsTheBackgroundRefresh(t *testing.T) {
	f := newFixture(t, func(o *Options) {
		o.InventoryTTL, o.InventoryMaxStale, o.PodmTimeout = 5*time.Second, time.Minute, time.Hour
	})
	pm, p := f.podm("rack1", 2)
	must[Inventory[System]](t, "Systems")(f.svc.Systems(f.ctx, ""))
	f.clock.advance(6 * time.Second)
	p.blockOn("Systems") // the refresh never answers on its own
	must[Inventory[System]](t, "Systems")(f.svc.Systems(f.ctx, ""))
	for len(p.called("Systems")) < 2 {
		time.Sleep(time.Millisecond) // the refresh reaching the pod manager
	}
	f.svc.Close()
	if n := inflight(f.svc.inventories, pm.UUID); n != 0 {
		t.Errorf("after Close, %d refreshes still run", n)
	}
}

// A refresh that fails leaves the last inventory answering, with the pod
// manager named as stale, and is tried again a TTL later; past the bound
// callers wait for the pod manager as without a cache.
func TestInventoryFailedRefreshServesStale(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.InventoryTTL, o.InventoryMaxStale = 5*time.Second, 30*time.Second })
	pm, p := f.podm("rack1", 2)
	calls := func() int { return len(p.called("Systems")) }
	list := f.systems
	list()
	v1 := list().Version
	p.failOn("Systems", Errorf(PodManagerUnavailable, "gone"))
	f.clock.advance(6 * time.Second)
	if inv := list(); len(inv.Items) != 2 || len(inv.Stale) != 0 {
		t.Errorf("as the refresh starts: %d items, stale %v; want 2, none yet", len(inv.Items), inv.Stale)
	}
	waitSettled(f.svc.inventories, pm.UUID)
	inv := list()
	if len(inv.Items) != 2 || !slices.Equal(inv.Stale, []string{"rack1"}) || len(inv.Unreachable) != 0 || inv.Version != v1 {
		t.Errorf("after a failed refresh: %d items, stale %v, unreachable %v, version %q (was %q); want 2, [rack1], none, the same",
			len(inv.Items), inv.Stale, inv.Unreachable, inv.Version, v1)
	}
	if calls() != 2 {
		t.Errorf("%d walks, want 2: a failed refresh is not tried again within the TTL", calls())
	}
	f.clock.advance(6 * time.Second)
	list()
	waitSettled(f.svc.inventories, pm.UUID)
	if calls() != 3 {
		t.Errorf("%d walks, want 3: a TTL after the failure, the refresh is tried again", calls())
	}
	f.clock.advance(30 * time.Second) // 42 s old: past TTL + MaxStale
	if inv := list(); len(inv.Items) != 0 || !slices.Equal(inv.Unreachable, []string{"rack1"}) {
		t.Errorf("past the bound: %d items, unreachable %v; want none and [rack1]", len(inv.Items), inv.Unreachable)
	}
}

// Past TTL + MaxStale the last inventory no longer answers: the caller
// waits for a fresh one.
func TestInventoryStaleBounded(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.InventoryTTL, o.InventoryMaxStale = 5*time.Second, 10*time.Second })
	_, p := f.podm("rack1", 2)
	must[Inventory[System]](t, "Systems")(f.svc.Systems(f.ctx, ""))
	p.set(func(p *fakePodm) { p.systems[0].Name = "renamed" })
	f.clock.advance(15 * time.Second)
	inv := must[Inventory[System]](t, "Systems")(f.svc.Systems(f.ctx, ""))
	if len(inv.Items) != 2 || inv.Items[0].Name != "renamed" {
		t.Errorf("past the bound: %+v; want the fresh read (renamed)", inv.Items)
	}
}

// A change made through the server drops the inventory even while a
// background refresh begun before it runs: the next read neither gets
// the stale inventory nor joins that refresh, and the refresh, when it
// ends, does not cache what the change made stale.
func TestInventoryChangeDuringRefreshReadsFresh(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.InventoryTTL, o.InventoryMaxStale = 5*time.Second, time.Minute })
	pm, p := f.podm("rack1", 2)
	marked := func(ctx context.Context) string {
		t.Helper()
		inv := must[Inventory[System]](t, "Systems")(f.svc.Systems(ctx, ""))
		for _, sys := range inv.Items {
			if sys.ComposedNode != "" {
				return sys.ComposedNode
			}
		}
		return ""
	}
	marked(f.ctx)
	f.clock.advance(6 * time.Second)
	release := p.gateOn("Systems")
	marked(f.ctx) // starts a refresh, held at the pod manager
	n := f.compose(pm, "web-1", "")
	p.set(func(p *fakePodm) { delete(p.gates, "Systems") })
	if got := marked(guarded(t, f.ctx)); got != n.UUID {
		t.Errorf("right after the compose a system is used by %q, want %s", got, n.UUID)
	}
	release()
	waitSettled(f.svc.inventories, pm.UUID)
	if got := marked(f.ctx); got != n.UUID {
		t.Errorf("after the refresh begun before the compose ended, a system is used by %q, want %s", got, n.UUID)
	}
}

// A system asked for by Id while the systems are not cached is read by its
// path, marked with the node that uses it, without a walk; a UUID, a
// system whose node only the list can tell, and an Id no pod manager has
// go to the list.
func TestGetSystemReadAlone(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.InventoryTTL = time.Hour })
	a, b, pa, _ := twoRacks(f)
	n := f.compose(a, "web-1", "") // drops the cache
	var used System
	pa.set(func(p *fakePodm) {
		for _, sys := range p.systems {
			if sys.node != "" {
				used = sys.System
			}
		}
	})
	walks := func() int { return len(pa.called("Systems")) }

	got := must[System](t, "GetSystem")(f.svc.GetSystem(f.ctx, used.ID, a.UUID))
	if got.ComposedNode != n.UUID || got.PodmID != a.UUID || got.PodmName != "rack-a" || got.UUID != used.UUID {
		t.Errorf("read alone: %+v; want %s of rack-a used by %s", got, used.ID, n.UUID)
	}
	if walks() != 0 || len(pa.called("System "+used.ID)) != 1 {
		t.Errorf("%d walks, %d reads of the system; want none and one", walks(), len(pa.called("System "+used.ID)))
	}
	_, err := f.svc.GetSystem(f.ctx, "System1", "")
	wantCode(t, "an Id on two pod managers, read alone", err, Conflict)
	wantMessage(t, "an Id on two pod managers, read alone", err, "System1", a.UUID, b.UUID)
	if walks() != 0 {
		t.Errorf("the conflict took %d walks, want none", walks())
	}

	// Cached: answered from the cache, not read again.
	must[Inventory[System]](t, "Systems")(f.svc.Systems(f.ctx, ""))
	reads := len(pa.called("System " + used.ID))
	must[System](t, "GetSystem")(f.svc.GetSystem(f.ctx, used.ID, a.UUID))
	if walks() != 1 || len(pa.called("System "+used.ID)) != reads {
		t.Errorf("with the cache: %d walks, %d reads; want 1 and none", walks(), len(pa.called("System "+used.ID))-reads)
	}

	// A UUID names no path; an unknown Id may be the list's under another path.
	f.svc.inventories.forget(a.UUID)
	must[System](t, "by UUID")(f.svc.GetSystem(f.ctx, used.UUID, a.UUID))
	f.svc.inventories.forget(a.UUID)
	_, err = f.svc.GetSystem(f.ctx, "System9", a.UUID)
	wantCode(t, "an unknown Id", err, NotFound)
	if walks() != 3 {
		t.Errorf("a UUID and an unknown Id took %d walks in all, want 3", walks())
	}

	// Where the system does not say which node uses it, the list does.
	f.svc.inventories.forget(a.UUID)
	pa.set(func(p *fakePodm) { p.nodesUnlinked = true })
	if got := must[System](t, "unlinked")(f.svc.GetSystem(f.ctx, used.ID, a.UUID)); got.ComposedNode != n.UUID || walks() != 4 {
		t.Errorf("a system that names no node: used by %q after %d walks; want %s after 4", got.ComposedNode, walks(), n.UUID)
	}

	// An Id that is no plain path segment is never put in a path.
	f.svc.inventories.forget(a.UUID)
	_, err = f.svc.GetSystem(f.ctx, "../Chassis", a.UUID)
	wantCode(t, "a path in the Id", err, NotFound)
	if reads := pa.called("System ../Chassis"); len(reads) != 0 {
		t.Errorf("read %v", reads)
	}
}

func TestJoinSystems(t *testing.T) {
	sys := func(podm, id string) System {
		return System{PodmID: podm, ID: id, ResourceURI: "/redfish/v1/Systems/" + id}
	}
	want := []System{sys("a", "1"), sys("a", "2"), sys("b", "1"), sys("c", "1"), sys("c", "3")}
	parts := [][]System{{sys("c", "1"), sys("c", "3")}, {}, {sys("a", "1"), sys("a", "2")}, {sys("b", "1")}}
	if got := joinSystems(parts); !slices.Equal(systemIDs(got), systemIDs(want)) {
		t.Errorf("joinSystems = %v, want %v", systemIDs(got), systemIDs(want))
	}
	if len(parts[1]) != 0 || parts[0][0].PodmID != "c" {
		t.Errorf("joinSystems changed its parts: %v", parts)
	}
}

// A warm list of several pod managers answers with the systems it joined
// for the first, not a copy of them each time (at 4 × 2,500 systems the
// copies and their ordering were most of a warm list), until a change.
func TestWarmSystemsListNotCopied(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.InventoryTTL = time.Hour })
	a, _, _, _ := twoRacks(f)
	list := func() Inventory[System] {
		t.Helper()
		return must[Inventory[System]](t, "Systems")(f.svc.Systems(f.ctx, ""))
	}
	first, second := list(), list()
	if len(first.Items) != 3 || &first.Items[0] != &second.Items[0] {
		t.Fatalf("two warm lists of %d systems: the second is a copy of the first", len(first.Items))
	}
	one := must[Inventory[System]](t, "Systems of rack-a")(f.svc.Systems(f.ctx, a.UUID))
	again := must[Inventory[System]](t, "Systems of rack-a")(f.svc.Systems(f.ctx, a.UUID))
	if len(one.Items) != 2 || &one.Items[0] != &again.Items[0] {
		t.Errorf("two warm lists of one pod manager: the second is a copy of the first")
	}
	n := f.compose(a, "web-1", "")
	after := list()
	if &after.Items[0] == &first.Items[0] || !slices.ContainsFunc(after.Items, func(s System) bool { return s.ComposedNode == n.UUID }) {
		t.Errorf("after a compose the list is the one joined before it")
	}
}
