package valence

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCapacityCountsSystemsNoNodeUses(t *testing.T) {
	f := newFixture(t)
	pm, p := f.podm("rack", 3) // 8 cores and 16 GiB each
	p.set(func(p *fakePodm) {
		p.systems[0].StorageGiB = 100.4
		p.systems[1].StorageGiB = 50.3
		p.systems[2].Warnings = []string{"memory unknown: 503"}
	})
	want := func(what string, c Capacity, systems, cores, mem, storage Amount) {
		t.Helper()
		if c.PodmID != pm.UUID || c.Unit != CapacitySystem || c.Systems != systems || c.Cores != cores ||
			c.MemoryGiB != mem || c.StorageGiB != storage || !slices.Equal(c.Warnings, []string{"System System3: memory unknown: 503"}) {
			t.Errorf("%s: %+v; want systems %v cores %v memory %v storage %v", what, c, systems, cores, mem, storage)
		}
	}
	c, err := f.svc.Capacity(f.ctx, pm.UUID)
	if err != nil {
		t.Fatal(err)
	}
	want("before a compose", c, Amount{3, 3}, Amount{24, 24}, Amount{48, 48}, Amount{151, 151})

	// The systems list and the capacity share one cached read.
	if _, err := f.svc.Systems(f.ctx, pm.UUID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Capacity(f.ctx, pm.UUID); err != nil {
		t.Fatal(err)
	}
	if got := len(p.called("Systems")); got != 1 {
		t.Errorf("Systems called %d times for three warm reads, want 1", got)
	}
	if got := p.called("BlockCapacity"); len(got) != 0 {
		t.Errorf("a pod manager of systems was asked for its blocks: %v", got)
	}

	n := f.compose(pm, "web-1", "p") // takes System1, of 100 GiB
	c, err = f.svc.Capacity(f.ctx, pm.UUID)
	if err != nil {
		t.Fatal(err)
	}
	want("after a compose", c, Amount{3, 2}, Amount{24, 16}, Amount{48, 32}, Amount{151, 50})

	if err := f.svc.Decompose(f.ctx, Scope{AllProjects: true}, n.UUID); err != nil {
		t.Fatal(err)
	}
	c, err = f.svc.Capacity(f.ctx, pm.UUID)
	if err != nil {
		t.Fatal(err)
	}
	want("after the decompose", c, Amount{3, 3}, Amount{24, 24}, Amount{48, 48}, Amount{151, 151})
}

func TestCapacityInBlocks(t *testing.T) {
	f := newFixture(t)
	pm, p := f.podm("dmtf", 2)
	blocks := Capacity{Systems: Amount{4, 3}, Cores: Amount{16, 12}, MemoryGiB: Amount{64, 48}, StorageGiB: Amount{2000, 1000}}
	p.set(func(p *fakePodm) { p.blockCap = &blocks })
	c, err := f.svc.Capacity(f.ctx, pm.UUID)
	if err != nil {
		t.Fatal(err)
	}
	if c.PodmID != pm.UUID || c.Unit != CapacityBlock || c.Systems != blocks.Systems || c.Cores != blocks.Cores ||
		c.MemoryGiB != blocks.MemoryGiB || c.StorageGiB != blocks.StorageGiB || c.Warnings == nil || len(c.Warnings) != 0 {
		t.Errorf("capacity of a pod manager of blocks: %+v, want %+v in blocks", c, blocks)
	}
	if got := p.called("Systems"); len(got) != 0 {
		t.Errorf("a pod manager of blocks was asked for its systems: %v", got)
	}

	// Warm: one count; a compose drops it.
	if _, err := f.svc.Capacity(f.ctx, pm.UUID); err != nil {
		t.Fatal(err)
	}
	if got := len(p.called("BlockCapacity")); got != 1 {
		t.Errorf("BlockCapacity called %d times for two warm reads, want 1", got)
	}
	f.compose(pm, "web-1", "p")
	p.set(func(p *fakePodm) { p.blockCap = &Capacity{Systems: Amount{4, 2}} })
	if c, err := f.svc.Capacity(f.ctx, pm.UUID); err != nil || c.Systems != (Amount{4, 2}) {
		t.Errorf("after a compose: %+v, %v; want 2 of 4 Compute blocks free", c, err)
	}
}

func TestCapacityFailures(t *testing.T) {
	f := newFixture(t)
	pm, p := f.podm("rack", 1)
	_, err := f.svc.Capacity(f.ctx, "5b3a5e4c-0000-4000-8000-000000000000")
	wantCode(t, "an unknown pod manager", err, NotFound)

	p.setDown(true)
	_, err = f.svc.Capacity(f.ctx, pm.UUID)
	wantCode(t, "a pod manager down", err, PodManagerUnavailable)

	p.setDown(false)
	dmtf, pd := f.podm("dmtf", 0)
	pd.set(func(p *fakePodm) { p.blockCap = &Capacity{} })
	pd.failOn("BlockCapacity", Errorf(PodManagerError, "the blocks answered 500"))
	_, err = f.svc.Capacity(f.ctx, dmtf.UUID)
	wantCode(t, "blocks that cannot be read", err, PodManagerError)
}

func TestCapacityWarningsAreBounded(t *testing.T) {
	var systems []System
	for i := range MaxCapacityWarnings + 5 {
		systems = append(systems, System{ID: fmt.Sprint(i), Warnings: []string{"processors unknown: " + strings.Repeat("é", 600)}})
	}
	c := systemCapacity("p", systems)
	if len(c.Warnings) != MaxCapacityWarnings || c.Warnings[MaxCapacityWarnings-1] != "6 more warnings left out." {
		t.Errorf("%d warnings, the last %q", len(c.Warnings), c.Warnings[len(c.Warnings)-1])
	}
	for _, w := range c.Warnings {
		if n := utf8.RuneCountInString(w); n > MaxCapacityWarningLen || !utf8.ValidString(w) {
			t.Errorf("a warning of %d characters (valid UTF-8: %v)", n, utf8.ValidString(w))
		}
	}
	if c.Systems != (Amount{MaxCapacityWarnings + 5, MaxCapacityWarnings + 5}) {
		t.Errorf("systems %+v", c.Systems)
	}
}
