package valence

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// wantNothingLeft fails the test if a compose left a node record, an intent
// or a node on the pod manager behind.
func wantNothingLeft(t *testing.T, f *fixture, p *fakePodm) {
	t.Helper()
	if ids := f.store.ids(KindNode); len(ids) != 0 {
		t.Errorf("node records left: %v", ids)
	}
	if ids := f.store.ids(KindIntent); len(ids) != 0 {
		t.Errorf("intents left: %v", ids)
	}
	if uris := p.nodeURIs(); len(uris) != 0 {
		t.Errorf("nodes left on the pod manager: %v", uris)
	}
}

func TestComposeSuccess(t *testing.T) {
	f := newFixture(t)
	pm, p := f.podm("rack1", 2)
	p.set(func(p *fakePodm) { p.systems[0].cores = 2 }) // too small for the request
	n, err := f.svc.Compose(f.ctx, ComposeRequest{
		Name: " web-1 ", Description: "front end", PodmID: pm.UUID, ProjectID: "proj-a",
		Properties: &Properties{Processor: &ProcessorReq{TotalCores: 4}, Memory: &MemoryReq{CapacityMiB: 8192}},
	})
	if err != nil {
		t.Fatalf("Compose: %v", err)
	}
	want := Node{
		UUID: n.UUID, Name: "web-1", Description: "front end", PodmID: pm.UUID, Index: "1",
		ResourceURI: fakeNodes + "1", State: NodeAssembled, PowerState: "Off", ProjectID: "proj-a",
		CreatedAt: f.clock.Now(), UpdatedAt: f.clock.Now(),
	}
	if n != want {
		t.Errorf("composed\n %+v\nwant\n %+v", n, want)
	}
	stored, _, err := f.svc.nodes.get(f.ctx, n.UUID)
	if err != nil || stored != want {
		t.Errorf("stored %+v, %v", stored, err)
	}
	if ids := f.store.ids(KindIntent); len(ids) != 0 {
		t.Errorf("intents left after a compose: %v", ids)
	}
	for _, m := range []string{"Allocate", "Assemble", "WaitAssembled"} {
		if len(p.called(m)) != 1 {
			t.Errorf("%s called %v", m, p.called(m))
		}
	}
	if got := p.called("DeleteNode"); len(got) != 0 {
		t.Errorf("a successful compose deleted %v", got)
	}
	// The node the wait read is the one recorded: no second read of it
	// and its parts.
	if got := p.called("GetNode"); len(got) != 0 {
		t.Errorf("a compose read the node again: %v", got)
	}
	if a := p.allocs[0]; a.TotalSystemCoreCount != 4 || a.TotalSystemMemoryMiB != 8192 || a.Name != "web-1" {
		t.Errorf("allocate request %+v", a)
	}
	if sys := p.systems[1]; sys.node != n.ResourceURI {
		t.Errorf("the node went to the wrong system")
	}
	if got := f.metrics.outcomes(); !slices.Equal(got, []Code{""}) {
		t.Errorf("metrics %v, want one success", got)
	}
}

// A compose and its decompose write to the store four times: the intent
// before the Allocate, the node it names before the Assemble, the record
// that replaces the intent in one write (both or neither: never a record
// and its intent, never a moment with neither), and the record's removal.
// A node known to carry the compose's mark spares the second: the intent
// never names it, recovery finds it by its mark.
func TestComposeAndDecomposeWrites(t *testing.T) {
	for _, c := range []struct {
		name    string
		marked  bool
		named   string // the intent's NodeURI while the node assembles
		written []string
	}{
		{"unmarked", false, fakeNodes + "1", []string{"Create intents", "Update intents", "CreateDeleting nodes intents", "Delete nodes"}},
		{"marked", true, "", []string{"Create intents", "CreateDeleting nodes intents", "Delete nodes"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			pm, p := f.podm("rack1", 1)
			p.set(func(p *fakePodm) { p.marks = c.marked })
			f.store.mu.Lock()
			before := len(f.store.writes)
			f.store.mu.Unlock()
			release := p.gateOn("WaitAssembled")
			done := make(chan error, 1)
			var n Node
			go func() {
				var err error
				n, err = f.svc.Compose(f.ctx, ComposeRequest{Name: "web-1", PodmID: pm.UUID})
				done <- err
			}()
			for len(p.called("WaitAssembled")) == 0 {
				time.Sleep(time.Millisecond)
			}
			intents := must[[]intent](t, "intents")(f.svc.intents.all(f.ctx, nil))
			if len(intents) != 1 || intents[0].NodeURI != c.named {
				t.Errorf("the intent while its node assembles: %+v, want it naming %q", intents, c.named)
			}
			release()
			if err := <-done; err != nil {
				t.Fatalf("Compose: %v", err)
			}
			if err := f.svc.Decompose(f.ctx, admin, n.UUID); err != nil {
				t.Fatalf("Decompose: %v", err)
			}
			f.store.mu.Lock()
			got := slices.Clone(f.store.writes[before:])
			f.store.mu.Unlock()
			if !slices.Equal(got, c.written) {
				t.Errorf("store writes %q, want %q", got, c.written)
			}
		})
	}
}

func TestComposeFromFlavor(t *testing.T) {
	f := newFixture(t)
	pm, p := f.podm("rack1", 1)
	fl := must[Flavor](t, "CreateFlavor")(f.svc.CreateFlavor(f.ctx, FlavorSpec{Name: "big", Properties: Properties{
		Processor: &ProcessorReq{TotalCores: 8, Count: 2, Model: "Xeon"},
	}}))
	must[Node](t, "Compose")(f.svc.Compose(f.ctx, ComposeRequest{Name: "n", PodmID: pm.UUID, FlavorID: fl.UUID}))
	if a := p.allocs[0]; a.TotalSystemCoreCount != 8 || len(a.Processors) != 2 || a.Processors[0].Model != "Xeon" {
		t.Errorf("allocate request from the flavor: %+v", a)
	}
}

func TestComposeFailuresLeaveNothing(t *testing.T) {
	cases := []struct {
		name      string
		systems   int
		setup     func(f *fixture, p *fakePodm)
		code      Code
		allocated bool // whether a node was allocated and must be deleted
	}{
		{"no free system", 0, nil, Conflict, false},
		{"allocate refused", 1, func(_ *fixture, p *fakePodm) {
			p.failOn("Allocate", &Error{Code: Invalid, Message: "malformed", ExtendedInfo: []string{"bad property"}})
		}, Invalid, false},
		{"intent not written", 1, func(f *fixture, _ *fakePodm) {
			f.store.fail = func(op string, kind Kind) error {
				if op == "Create" && kind == KindIntent {
					return Errorf(Unavailable, "store down")
				}
				return nil
			}
		}, Unavailable, false},
		{"assemble fails", 1, func(_ *fixture, p *fakePodm) {
			p.failOn("Assemble", &Error{Code: PodManagerError, Message: "assembly failed", ExtendedInfo: []string{"drive missing"}})
		}, PodManagerError, true},
		{"node fails to assemble", 1, func(_ *fixture, p *fakePodm) {
			p.failOn("WaitAssembled", Errorf(PodManagerError, "node went to Failed"))
		}, PodManagerError, true},
		{"node unreadable while assembling", 1, func(_ *fixture, p *fakePodm) {
			p.failOn("WaitAssembled", Errorf(PodManagerUnavailable, "connection reset"))
		}, PodManagerUnavailable, true},
		{"intent not updated", 1, func(f *fixture, _ *fakePodm) {
			f.store.fail = func(op string, kind Kind) error {
				if op == "Update" && kind == KindIntent {
					return Errorf(Unavailable, "store down")
				}
				return nil
			}
		}, Unavailable, true},
		// Recovery took the compose for abandoned and removed its intent
		// (it refuses the first removal as a store would then): the node
		// is not recorded, and deleted.
		{"intent gone before the record", 1, func(f *fixture, _ *fakePodm) {
			var once sync.Once
			f.store.fail = func(op string, kind Kind) error {
				var err error
				if op == "Delete" && kind == KindIntent {
					once.Do(func() { err = Errorf(NotFound, "intents record not found") })
				}
				return err
			}
		}, Internal, true},
		{"record not written", 1, func(f *fixture, _ *fakePodm) {
			f.store.fail = func(op string, kind Kind) error {
				if op == "Create" && kind == KindNode {
					return Errorf(Unavailable, "store down")
				}
				return nil
			}
		}, Unavailable, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			pm, p := f.podm("rack1", c.systems)
			if c.setup != nil {
				c.setup(f, p)
			}
			_, err := f.svc.Compose(f.ctx, ComposeRequest{Name: "web-1", PodmID: pm.UUID})
			wantCode(t, "Compose", err, c.code)
			f.store.fail = nil
			wantNothingLeft(t, f, p)
			deleted := p.called("DeleteNode")
			switch {
			case c.allocated && !slices.Equal(deleted, []string{"DeleteNode " + fakeNodes + "1"}):
				t.Errorf("DeleteNode calls %v, want the allocated node deleted", deleted)
			case !c.allocated && len(deleted) != 0:
				t.Errorf("DeleteNode called %v though nothing was allocated", deleted)
			}
			if got := f.metrics.outcomes(); !slices.Equal(got, []Code{c.code}) {
				t.Errorf("metrics %v, want [%s]", got, c.code)
			}
		})
	}
}

func TestComposeKeepsThePodManagersExplanation(t *testing.T) {
	f := newFixture(t)
	pm, _ := f.podm("rack1", 0)
	_, err := f.svc.Compose(f.ctx, ComposeRequest{Name: "n", PodmID: pm.UUID})
	var e *Error
	if !asError(err, &e) || e.Code != Conflict || !slices.Equal(e.ExtendedInfo, []string{"No free system offers the requested resources."}) {
		t.Errorf("Compose without free systems: %#v", err)
	}
}

func TestComposeTimeout(t *testing.T) {
	for _, step := range []string{"Allocate", "Assemble", "WaitAssembled"} {
		t.Run(step, func(t *testing.T) {
			f := newFixture(t, func(o *Options) { o.ComposeTimeout = 50 * time.Millisecond })
			pm, p := f.podm("rack1", 1)
			p.blockOn(step)
			start := time.Now()
			_, err := f.svc.Compose(f.ctx, ComposeRequest{Name: "n", PodmID: pm.UUID})
			wantCode(t, "Compose", err, Timeout)
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("Compose took %v with a 50ms compose timeout", d)
			}
			if step != "Allocate" {
				if got := p.called("DeleteNode"); len(got) != 1 {
					t.Errorf("DeleteNode calls %v, want the allocated node deleted", got)
				}
			} else {
				// An Allocate without an answer may still have allocated: its
				// intent waits for recovery, which finds nothing here.
				if ids := f.store.ids(KindIntent); len(ids) != 1 {
					t.Errorf("intents %v, want the unsure one kept", ids)
				}
				f.clock.advance(time.Minute)
				f.svc.recoverIntents(f.ctx)
			}
			wantNothingLeft(t, f, p)
			if got := f.metrics.outcomes(); !slices.Equal(got, []Code{Timeout}) {
				t.Errorf("metrics %v, want [Timeout]", got)
			}
		})
	}
}

// A rollback that cannot delete its node leaves the intent naming it, for
// recovery to delete; a marked compose, whose intent did not name it yet,
// names it then.
func TestComposeRollbackFailureIsRecovered(t *testing.T) {
	for _, marked := range []bool{false, true} {
		t.Run(fmt.Sprintf("marked=%t", marked), func(t *testing.T) {
			f := newFixture(t, func(o *Options) { o.ComposeTimeout = time.Minute; o.PodmTimeout = 10 * time.Second })
			pm, p := f.podm("rack1", 1)
			p.set(func(p *fakePodm) { p.marks = marked })
			p.failOn("Assemble", Errorf(PodManagerError, "assembly failed"))
			p.failOn("DeleteNode", Errorf(PodManagerUnavailable, "connection refused"))
			_, err := f.svc.Compose(f.ctx, ComposeRequest{Name: "web-1", PodmID: pm.UUID})
			wantCode(t, "Compose", err, PodManagerError)

			intents := must[[]intent](t, "intents")(f.svc.intents.all(f.ctx, nil))
			if len(intents) != 1 || intents[0].NodeURI != fakeNodes+"1" || intents[0].PodmID != pm.UUID {
				t.Fatalf("intents after a failed rollback: %+v, want one naming the node", intents)
			}
			if ids := f.store.ids(KindNode); len(ids) != 0 {
				t.Errorf("node records: %v", ids)
			}
			p.failOn("DeleteNode", nil)

			// The compose has returned: no one works on it any more, so recovery
			// need not wait for its deadline. While the pod manager cannot be
			// reached, the intent stays for later.
			p.setDown(true)
			f.svc.recoverIntents(f.ctx)
			if len(f.store.ids(KindIntent)) != 1 {
				t.Fatalf("recovery dropped the intent without deleting the node")
			}
			p.setDown(false)
			f.svc.recoverIntents(f.ctx)
			wantNothingLeft(t, f, p)
			if got := p.called("DeleteNode"); got[len(got)-1] != "DeleteNode "+fakeNodes+"1" {
				t.Errorf("DeleteNode calls %v", got)
			}
		})
	}
}

// An Allocate whose answer is lost (or never sent) keeps its intent, and
// recovery deletes the node it may have made, but no node that someone else
// holds under the same name.
func TestLostAllocateAnswerIsRecovered(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.ComposeTimeout = time.Minute; o.PodmTimeout = 10 * time.Second })
	pm, p := f.podm("rack1", 4)
	recorded := f.compose(pm, "web-1", "p")            // Valence's own node of that name
	assembled := p.compose("web-1")                    // composed outside Valence, Assembled
	other := p.allocate(AllocateRequest{Name: "db-1"}) // Allocated, but of another name

	p.set(func(p *fakePodm) { p.loseAllocate = true })
	_, err := f.svc.Compose(f.ctx, ComposeRequest{Name: "web-1", PodmID: pm.UUID})
	wantCode(t, "Compose", err, Timeout)
	p.set(func(p *fakePodm) { p.loseAllocate = false })
	intents := must[[]intent](t, "intents")(f.svc.intents.all(f.ctx, nil))
	if len(intents) != 1 || !intents[0].AllocateUnsure || intents[0].NodeURI != "" {
		t.Fatalf("intents after a lost answer: %+v, want one marked unsure", intents)
	}
	lost := fakeNodes + "4"
	if !slices.Contains(p.nodeURIs(), lost) {
		t.Fatalf("the fake did not allocate before losing the answer: %v", p.nodeURIs())
	}
	// A refused connection is no proof that nothing was allocated either.
	p.failOn("Allocate", Errorf(PodManagerUnavailable, "connection refused"))
	_, err = f.svc.Compose(f.ctx, ComposeRequest{Name: "web-2", PodmID: pm.UUID})
	wantCode(t, "Compose", err, PodManagerUnavailable)
	p.failOn("Allocate", nil)

	f.clock.advance(time.Minute + 11*time.Second)
	f.svc.recoverIntents(f.ctx)
	if ids := f.store.ids(KindIntent); len(ids) != 0 {
		t.Errorf("intents left after recovery: %v", ids)
	}
	if got := p.called("DeleteNode"); !slices.Equal(got, []string{"DeleteNode " + lost}) {
		t.Errorf("DeleteNode calls %v, want only the lost allocation %s", got, lost)
	}
	want := []string{recorded.ResourceURI, fakeNodes + assembled, other}
	slices.Sort(want)
	if uris := p.nodeURIs(); !slices.Equal(uris, want) {
		t.Errorf("nodes left %v, want %v", uris, want)
	}
}

// On a pod manager whose compose is whole at once (DMTF composition), the
// node of a lost answer is already Assembled: recovery knows it by the
// compose's id that the pod manager keeps, at once (the node proves the
// Allocate carried out), and spares every other node, of whatever name or
// compose, that is not this compose's.
func TestLostComposedSystemIsRecovered(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.ComposeTimeout = time.Minute; o.PodmTimeout = 10 * time.Second })
	pm, p := f.podm("rack1", 5)
	p.set(func(p *fakePodm) { p.wholeAtOnce = true })
	recorded := f.compose(pm, "web-1", "p") // Valence's own, marked with its compose
	outside := p.compose("web-1")           // composed outside Valence: no mark
	// Another compose's, unclaimed but not this one's.
	other := p.allocate(AllocateRequest{Name: "web-1", ComposeID: "another-compose"})

	p.set(func(p *fakePodm) { p.loseAllocate = true })
	_, err := f.svc.Compose(f.ctx, ComposeRequest{Name: "web-1", PodmID: pm.UUID})
	wantCode(t, "Compose", err, Timeout)
	p.set(func(p *fakePodm) { p.loseAllocate = false })
	intents := must[[]intent](t, "intents")(f.svc.intents.all(f.ctx, nil))
	if len(intents) != 1 || !intents[0].AllocateUnsure {
		t.Fatalf("intents after a lost answer: %+v, want one marked unsure", intents)
	}
	lost := fakeNodes + "4"
	if n := p.nodes[lost]; n == nil || n.State != NodeAssembled || n.ComposeID != intents[0].UUID {
		t.Fatalf("the fake did not compose %s whole, marked %s: %+v", lost, intents[0].UUID, n)
	}

	// No need to wait for the pod manager: the marked node is the one its
	// Allocate made, and nothing more will come.
	if left := f.svc.recoverIntents(f.ctx); left != 0 {
		t.Errorf("recoverIntents left %d", left)
	}
	if ids := f.store.ids(KindIntent); len(ids) != 0 {
		t.Errorf("intents left after recovery: %v", ids)
	}
	if got := p.called("DeleteNode"); !slices.Equal(got, []string{"DeleteNode " + lost}) {
		t.Errorf("DeleteNode calls %v, want only the lost compose's %s", got, lost)
	}
	want := []string{recorded.ResourceURI, fakeNodes + outside, other}
	slices.Sort(want)
	if uris := p.nodeURIs(); !slices.Equal(uris, want) {
		t.Errorf("nodes left %v, want %v", uris, want)
	}
}

// putIntent stores an intent as an interrupted compose would have left it.
func putIntent(t *testing.T, f *fixture, in intent) {
	t.Helper()
	data, _ := json.Marshal(in)
	_, err := f.store.Create(f.ctx, Record{Kind: KindIntent, ID: in.UUID, SchemaVersion: schemaVersion,
		Fields: map[string]string{"podm_id": in.PodmID}, Data: data})
	if err != nil {
		t.Fatal(err)
	}
}

func TestRecoverIntents(t *testing.T) {
	f := newFixture(t)
	pm, p := f.podm("rack1", 3)
	recorded := f.compose(pm, "recorded", "p")
	orphan := p.compose("orphan")
	past := f.clock.Now().Add(-time.Hour)
	putIntent(t, f, intent{UUID: recorded.UUID, Name: "recorded", PodmID: pm.UUID, NodeURI: recorded.ResourceURI, Deadline: past})
	putIntent(t, f, intent{UUID: "i-orphan", Name: "orphan", PodmID: pm.UUID, NodeURI: fakeNodes + orphan, Deadline: past})
	putIntent(t, f, intent{UUID: "i-before-allocate", Name: "early", PodmID: pm.UUID, Deadline: past})
	putIntent(t, f, intent{UUID: "i-gone-podm", Name: "lost", PodmID: "no-such-podm", NodeURI: fakeNodes + "9", Deadline: past})
	putIntent(t, f, intent{UUID: "i-running", Name: "running", PodmID: pm.UUID, NodeURI: fakeNodes + "7", Deadline: f.clock.Now().Add(time.Minute)})

	f.svc.recoverIntents(f.ctx)

	if ids := f.store.ids(KindIntent); !slices.Equal(ids, []string{"i-running"}) {
		t.Errorf("intents left %v, want only the one still running", ids)
	}
	if got := p.called("DeleteNode"); !slices.Equal(got, []string{"DeleteNode " + fakeNodes + orphan}) {
		t.Errorf("DeleteNode calls %v, want only the orphan's", got)
	}
	if uris := p.nodeURIs(); !slices.Equal(uris, []string{recorded.ResourceURI}) {
		t.Errorf("nodes on the pod manager %v, want the recorded one kept", uris)
	}
	must[NodeDetail](t, "recorded node")(f.svc.GetNode(f.ctx, Scope{AllProjects: true}, recorded.UUID))
}

func TestComposeChoosesAPodManager(t *testing.T) {
	f := newFixture(t)
	a, pa := f.podm("rack-a", 1)
	b, pb := f.podm("rack-b", 1)
	first, second := pa, pb
	secondPM := b
	if b.UUID < a.UUID {
		first, second, secondPM = pb, pa, a
	}
	// The first candidate (in id order) has no room; the second does.
	first.set(func(p *fakePodm) { p.systems[0].cores = 1 })
	sp := f.spec(f.fake("plain", 4), "plain")
	sp.Driver = DriverRedfish
	plain := must[PodManager](t, "plain")(f.svc.CreatePodManager(f.ctx, sp))
	_, off := f.podm("rack-off", 4)
	off.setDown(true)
	f.clock.advance(time.Minute)
	must[PodManager](t, "notice it is offline")(f.svc.GetPodManager(f.ctx, f.podmNamed("rack-off").UUID))

	n, err := f.svc.Compose(f.ctx, ComposeRequest{Name: "n", Properties: &Properties{Processor: &ProcessorReq{TotalCores: 4}}})
	if err != nil {
		t.Fatalf("Compose without podm_id: %v", err)
	}
	if n.PodmID != secondPM.UUID {
		t.Errorf("composed on %s, want %s (the one with room)", n.PodmID, secondPM.UUID)
	}
	if len(first.called("Allocate")) != 1 || len(second.called("Allocate")) != 1 {
		t.Errorf("Allocate calls: first %v, second %v", first.called("Allocate"), second.called("Allocate"))
	}
	if got := f.conns.podms[plain.URL].called("Allocate"); len(got) != 0 {
		t.Errorf("a plain Redfish service was asked to allocate: %v", got)
	}
	if got := off.called("Allocate"); len(got) != 0 {
		t.Errorf("an offline pod manager was asked to allocate: %v", got)
	}

	// Now neither has room: one Conflict naming both, with their explanations.
	_, err = f.svc.Compose(f.ctx, ComposeRequest{Name: "m", Properties: &Properties{Processor: &ProcessorReq{TotalCores: 4}}})
	wantCode(t, "Compose with no room anywhere", err, Conflict)
	wantMessage(t, "Compose with no room anywhere", err, "rack-a", "rack-b")
	var e *Error
	if asError(err, &e); len(e.ExtendedInfo) != 2 {
		t.Errorf("extended info %v, want each pod manager's", e.ExtendedInfo)
	}
	if ids := f.store.ids(KindIntent); len(ids) != 0 {
		t.Errorf("intents left: %v", ids)
	}
}

// podmNamed returns the stored pod manager called name.
func (f *fixture) podmNamed(name string) PodManager {
	f.t.Helper()
	pms, err := listPodms(f, map[string]string{"name": name})
	if err != nil || len(pms) != 1 {
		f.t.Fatalf("pod manager %s: %v %v", name, pms, err)
	}
	return pms[0]
}

func TestComposeMovesOnFromAnUnreachablePodManager(t *testing.T) {
	for name, spoil := range map[string]func(p *fakePodm){
		"unreachable": func(p *fakePodm) { p.setDown(true) },
		// Its credentials changed there, or it does not compose although it says it does.
		"credentials refused": func(p *fakePodm) { p.failAllWith(Errorf(PodManagerAuthFailed, "refused")) },
		"not implemented":     func(p *fakePodm) { p.failOn("Allocate", Errorf(NotImplemented, "no Allocate here")) },
	} {
		f := newFixture(t)
		a, pa := f.podm("rack-a", 1)
		b, pb := f.podm("rack-b", 1)
		first, want := pa, b
		if b.UUID < a.UUID {
			first, want = pb, a
		}
		spoil(first) // still recorded Online
		n, err := f.svc.Compose(f.ctx, ComposeRequest{Name: "n"})
		if err != nil || n.PodmID != want.UUID {
			t.Errorf("%s: composed on %s (%v), want %s", name, n.PodmID, err, want.UUID)
		}
	}
}

func TestComposeNoPodManagerOnline(t *testing.T) {
	f := newFixture(t)
	_, err := f.svc.Compose(f.ctx, ComposeRequest{Name: "n"})
	wantCode(t, "no pod managers", err, Conflict)
	_, p := f.podm("rack1", 1)
	p.setDown(true)
	f.clock.advance(time.Minute)
	f.svc.probeAll(f.ctx)
	_, err = f.svc.Compose(f.ctx, ComposeRequest{Name: "n"})
	wantCode(t, "only an offline pod manager", err, Conflict)
	wantMessage(t, "only an offline pod manager", err, "online")
	if got := p.called("Allocate"); len(got) != 0 {
		t.Errorf("Allocate called on an offline pod manager: %v", got)
	}
}

func TestComposeRefuses(t *testing.T) {
	f := newFixture(t)
	pm, p := f.podm("rack1", 1)
	sp := f.spec(f.fake("plain", 1), "plain")
	sp.Driver = DriverRedfish
	plain := must[PodManager](t, "plain")(f.svc.CreatePodManager(f.ctx, sp))
	sp = f.spec(f.fake("plain-off", 1), "plain-off")
	sp.Driver = DriverRedfish
	f.conns.podms[sp.URL].setDown(true)
	plainOff := must[PodManager](t, "plain-off")(f.svc.CreatePodManager(f.ctx, sp))
	old := f.fake("old", 1)
	old.set(func(p *fakePodm) { p.info.RSDVersion = "2.1" })
	oldPM := must[PodManager](t, "old")(f.svc.CreatePodManager(f.ctx, f.spec(old, "old")))
	fl := must[Flavor](t, "CreateFlavor")(f.svc.CreateFlavor(f.ctx, FlavorSpec{Name: "f"}))
	yes := true

	cases := []struct {
		name string
		req  ComposeRequest
		code Code
		says []string
	}{
		{"no name", ComposeRequest{Name: " ", PodmID: pm.UUID}, Invalid, []string{"name"}},
		{"flavor and properties", ComposeRequest{Name: "n", PodmID: pm.UUID, FlavorID: fl.UUID, Properties: &Properties{}}, Invalid, []string{"flavor_id", "properties"}},
		{"unknown flavor", ComposeRequest{Name: "n", PodmID: pm.UUID, FlavorID: "nope"}, NotFound, []string{"Flavor", "nope"}},
		{"bad properties", ComposeRequest{Name: "n", PodmID: pm.UUID, Properties: &Properties{Memory: &MemoryReq{CapacityMiB: -1}}}, Invalid, []string{"memory.capacity_mib"}},
		{"unknown pod manager", ComposeRequest{Name: "n", PodmID: "nope"}, NotFound, []string{"nope"}},
		{"plain redfish", ComposeRequest{Name: "n", PodmID: plain.UUID}, Invalid, []string{"plain", "cannot compose"}},
		{"plain redfish, offline", ComposeRequest{Name: "n", PodmID: plainOff.UUID}, Invalid, []string{"plain-off", "cannot compose"}},
		{"security on RSD 2.1", ComposeRequest{Name: "n", PodmID: oldPM.UUID, Properties: &Properties{Security: &SecurityReq{TPM: &yes}}}, Invalid, []string{"security"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.svc.Compose(f.ctx, c.req)
			wantCode(t, "Compose", err, c.code)
			wantMessage(t, "Compose", err, c.says...)
		})
	}
	for _, fp := range []*fakePodm{p, old, f.conns.podms[plain.URL]} {
		if got := fp.called("Allocate"); len(got) != 0 {
			t.Errorf("a refused compose allocated: %v", got)
		}
	}
	if n := len(f.store.ids(KindIntent)); n != 0 {
		t.Errorf("%d intents left", n)
	}
	if got := f.metrics.outcomes(); len(got) != len(cases) || got[0] != Invalid {
		t.Errorf("metrics %v, want a failure for every refused compose", got)
	}
}

func TestComposeRacesForTheLastSystem(t *testing.T) {
	f := newFixture(t)
	pm, p := f.podm("rack1", 1)
	const racers = 6
	errs := make([]error, racers)
	var wg sync.WaitGroup
	for i := range racers {
		wg.Go(func() {
			_, errs[i] = f.svc.Compose(f.ctx, ComposeRequest{Name: "n", PodmID: pm.UUID})
		})
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case !IsCode(err, Conflict):
			t.Errorf("a losing compose: %v, want Conflict", err)
		}
	}
	if won != 1 {
		t.Errorf("%d composes won the last system, want 1", won)
	}
	if len(f.store.ids(KindNode)) != 1 || len(f.store.ids(KindIntent)) != 0 || len(p.nodeURIs()) != 1 {
		t.Errorf("after the race: nodes %v, intents %v, on the pod manager %v",
			f.store.ids(KindNode), f.store.ids(KindIntent), p.nodeURIs())
	}
}

func TestComposeSkipsAPodManagerWhoseVersionCannotExpressTheRequest(t *testing.T) {
	f := newFixture(t)
	pa, pb := f.fake("rack-a", 1), f.fake("rack-b", 1)
	a := must[PodManager](t, "rack-a")(f.svc.CreatePodManager(f.ctx, f.spec(pa, "rack-a")))
	b := must[PodManager](t, "rack-b")(f.svc.CreatePodManager(f.ctx, f.spec(pb, "rack-b")))
	// The first candidate in id order speaks RSD 2.1, which has no security requirements.
	old, want := pa, b
	if b.UUID < a.UUID {
		old, want = pb, a
	}
	old.set(func(p *fakePodm) { p.info.RSDVersion = "2.1" })
	f.clock.advance(time.Minute)
	f.svc.probeAll(f.ctx)
	yes := true
	n, err := f.svc.Compose(f.ctx, ComposeRequest{Name: "n", Properties: &Properties{Security: &SecurityReq{TPM: &yes}}})
	if err != nil {
		t.Fatalf("Compose with security, one RSD 2.1 and one 2.3 pod manager: %v", err)
	}
	if n.PodmID != want.UUID {
		t.Errorf("composed on %s, want the RSD 2.3 one %s", n.PodmID, want.UUID)
	}
	// When none can express it, the answer says what each could not do.
	pa.set(func(p *fakePodm) { p.info.RSDVersion = "2.1" })
	pb.set(func(p *fakePodm) { p.info.RSDVersion = "2.1" })
	f.clock.advance(time.Minute)
	f.svc.probeAll(f.ctx)
	_, err = f.svc.Compose(f.ctx, ComposeRequest{Name: "m", Properties: &Properties{Security: &SecurityReq{TPM: &yes}}})
	wantCode(t, "Compose with security on two RSD 2.1 pod managers", err, Conflict)
	wantMessage(t, "Compose with security on two RSD 2.1 pod managers", err, "rack-a", "rack-b", "security")
}

// A compose belongs to the process that runs it: another server undoes it
// as soon as that process has ended, whatever its deadline, and never while
// it lives, however slow it is.
func TestRecoverIntentsOfOtherOwners(t *testing.T) {
	f := newFixture(t)
	pm, p := f.podm("rack1", 4)
	slow := p.compose("slow")
	assembling := p.compose("assembling")
	// A compose that died inside its Allocate: the pod manager allocated,
	// the intent never learnt where.
	midAllocate := p.allocate(AllocateRequest{Name: "mid"})
	past, future := f.clock.Now().Add(-time.Hour), f.clock.Now().Add(time.Hour)
	f.store.setAlive("replica-live", true)
	f.store.setAlive("replica-dead", true)
	putIntent(t, f, intent{UUID: "i-slow", Name: "slow", PodmID: pm.UUID, NodeURI: fakeNodes + slow, Owner: "replica-live", Deadline: past})
	putIntent(t, f, intent{UUID: "i-assembling", Name: "assembling", PodmID: pm.UUID, NodeURI: fakeNodes + assembling, Owner: "replica-dead", Deadline: future})
	putIntent(t, f, intent{UUID: "i-mid", Name: "mid", PodmID: pm.UUID, Owner: "replica-dead", Deadline: future})

	f.svc.recoverIntents(f.ctx)
	if ids := f.store.ids(KindIntent); len(ids) != 3 || len(p.nodeURIs()) != 3 {
		t.Fatalf("recovery acted on composes of live servers: intents %v, nodes %v", ids, p.nodeURIs())
	}

	f.store.setAlive("replica-dead", false)
	if n := f.svc.recoverIntents(f.ctx); n != 0 {
		t.Errorf("recoverIntents: %d not undone", n)
	}
	if ids := f.store.ids(KindIntent); !slices.Equal(ids, []string{"i-slow"}) {
		t.Errorf("intents left %v, want only the live server's", ids)
	}
	if uris := p.nodeURIs(); !slices.Equal(uris, []string{fakeNodes + slow}) {
		t.Errorf("nodes left %v, want only the live server's %s (not %s nor %s)", uris, slow, assembling, midAllocate)
	}
}

// A marked compose names its node in no intent: when its server dies with
// the node Assembling or Assembled, recovery finds the node by its mark and
// deletes it. It spares a node marked by a compose still running, one a
// record claims though its mark is a dead compose's, and one of the same
// name made outside Valence.
func TestRecoverCrashedMarkedComposes(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.PodmTimeout = 10 * time.Second })
	pm, p := f.podm("rack1", 6)
	p.set(func(p *fakePodm) { p.marks = true })
	marked := func(composeID, state string) string {
		uri := p.allocate(AllocateRequest{Name: "web", ComposeID: composeID})
		p.set(func(p *fakePodm) { p.nodes[uri].State = state })
		return uri
	}
	assembling := marked("i-assembling", NodeAssembling)
	assembled := marked("i-assembled", NodeAssembled)
	running := marked("i-running", NodeAssembling)
	adopted := marked("i-adopted", NodeAssembled)
	outside := fakeNodes + p.compose("web")
	f.store.setAlive("replica-live", true)
	must[Node](t, "Adopt")(f.svc.Adopt(f.ctx, admin, pm.UUID, strings.TrimPrefix(adopted, fakeNodes), "p"))
	then, deadline := f.clock.Now(), f.clock.Now().Add(time.Hour)
	for id, owner := range map[string]string{"i-assembling": "replica-dead", "i-assembled": "replica-dead", "i-running": "replica-live", "i-adopted": "replica-dead"} {
		putIntent(t, f, intent{UUID: id, Name: "web", PodmID: pm.UUID, Owner: owner, CreatedAt: then, Deadline: deadline})
	}
	f.clock.advance(11 * time.Second) // past the Allocates' pod-manager timeout

	if left := f.svc.recoverIntents(f.ctx); left != 0 {
		t.Errorf("recoverIntents left %d", left)
	}
	if ids := f.store.ids(KindIntent); !slices.Equal(ids, []string{"i-running"}) {
		t.Errorf("intents left %v, want only the running compose's", ids)
	}
	deleted := p.called("DeleteNode")
	slices.Sort(deleted)
	if want := []string{"DeleteNode " + assembling, "DeleteNode " + assembled}; !slices.Equal(deleted, want) {
		t.Errorf("DeleteNode calls %v, want %v", deleted, want)
	}
	want := []string{running, adopted, outside}
	slices.Sort(want)
	if uris := p.nodeURIs(); !slices.Equal(uris, want) {
		t.Errorf("nodes left %v, want %v", uris, want)
	}
}

// Two servers undoing the same abandoned compose at once both succeed: the
// node that the other deleted first is gone, as wanted.
func TestRecoverIntentNodeAlreadyGone(t *testing.T) {
	f := newFixture(t)
	pm, p := f.podm("rack1", 1)
	putIntent(t, f, intent{UUID: "i-gone", Name: "gone", PodmID: pm.UUID, NodeURI: fakeNodes + "42", Owner: "replica-dead", Deadline: f.clock.Now()})
	if n := f.svc.recoverIntents(f.ctx); n != 0 || len(f.store.ids(KindIntent)) != 0 {
		t.Errorf("recovery of a node already deleted: %d failures, intents %v", n, f.store.ids(KindIntent))
	}
	wantNothingLeft(t, f, p)
}

// Run undoes the composes of owners that ended before it started (a bolt
// file's previous process) in its first pass, and those of an owner that
// ends while it runs as soon as the store says so, long before the next
// ProbeInterval.
func TestRunUndoesComposesOfEndedOwners(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.ProbeInterval = time.Hour; o.Now = time.Now })
	pm, p := f.podm("rack1", 2)
	before := p.compose("before")
	during := p.compose("during")
	future := time.Now().Add(time.Hour)
	f.store.setAlive("replica-b", true)
	putIntent(t, f, intent{UUID: "i-before", Name: "before", PodmID: pm.UUID, NodeURI: fakeNodes + before, Owner: "previous-process", Deadline: future})
	putIntent(t, f, intent{UUID: "i-during", Name: "during", PodmID: pm.UUID, NodeURI: fakeNodes + during, Owner: "replica-b", Deadline: future})

	ctx, cancel := context.WithCancel(f.ctx)
	done := make(chan struct{})
	go func() { f.svc.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	waitUntil(t, "the previous process's compose undone", func() bool { return !slices.Contains(f.store.ids(KindIntent), "i-before") })
	if ids := f.store.ids(KindIntent); !slices.Equal(ids, []string{"i-during"}) {
		t.Fatalf("intents %v, want the live replica's kept", ids)
	}
	f.store.setAlive("replica-b", false)
	waitUntil(t, "the ended replica's compose undone", func() bool { return len(f.store.ids(KindIntent)) == 0 })
	wantNothingLeft(t, f, p)
}

// waitUntil polls cond until it holds, failing the test after 10s.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("waited 10s for %s", what)
		}
	}
}

// While a compose of this process runs, recovery leaves its intent alone,
// however late it is; a failed compose asks recovery for a pass at once.
func TestRecoverySparesRunningComposes(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.ComposeTimeout = time.Second; o.ProbeInterval = time.Hour })
	pm, p := f.podm("rack1", 1)
	p.blockOn("WaitAssembled")
	p.failOn("DeleteNode", Errorf(PodManagerUnavailable, "connection refused"))
	done := make(chan error)
	go func() {
		_, err := f.svc.Compose(f.ctx, ComposeRequest{Name: "slow", PodmID: pm.UUID})
		done <- err
	}()
	waitUntil(t, "the intent naming the allocated node", func() bool {
		in, err := f.svc.intents.all(f.ctx, nil)
		return err == nil && len(in) == 1 && in[0].NodeURI != ""
	})
	f.clock.advance(time.Hour) // long past its deadline, as a slow pod manager makes it
	f.svc.recoverIntents(f.ctx)
	if len(f.store.ids(KindIntent)) != 1 || len(p.nodeURIs()) != 1 {
		t.Fatalf("recovery undid a compose still running: intents %v, nodes %v", f.store.ids(KindIntent), p.nodeURIs())
	}
	if len(f.svc.recoverNow) != 0 {
		t.Fatalf("recovery asked for while the compose runs")
	}

	wantCode(t, "Compose", <-done, Timeout) // and its rollback failed
	if len(f.svc.recoverNow) != 1 {
		t.Errorf("a failed compose did not ask recovery for a pass")
	}
	p.failOn("DeleteNode", nil)
	ctx, cancel := context.WithCancel(f.ctx)
	stopped := make(chan struct{})
	go func() { f.svc.Run(ctx); close(stopped) }()
	defer func() { cancel(); <-stopped }()
	waitUntil(t, "the failed compose undone by recovery", func() bool { return len(f.store.ids(KindIntent)) == 0 })
	wantNothingLeft(t, f, p)
}

// An Allocate without an answer may still be carried out by the pod
// manager: recovery gives it one pod-manager timeout from when the answer
// was given up, or from the intent's creation when its process died, and
// counts it as left for a later pass meanwhile.
func TestRecoveryWaitsForUnansweredAllocates(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.PodmTimeout = 10 * time.Second; o.ComposeTimeout = time.Hour })
	pm, p := f.podm("rack1", 2)
	now := f.clock.Now().UTC().Truncate(time.Second)
	putIntent(t, f, intent{UUID: "i-died", Name: "died", PodmID: pm.UUID, Owner: "replica-dead", CreatedAt: now, Deadline: now.Add(time.Hour)})
	putIntent(t, f, intent{UUID: "i-unsure", Name: "unsure", PodmID: pm.UUID, Owner: f.store.Owner(), AllocateUnsure: true, UnsureAt: now, CreatedAt: now, Deadline: now.Add(time.Hour)})
	if n := f.svc.recoverIntents(f.ctx); n != 2 || len(f.store.ids(KindIntent)) != 2 {
		t.Fatalf("recovery within a pod-manager timeout of the Allocate: %d left for later, intents %v", n, f.store.ids(KindIntent))
	}
	// The pod manager carried both out meanwhile.
	died := p.allocate(AllocateRequest{Name: "died"})
	unsure := p.allocate(AllocateRequest{Name: "unsure"})
	f.clock.advance(10 * time.Second)
	if n := f.svc.recoverIntents(f.ctx); n != 0 {
		t.Errorf("recovery left %d", n)
	}
	if got := p.called("DeleteNode"); !slices.Equal(got, []string{"DeleteNode " + died, "DeleteNode " + unsure}) && !slices.Equal(got, []string{"DeleteNode " + unsure, "DeleteNode " + died}) {
		t.Errorf("DeleteNode calls %v, want %s and %s", got, died, unsure)
	}
	wantNothingLeft(t, f, p)
}

// A compose that recovery cannot undo yet (its pod manager is down) is
// counted in the metrics and tried again after recoveryRetry, well before
// the next ProbeInterval.
func TestRecoveryRetriesSoon(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.ProbeInterval = time.Hour; o.Now = time.Now })
	pm, p := f.podm("rack1", 1)
	uri := fakeNodes + p.compose("orphan")
	putIntent(t, f, intent{UUID: "i-orphan", Name: "orphan", PodmID: pm.UUID, NodeURI: uri, Owner: "dead-process", Deadline: time.Now().Add(time.Hour)})
	p.setDown(true)
	ctx, cancel := context.WithCancel(f.ctx)
	stopped := make(chan struct{})
	go func() { f.svc.Run(ctx); close(stopped) }()
	defer func() { cancel(); <-stopped }()
	abandoned := func() int {
		f.metrics.mu.Lock()
		defer f.metrics.mu.Unlock()
		return f.metrics.abandoned
	}
	waitUntil(t, "the failed recovery counted", func() bool { return abandoned() == 1 })
	p.setDown(false)
	waitUntil(t, "the retry", func() bool { return abandoned() == 0 && len(f.store.ids(KindIntent)) == 0 })
	wantNothingLeft(t, f, p)
}
