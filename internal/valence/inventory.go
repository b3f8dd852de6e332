package valence

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// inventoryCache keeps each pod manager's systems, racks and volumes for a
// short while, so that a burst of list calls costs one walk of the pod
// manager rather than one per call: callers that miss the cache together
// share one fetch.
type inventoryCache struct {
	ttl time.Duration
	now func() time.Time
	mu  sync.Mutex
	m   map[inventoryKey]inventoryEntry
	// fetches are the fetches under way, keyed by pod manager and kind.
	fetches flights[inventoryEntry]
	// gen counts a pod manager's forgets, so that a fetch begun before a
	// change does not cache what the change made stale.
	gen map[string]int
	// seq numbers the values cached, so that a caller can tell one cached
	// read from another (Inventory.Version).
	seq uint64
}

type inventoryKey struct {
	podmID string
	kind   string
}

type inventoryEntry struct {
	at    time.Time
	value any
	seq   uint64 // 0: not cached
}

func newInventoryCache(ttl time.Duration, now func() time.Time) *inventoryCache {
	return &inventoryCache{ttl: ttl, now: now, m: map[inventoryKey]inventoryEntry{}, gen: map[string]int{}}
}

// fresh returns the cached entry of key if it is younger than the TTL.
func (c *inventoryCache) fresh(key inventoryKey) (inventoryEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	return e, ok && c.now().Sub(e.at) < c.ttl
}

// cached returns a fresh cached value of kind for a pod manager, or joins
// the fetch under way, or fetches and caches it. The fetch runs on a
// context of its own (the first caller's values without its cancellation or
// deadline), so that a caller who leaves, a client that disconnects, neither
// fails nor cuts it short for the others; each caller stops waiting when its
// own ctx ends. fetch bounds its own time.
func cached[T any](ctx context.Context, c *inventoryCache, podmID, kind string, fetch func(context.Context) (T, error)) (T, error) {
	v, _, err := cachedSeq(ctx, c, podmID, kind, fetch)
	return v, err
}

// cachedSeq is cached that also returns the number of the cached value it
// answers with: the same number, the same value; 0 when the value read
// was not cached (a change came during the read).
func cachedSeq[T any](ctx context.Context, c *inventoryCache, podmID, kind string, fetch func(context.Context) (T, error)) (T, uint64, error) {
	key := inventoryKey{podmID, kind}
	if e, ok := c.fresh(key); ok {
		return e.value.(T), e.seq, nil
	}
	v, err := c.fetches.do(ctx, podmID+"/"+kind, func(ctx context.Context) (inventoryEntry, error) {
		if e, ok := c.fresh(key); ok { // cached by a fetch that ended since the miss
			return e, nil
		}
		c.mu.Lock()
		gen := c.gen[podmID]
		c.mu.Unlock()
		v, err := fetch(ctx)
		e := inventoryEntry{at: c.now(), value: v}
		c.mu.Lock()
		if err == nil && c.gen[podmID] == gen {
			c.seq++
			e.seq = c.seq
			c.m[key] = e
		}
		c.mu.Unlock()
		return e, err
	})
	t, _ := v.value.(T)
	return t, v.seq, err
}

// onPodm bounds a call of a shared fetch by the pod-manager timeout.
func onPodm[T any](s *Service, call func(context.Context) (T, error)) func(context.Context) (T, error) {
	return func(ctx context.Context) (T, error) {
		ctx, cancel := s.podmCtx(ctx)
		defer cancel()
		return call(ctx)
	}
}

// forget drops everything cached for a pod manager, after a change to it.
func (c *inventoryCache) forget(podmID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen[podmID]++
	for k := range c.m {
		if k.podmID == podmID {
			delete(c.m, k)
		}
	}
}

// Inventory is the answer of a list across pod managers.
type Inventory[T any] struct {
	Items []T
	// Unreachable names the pod managers that could not be asked; their
	// items are missing.
	Unreachable []string
	// Version, when not empty, names the cached reads the items came from:
	// two answers with one Version hold the same items, so what is made of
	// one (its encoding) serves the other.
	Version string
}

// fanOut calls fetch for each pod manager (all of them, or the one named),
// at most DefaultFanOut at once, and gathers the items of those that answer.
func fanOut[T any](ctx context.Context, s *Service, podmID string, need string, fetch func(context.Context, PodManager, PodManagerConn) ([]T, error)) (Inventory[T], error) {
	var pms []PodManager
	if podmID != "" {
		pm, err := s.podmByID(ctx, podmID)
		if err != nil {
			return Inventory[T]{}, err
		}
		pms = []PodManager{pm}
	} else {
		all, err := s.podms.all(ctx, nil)
		if err != nil {
			return Inventory[T]{}, err
		}
		pms = all
	}
	// Leave out those that do not offer this kind of resource at all.
	pms = slices.DeleteFunc(pms, func(pm PodManager) bool {
		return pm.Status == StatusOnline && len(pm.Capabilities) > 0 && !pm.Has(need)
	})
	var (
		mu    sync.Mutex
		out   Inventory[T]
		first error
	)
	eachAtOnce(pms, func(pm PodManager) {
		conn, err := s.connect(ctx, pm)
		var items []T
		if err == nil {
			pctx, cancel := s.podmCtx(ctx)
			items, err = fetch(pctx, pm, conn)
			cancel()
		}
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			s.opts.Log.Warn().Err(err).Str("podm_id", pm.UUID).Msg("inventory: pod manager did not answer")
			out.Unreachable = append(out.Unreachable, pm.Name)
			first = cmp.Or(first, err)
			return
		}
		out.Items = append(out.Items, items...)
	})
	sort.Strings(out.Unreachable)
	if podmID != "" && first != nil {
		// The one pod manager named: its own failure, which says why
		// (unreachable, credentials refused, ...).
		return out, first
	}
	return out, nil
}

// eachAtOnce calls fn for every item, at most DefaultFanOut at a time, and
// returns when all calls have.
func eachAtOnce[T any](items []T, fn func(T)) {
	var wg sync.WaitGroup
	sem := make(chan struct{}, DefaultFanOut)
	for _, it := range items {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			fn(it)
		}()
	}
	wg.Wait()
}

// nodeURIs maps the resource URIs of a pod manager's recorded nodes to
// their uuids, to say which node uses a system or a volume.
func (s *Service) nodeURIs(ctx context.Context, podmID string) (map[string]string, error) {
	nodes, err := s.nodes.all(ctx, map[string]string{"podm_id": podmID})
	if err != nil {
		return nil, err
	}
	m := make(map[string]string, len(nodes))
	for _, n := range nodes {
		m[n.ResourceURI] = n.UUID
	}
	return m, nil
}

// Systems lists the systems of every pod manager, or of one. Which node
// uses a system is read with the systems and cached with them: a change
// made here (compose, decompose, adopt) drops the cache at once, one made
// by another valence-api on the same store shows within the TTL.
func (s *Service) Systems(ctx context.Context, podmID string) (Inventory[System], error) {
	var (
		mu   sync.Mutex
		seqs []string
	)
	inv, err := fanOut(ctx, s, podmID, CapSystems, func(ctx context.Context, pm PodManager, conn PodManagerConn) ([]System, error) {
		systems, seq, err := s.podmSystems(ctx, pm, conn)
		if err == nil {
			mu.Lock()
			seqs = append(seqs, fmt.Sprintf("%s:%d", pm.UUID, seq))
			mu.Unlock()
		}
		return systems, err
	})
	// Each pod manager's systems are cached in order: one pod manager's
	// list, the usual one, needs no sort (which, on every warm list, was
	// half of its time).
	if !slices.IsSortedFunc(inv.Items, systemOrder) {
		slices.SortFunc(inv.Items, systemOrder)
	}
	sort.Strings(seqs)
	if !slices.ContainsFunc(seqs, func(s string) bool { return strings.HasSuffix(s, ":0") }) {
		inv.Version = strings.Join(seqs, ",") + "|" + strings.Join(inv.Unreachable, ",")
	}
	return inv, err
}

// podmSystems returns a pod manager's marked systems from the cache, or
// reads them (one read for callers that miss together), and the number of
// the cached value (see cachedSeq).
func (s *Service) podmSystems(ctx context.Context, pm PodManager, conn PodManagerConn) ([]System, uint64, error) {
	return cachedSeq(ctx, s.inventories, pm.UUID, "systems", onPodm(s, func(ctx context.Context) ([]System, error) {
		return s.markedSystems(ctx, pm, conn)
	}))
}

// markedSystems reads a pod manager's systems and marks each with its pod
// manager (id and name) and the recorded node that uses it.
func (s *Service) markedSystems(ctx context.Context, pm PodManager, conn PodManagerConn) ([]System, error) {
	systems, err := conn.Systems(ctx)
	if err != nil {
		return nil, err
	}
	uses, err := s.nodeURIs(ctx, pm.UUID)
	if err != nil {
		return nil, err
	}
	for i := range systems {
		systems[i].PodmID, systems[i].PodmName, systems[i].ComposedNode = pm.UUID, pm.Name, uses[systems[i].NodeURI]
	}
	slices.SortFunc(systems, systemOrder)
	return systems, nil
}

// systemOrder is the order of a systems list: by pod manager, then path.
func systemOrder(a, b System) int {
	return cmp.Or(strings.Compare(a.PodmID, b.PodmID), strings.Compare(a.ResourceURI, b.ResourceURI))
}

// GetSystem returns the system whose UUID or Redfish Id is id. An Id found
// on several pod managers is a Conflict unless podmID says which.
func (s *Service) GetSystem(ctx context.Context, id, podmID string) (System, error) {
	inv, err := s.Systems(ctx, podmID)
	if err != nil {
		return System{}, err
	}
	return pickOne(inv.Items, "System", id, func(sys System) (string, string, string) { return sys.UUID, sys.ID, sys.PodmID })
}

// pickOne finds the item whose uuid or id is key. A uuid names one item
// unless several share it (real services have such systems); an id may be
// on several pod managers. Either ambiguity is a Conflict listing the items.
// An empty uuid or id names nothing: racks have no uuid and volumes no id,
// and "" must not pick one of them.
func pickOne[T any](items []T, noun, key string, ids func(T) (uuid, id, podmID string)) (T, error) {
	var byUUID, byID []T
	same := map[[2]string]bool{} // (id, podm) of byUUID: a list may name one item twice
	for _, it := range items {
		u, id, p := ids(it)
		if u != "" && u == key && !same[[2]string{id, p}] {
			same[[2]string{id, p}] = true
			byUUID = append(byUUID, it)
		}
		if id != "" && id == key {
			byID = append(byID, it)
		}
	}
	var zero T
	switch {
	case len(byUUID) == 1:
		return byUUID[0], nil
	case len(byUUID) > 1:
		var names []string
		for _, it := range byUUID {
			_, id, p := ids(it)
			names = append(names, id+" of pod manager "+p)
		}
		return zero, Errorf(Conflict, "%s UUID %s is shared by several (%s); ask for one by Id with podm_id.",
			noun, key, strings.Join(names, ", "))
	}
	switch len(byID) {
	case 0:
		return zero, Errorf(NotFound, "%s %s not found.", noun, key)
	case 1:
		return byID[0], nil
	}
	var podms []string
	for _, it := range byID {
		_, _, p := ids(it)
		podms = append(podms, p)
	}
	return zero, Errorf(Conflict, "%s Id %q exists on several pod managers (%v); say which with podm_id.", noun, key, podms)
}

// Racks lists the racks of every pod manager, or of one.
func (s *Service) Racks(ctx context.Context, podmID string) (Inventory[Rack], error) {
	inv, err := fanOut(ctx, s, podmID, CapRacks, func(ctx context.Context, pm PodManager, conn PodManagerConn) ([]Rack, error) {
		racks, err := cached(ctx, s.inventories, pm.UUID, "racks", onPodm(s, conn.Racks))
		out := make([]Rack, len(racks))
		for i, r := range racks {
			r.PodmID = pm.UUID
			out[i] = r
		}
		return out, err
	})
	sort.Slice(inv.Items, func(i, j int) bool {
		a, b := inv.Items[i], inv.Items[j]
		return a.PodmID < b.PodmID || (a.PodmID == b.PodmID && a.ID < b.ID)
	})
	return inv, err
}

// GetRack returns the rack with Redfish Id id (see GetSystem for podmID).
func (s *Service) GetRack(ctx context.Context, id, podmID string) (Rack, error) {
	inv, err := s.Racks(ctx, podmID)
	if err != nil {
		return Rack{}, err
	}
	return pickOne(inv.Items, "Rack", id, func(r Rack) (string, string, string) { return "", r.ID, r.PodmID })
}
