package valence

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

func TestErrors(t *testing.T) {
	cause := errors.New("dial tcp: refused")
	wrapped := Wrap(cause, PodManagerUnavailable, "Pod manager %s cannot be reached.", "rack1")
	if got := wrapped.Error(); got != "PodManagerUnavailable: Pod manager rack1 cannot be reached.: dial tcp: refused" {
		t.Errorf("Error() = %q", got)
	}
	if !errors.Is(wrapped, cause) {
		t.Errorf("the cause is not in the chain")
	}
	if got := Errorf(NotFound, "x %d", 1).Error(); got != "NotFound: x 1" {
		t.Errorf("Error() = %q", got)
	}
	cases := []struct {
		err  error
		want Code
	}{
		{nil, ""},
		{cause, Internal},
		{wrapped, PodManagerUnavailable},
		{fmt.Errorf("listing: %w", Errorf(Conflict, "taken")), Conflict},
	}
	for _, c := range cases {
		if got := ErrorCode(c.err); got != c.want {
			t.Errorf("ErrorCode(%v) = %q, want %q", c.err, got, c.want)
		}
	}
}

func TestCaller(t *testing.T) {
	if _, ok := CallerFrom(context.Background()); ok {
		t.Errorf("a bare context carries a caller")
	}
	ctx := WithCaller(context.Background(), Caller{UserID: "u1", ProjectID: "p1", Roles: []string{"member", "reader"}})
	c, ok := CallerFrom(ctx)
	if !ok || c.UserID != "u1" || c.ProjectID != "p1" {
		t.Fatalf("CallerFrom: %+v %v", c, ok)
	}
	if !c.HasRole("member") || c.HasRole("admin") {
		t.Errorf("HasRole: member %v, admin %v", c.HasRole("member"), c.HasRole("admin"))
	}
}

func TestTableAllPagesThroughEverything(t *testing.T) {
	f := newFixture(t)
	const n = 1203 // more than two of all's pages of 500
	for i := range n {
		fl := Flavor{UUID: fmt.Sprintf("f%05d", i), FlavorSpec: FlavorSpec{Name: fmt.Sprintf("flavor-%d", i)}}
		if err := f.svc.flavors.create(f.ctx, fl); err != nil {
			t.Fatal(err)
		}
	}
	all, err := f.svc.flavors.all(f.ctx, nil)
	if err != nil || len(all) != n {
		t.Fatalf("all: %d flavors, %v; want %d", len(all), err, n)
	}
	for i, fl := range all {
		if fl.UUID != fmt.Sprintf("f%05d", i) {
			t.Fatalf("all[%d] = %s: out of order or repeated", i, fl.UUID)
		}
	}
}

func TestModifyRetriesALostRace(t *testing.T) {
	f := newFixture(t)
	fl := must[Flavor](t, "CreateFlavor")(f.svc.CreateFlavor(f.ctx, FlavorSpec{Name: "small"}))
	raced := 0
	f.store.fail = func(op string, kind Kind) error {
		if op == "Update" && kind == KindFlavor && raced < 2 {
			// Another writer gets there first (the hook runs under the store's lock).
			raced++
			rec := f.store.recs[kind][fl.UUID]
			f.store.rev++
			rec.Revision = f.store.rev
			f.store.recs[kind][fl.UUID] = rec
		}
		return nil
	}
	calls := 0
	got, err := f.svc.UpdateFlavor(f.ctx, fl.UUID, func(sp *FlavorSpec) error { calls++; sp.Description = "raced"; return nil })
	if err != nil || got.Description != "raced" {
		t.Fatalf("UpdateFlavor after two lost races: %+v, %v", got, err)
	}
	if calls != 3 {
		t.Errorf("the change ran %d times, want 3 (two lost races, one win)", calls)
	}

	// A writer that always wins: modify gives up with Conflict.
	raced = -1000
	_, err = f.svc.UpdateFlavor(f.ctx, fl.UUID, func(sp *FlavorSpec) error { sp.Description = "never"; return nil })
	wantCode(t, "UpdateFlavor against a writer that always wins", err, Conflict)
}

func TestStoreFailuresPassThrough(t *testing.T) {
	f := newFixture(t)
	pm, _ := f.podm("rack1", 1)
	f.store.fail = func(op string, kind Kind) error {
		if op == "List" || op == "Get" {
			return Errorf(Unavailable, "store down")
		}
		return nil
	}
	_, _, err := f.svc.ListNodes(f.ctx, admin, nil, Page{})
	wantCode(t, "ListNodes", err, Unavailable)
	_, err = f.svc.GetPodManager(f.ctx, pm.UUID)
	wantCode(t, "GetPodManager", err, Unavailable)
	_, err = f.svc.Systems(f.ctx, "")
	wantCode(t, "Systems", err, Unavailable)
	_, err = f.svc.Compose(f.ctx, ComposeRequest{Name: "n"})
	wantCode(t, "Compose", err, Unavailable)
	wantCode(t, "DeletePodManager", f.svc.DeletePodManager(f.ctx, pm.UUID, true), Unavailable)
	// Background work logs and carries on.
	f.svc.probeAll(f.ctx)
	f.svc.recoverIntents(f.ctx)
}

func TestUnreadableRecordIsInternal(t *testing.T) {
	f := newFixture(t)
	_, err := f.store.Create(f.ctx, Record{Kind: KindFlavor, ID: "bad", Data: []byte(`{"name": 5}`)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.GetFlavor(f.ctx, "bad")
	wantCode(t, "GetFlavor of a damaged record", err, Internal)
	_, _, err = f.svc.ListFlavors(f.ctx, nil, Page{})
	wantCode(t, "ListFlavors with a damaged record", err, Internal)
}

func TestConnectionCacheUnderConcurrency(t *testing.T) {
	f := newFixture(t)
	pm, p := f.podm("rack1", 1)
	n := f.compose(pm, "web-1", "")
	f.svc.conns.drop(pm.UUID)
	connects, closes := f.conns.connectCount(p.url), p.closeCount()

	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			if _, err := f.svc.GetNode(f.ctx, admin, n.UUID); err != nil {
				t.Errorf("GetNode: %v", err)
			}
		})
	}
	wg.Wait()
	opened := f.conns.connectCount(p.url) - connects
	closed := p.closeCount() - closes
	if opened < 1 || closed != opened-1 {
		t.Errorf("%d connections opened and %d closed by concurrent requests; want all but the kept one closed", opened, closed)
	}
	before := f.conns.connectCount(p.url)
	must[NodeDetail](t, "GetNode")(f.svc.GetNode(f.ctx, admin, n.UUID))
	if f.conns.connectCount(p.url) != before {
		t.Errorf("a later request did not reuse the cached connection")
	}
	f.svc.Close()
	if got := p.closeCount() - closes; got != opened {
		t.Errorf("Close closed %d of %d connections", got, opened)
	}
}

func TestConcurrentStatusRefreshes(t *testing.T) {
	f := newFixture(t)
	pm, p := f.podm("rack1", 1)
	p.setDown(true)
	f.clock.advance(time.Minute)
	var wg sync.WaitGroup
	for range 12 {
		wg.Go(func() {
			got, err := f.svc.GetPodManager(f.ctx, pm.UUID)
			if err != nil || got.Status != StatusOffline {
				t.Errorf("GetPodManager: %q, %v", got.Status, err)
			}
		})
	}
	wg.Wait()
	if got := f.podmNamed("rack1"); got.Status != StatusOffline || !got.ProbedAt.Equal(f.clock.Now()) {
		t.Errorf("stored %q probed at %v", got.Status, got.ProbedAt)
	}
}

// Concurrent reads of a stale status share one probe, and a read that
// stops waiting does not cut it short for the others.
func TestConcurrentStaleReadsShareOneProbe(t *testing.T) {
	f := newFixture(t)
	pm, p := f.podm("rack1", 1)
	before := len(p.called("Probe"))
	release := p.gateOn("Probe")
	f.clock.advance(time.Minute)
	const readers = 16
	var wg sync.WaitGroup
	for range readers {
		wg.Go(func() {
			got, err := f.svc.GetPodManager(f.ctx, pm.UUID)
			if err != nil || got.Status != StatusOnline || !got.ProbedAt.Equal(f.clock.Now()) {
				t.Errorf("GetPodManager: %q probed at %v, %v", got.Status, got.ProbedAt, err)
			}
		})
	}
	gone, leave := context.WithCancel(f.ctx)
	leave()
	if _, err := f.svc.GetPodManager(gone, pm.UUID); !errors.Is(err, context.Canceled) {
		t.Errorf("a read that gave up: %v", err)
	}
	for deadline := time.Now().Add(10 * time.Second); len(p.called("Probe")) == before && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	release()
	wg.Wait()
	if got := len(p.called("Probe")) - before; got != 1 {
		t.Errorf("%d concurrent reads of a stale status probed %d times, want once", readers, got)
	}
}

func TestNewFillsDefaults(t *testing.T) {
	s := New(Options{Store: newFakeStore(), Connector: &fakeConnector{}})
	o := s.opts
	if o.PodmTimeout != DefaultPodmTimeout || o.ComposeTimeout != DefaultComposeTimeout || o.ProbeInterval != DefaultProbeInterval ||
		o.StatusMaxAge != DefaultStatusMaxAge || o.InventoryTTL != DefaultInventoryTTL || o.Now == nil {
		t.Errorf("defaults not filled: %+v", o)
	}
	if d := time.Since(o.Now()); d < 0 || d > time.Minute {
		t.Errorf("the default clock is off by %v", d)
	}
}

func TestStatusRefreshOutrunByWritersStillAnswers(t *testing.T) {
	f := newFixture(t)
	pm, p := f.podm("rack1", 1)
	p.setDown(true)
	f.clock.advance(time.Minute)
	f.store.fail = func(op string, kind Kind) error {
		if op == "Update" && kind == KindPodManager {
			// Another replica stores its own refresh first, every time.
			rec := f.store.recs[kind][pm.UUID]
			f.store.rev++
			rec.Revision = f.store.rev
			f.store.recs[kind][pm.UUID] = rec
		}
		return nil
	}
	got, err := f.svc.GetPodManager(f.ctx, pm.UUID)
	if err != nil || got.Status != StatusOffline {
		t.Errorf("a read whose status write kept losing: %q, %v; want the probed status and no error", got.Status, err)
	}
}

// The status refresh asks the pod managers at once, so that ones that do
// not answer hold up neither each other nor the rest.
func TestProbeAllAsksPodManagersAtOnce(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.PodmTimeout = time.Minute })
	var fakes []*fakePodm
	for _, name := range []string{"a", "b", "c"} {
		_, p := f.podm(name, 1)
		p.blockOn("Probe")
		fakes = append(fakes, p)
	}
	probes := func() int {
		n := 0
		for _, p := range fakes {
			n += len(p.called("Probe"))
		}
		return n
	}
	before := probes()
	ctx, cancel := context.WithCancel(f.ctx)
	done := make(chan struct{})
	go func() { f.svc.probeAll(ctx); close(done) }()
	deadline := time.Now().Add(10 * time.Second)
	for probes() < before+len(fakes) && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if got := probes() - before; got != len(fakes) {
		t.Errorf("%d of %d pod managers were asked while the others hung", got, len(fakes))
	}
	cancel()
	<-done
}
