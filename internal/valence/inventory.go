package valence

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
)

// inventoryCache keeps each pod manager's systems, racks and volumes for a
// short while, so that a burst of list calls costs one walk of the pod
// manager rather than one per call: callers that miss the cache together
// share one fetch. Past the TTL, and up to maxStale more, callers are
// answered at once with the last inventory read while one refresh runs in
// the background (stale-while-revalidate): no caller waits for a walk it
// did not need, only the first caller and those past the bound do.
type inventoryCache struct {
	ttl time.Duration
	// maxStale is how long past the TTL an inventory may still answer while
	// it is refreshed; 0 makes every caller past the TTL wait.
	maxStale time.Duration
	now      func() time.Time
	mu       sync.Mutex
	m        map[inventoryKey]inventoryEntry
	// fetches are the fetches under way, keyed by pod manager, kind and gen.
	fetches flights[inventoryEntry]
	// gen counts a pod manager's forgets, so that a fetch begun before a
	// change does not cache what the change made stale, nor answer a
	// caller who came after it.
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
	// failed is why the last refresh after at failed, at tried; nil when
	// none has. A failed refresh is tried again a TTL after it.
	failed error
	tried  time.Time
}

func newInventoryCache(ttl, maxStale time.Duration, now func() time.Time) *inventoryCache {
	return &inventoryCache{ttl: ttl, maxStale: maxStale, now: now, m: map[inventoryKey]inventoryEntry{}, gen: map[string]int{}}
}

// fresh returns the cached entry of key if it is younger than the TTL.
func (c *inventoryCache) fresh(key inventoryKey) (inventoryEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	return e, ok && c.now().Sub(e.at) < c.ttl
}

// entryState is what a cached entry can answer.
type entryState int

const (
	entryMissing entryState = iota // none, or past the bound: wait for a fetch
	entryFresh                     // younger than the TTL
	entryStale                     // past the TTL, within maxStale more
)

// lookup returns key's entry, what it can answer, the pod manager's gen,
// and whether a refresh is due (none tried within the TTL).
func (c *inventoryCache) lookup(key inventoryKey) (e inventoryEntry, state entryState, gen int, due bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	gen = c.gen[key.podmID]
	now := c.now()
	switch age := now.Sub(e.at); {
	case !ok || age >= c.ttl+c.maxStale:
		return e, entryMissing, gen, true
	case age < c.ttl:
		return e, entryFresh, gen, false
	}
	return e, entryStale, gen, e.tried.IsZero() || now.Sub(e.tried) >= c.ttl
}

// has says whether a kind of a pod manager's inventory is cached, fresh or
// within the bound on stale answers.
func (c *inventoryCache) has(podmID, kind string) bool {
	_, state, _, _ := c.lookup(inventoryKey{podmID, kind})
	return state != entryMissing
}

// staleRead is the error with which a pod manager's items are still
// given: its last refresh failed, and they are as read At, within the
// bound of how stale an answer may be.
type staleRead struct {
	Err error
	At  time.Time
}

func (e *staleRead) Error() string {
	return fmt.Sprintf("refresh failed, items as read at %s: %v", e.At.UTC().Format(time.RFC3339), e.Err)
}

func (e *staleRead) Unwrap() error { return e.Err }

// isStale says whether err is a staleRead: the items came with it.
func isStale(err error) bool {
	var stale *staleRead
	return errors.As(err, &stale)
}

// cached returns a fresh cached value of kind for a pod manager, or joins
// the fetch under way, or fetches and caches it. The fetch runs on a
// context of its own (the first caller's values without its cancellation or
// deadline), so that a caller who leaves, a client that disconnects, neither
// fails nor cuts it short for the others; each caller stops waiting when its
// own ctx ends. fetch bounds its own time. A value past the TTL but within
// the bound is returned at once, and refreshed in the background; with a
// *staleRead when its last refresh failed.
func cached[T any](ctx context.Context, c *inventoryCache, podmID, kind string, fetch func(context.Context) (T, error)) (T, error) {
	v, _, err := cachedSeq(ctx, c, podmID, kind, fetch)
	return v, err
}

// cachedSeq is cached that also returns the number of the cached value it
// answers with: the same number, the same value; 0 when the value read
// was not cached (a change came during the read).
func cachedSeq[T any](ctx context.Context, c *inventoryCache, podmID, kind string, fetch func(context.Context) (T, error)) (T, uint64, error) {
	key := inventoryKey{podmID, kind}
	e, state, gen, due := c.lookup(key)
	if state == entryFresh {
		return e.value.(T), e.seq, nil
	}
	refresh := func(ctx context.Context) (inventoryEntry, error) {
		if e, ok := c.fresh(key); ok { // cached by a fetch that ended since the miss
			return e, nil
		}
		v, err := fetch(ctx)
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.gen[podmID] != gen {
			return inventoryEntry{value: v}, err
		}
		if err != nil {
			if old, ok := c.m[key]; ok {
				old.failed, old.tried = err, c.now()
				c.m[key] = old
			}
			return inventoryEntry{value: v}, err
		}
		c.seq++
		e := inventoryEntry{at: c.now(), value: v, seq: c.seq}
		c.m[key] = e
		return e, nil
	}
	flight := fmt.Sprintf("%s/%s/%d", podmID, kind, gen)
	if state == entryStale {
		if due {
			c.fetches.start(ctx, flight, refresh)
		}
		var err error
		if e.failed != nil {
			err = &staleRead{Err: e.failed, At: e.at}
		}
		return e.value.(T), e.seq, err
	}
	v, err := c.fetches.do(ctx, flight, refresh)
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
	// Stale names the pod managers whose last refresh failed: their items
	// are those of an earlier read, within the bound on how stale an
	// answer may be.
	Stale []string
	// Version, when not empty, names the cached reads the items came from:
	// two answers with one Version hold the same items, so what is made of
	// one (its encoding) serves the other.
	Version string
}

// fanOut calls fetch for each pod manager (all of them, or the one named),
// at most DefaultFanOut at once, and gathers the items of those that answer.
func fanOut[T any](ctx context.Context, s *Service, podmID string, need string, fetch func(context.Context, PodManager, PodManagerConn) ([]T, error)) (Inventory[T], error) {
	parts, inv, err := fanOutParts(ctx, s, podmID, need, fetch)
	for _, p := range parts {
		inv.Items = append(inv.Items, p...)
	}
	return inv, err
}

// fanOutParts is fanOut that leaves the items of each pod manager that
// answered in a slice of their own, as fetch gave them, in no set order;
// the Inventory has no Items.
func fanOutParts[T any](ctx context.Context, s *Service, podmID string, need string, fetch func(context.Context, PodManager, PodManagerConn) ([]T, error)) ([][]T, Inventory[T], error) {
	pms, err := s.inventoryPodms(ctx, podmID, need)
	if err != nil {
		return nil, Inventory[T]{}, err
	}
	var (
		mu    sync.Mutex
		parts [][]T
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
		if isStale(err) {
			s.opts.Log.Warn().Err(err).Str("podm_id", pm.UUID).Msg("inventory: pod manager did not answer a refresh; its last inventory is used")
			out.Stale = append(out.Stale, pm.Name)
			err = nil
		}
		if err != nil {
			s.opts.Log.Warn().Err(err).Str("podm_id", pm.UUID).Msg("inventory: pod manager did not answer")
			out.Unreachable = append(out.Unreachable, pm.Name)
			first = cmp.Or(first, err)
			return
		}
		parts = append(parts, items)
	})
	sort.Strings(out.Unreachable)
	sort.Strings(out.Stale)
	if podmID != "" && first != nil {
		// The one pod manager named: its own failure, which says why
		// (unreachable, credentials refused, ...).
		return parts, out, first
	}
	return parts, out, nil
}

// inventoryPodms are the pod managers a list asks: all of them, or the one
// named, but those known not to offer the kind of resource it lists.
func (s *Service) inventoryPodms(ctx context.Context, podmID, need string) ([]PodManager, error) {
	var pms []PodManager
	if podmID != "" {
		pm, err := s.podmByID(ctx, podmID)
		if err != nil {
			return nil, err
		}
		pms = []PodManager{pm}
	} else {
		all, err := s.podms.all(ctx, nil)
		if err != nil {
			return nil, err
		}
		pms = all
	}
	// Leave out those that do not offer this kind of resource at all.
	return slices.DeleteFunc(pms, func(pm PodManager) bool { return pm.lacks(need) }), nil
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
	m := map[string]string{}
	err := s.nodes.eachValue(ctx, map[string]string{"podm_id": podmID}, func(n Node) error {
		m[n.ResourceURI] = n.UUID
		return nil
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// Systems lists the systems of every pod manager, or of one. Which node
// uses a system is read with the systems and cached with them: a change
// made here (compose, decompose, adopt) drops the cache at once, one made
// by another valence-api on the same store shows within the TTL. The Items
// of an answer made of cached reads are shared with other callers: they
// must not be changed.
func (s *Service) Systems(ctx context.Context, podmID string) (Inventory[System], error) {
	var (
		mu   sync.Mutex
		seqs []string
	)
	parts, inv, err := fanOutParts(ctx, s, podmID, CapSystems, func(ctx context.Context, pm PodManager, conn PodManagerConn) ([]System, error) {
		systems, seq, err := s.podmSystems(ctx, pm, conn)
		if err == nil || isStale(err) {
			mu.Lock()
			seqs = append(seqs, fmt.Sprintf("%s:%d", pm.UUID, seq))
			mu.Unlock()
		}
		return systems, err
	})
	sort.Strings(seqs)
	if !slices.ContainsFunc(seqs, func(s string) bool { return strings.HasSuffix(s, ":0") }) {
		inv.Version = strings.Join(seqs, ",") + "|" + strings.Join(inv.Unreachable, ",")
	}
	inv.Items = s.joined(podmID, inv.Version, parts)
	return inv, err
}

// joined returns the systems of parts, each one pod manager's in list
// order, in list order: the one part itself, or the join kept for podmID
// if it was made from version, or a new join, kept when version is not
// empty. A warm list of several pod managers neither copies nor orders
// their systems again (most of such a list's time at 4 × 2,500 systems)
// until one of them is read again.
func (s *Service) joined(podmID, version string, parts [][]System) []System {
	if len(parts) == 1 {
		return parts[0]
	}
	return s.systemsLists.Get(podmID, version, func() []System { return joinSystems(parts) })
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

// joinSystems puts the systems of parts, each one pod manager's in list
// order (markedSystems sorts them), in list order: the parts ordered by
// their pod manager, then copied one after the other.
func joinSystems(parts [][]System) []System {
	parts = slices.DeleteFunc(slices.Clone(parts), func(p []System) bool { return len(p) == 0 })
	slices.SortFunc(parts, func(a, b []System) int { return strings.Compare(a[0].PodmID, b[0].PodmID) })
	return slices.Concat(parts...)
}

// systemOrder is the order of a systems list: by pod manager, then path.
func systemOrder(a, b System) int {
	return cmp.Or(strings.Compare(a.PodmID, b.PodmID), strings.Compare(a.ResourceURI, b.ResourceURI))
}

// GetSystem returns the system whose UUID or Redfish Id is id. An Id found
// on several pod managers is a Conflict unless podmID says which. When the
// systems of a pod manager asked are not cached, a system is read by its
// path, which an Id names (systemAlone); a UUID names no path, so it needs
// the list, as does anything a read by path cannot settle.
func (s *Service) GetSystem(ctx context.Context, id, podmID string) (System, error) {
	if sys, ok, err := s.systemAlone(ctx, id, podmID); ok {
		return sys, err
	}
	inv, err := s.Systems(ctx, podmID)
	if err != nil {
		return System{}, err
	}
	return pickOne(inv.Items, "System", id, func(sys System) (string, string, string) { return sys.UUID, sys.ID, sys.PodmID })
}

// maxPathID bounds an Id read by its path.
const maxPathID = 255

// systemAlone reads the system whose Redfish Id is id by its path from each
// pod manager asked, when the systems of one of them are not cached: the
// handful of requests of one system rather than a walk of them all. It
// answers (ok) only when every pod manager answered, one or more has the
// system, and each that has it says which node uses it; otherwise, or for
// an id that is a UUID or no plain path segment, the list decides.
func (s *Service) systemAlone(ctx context.Context, id, podmID string) (sys System, ok bool, err error) {
	if _, err := uuid.Parse(id); err == nil || id == "" || id == "." || id == ".." || len(id) > maxPathID || strings.ContainsAny(id, "/?#%\\") {
		return System{}, false, nil
	}
	pms, err := s.inventoryPodms(ctx, podmID, CapSystems)
	if err != nil || !slices.ContainsFunc(pms, func(pm PodManager) bool { return !s.inventories.has(pm.UUID, "systems") }) {
		return System{}, false, nil // the list says why, or answers from its cache
	}
	var (
		mu     sync.Mutex
		found  []System
		failed bool
	)
	eachAtOnce(pms, func(pm PodManager) {
		sys, err := s.readSystem(ctx, pm, id)
		mu.Lock()
		defer mu.Unlock()
		switch {
		case err == nil && sys.ID == id && !sys.NodeUnknown:
			found = append(found, sys)
		case !IsCode(err, NotFound):
			failed = true
		}
	})
	if failed || len(found) == 0 {
		return System{}, false, nil
	}
	sys, err = pickOne(found, "System", id, func(sys System) (string, string, string) { return "", sys.ID, sys.PodmID })
	return sys, true, err
}

// readSystem reads one system of pm by its Id and marks it with its pod
// manager and the recorded node that uses it.
func (s *Service) readSystem(ctx context.Context, pm PodManager, id string) (System, error) {
	conn, err := s.connect(ctx, pm)
	if err != nil {
		return System{}, err
	}
	pctx, cancel := s.podmCtx(ctx)
	defer cancel()
	sys, err := conn.System(pctx, id)
	if err != nil {
		return System{}, err
	}
	sys.PodmID, sys.PodmName = pm.UUID, pm.Name
	if sys.NodeURI == "" {
		return sys, nil
	}
	nodes, err := s.nodes.all(ctx, map[string]string{"podm_id": pm.UUID, "resource_uri": sys.NodeURI})
	if err != nil {
		return System{}, err
	}
	if len(nodes) > 0 {
		sys.ComposedNode = nodes[0].UUID
	}
	return sys, nil
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
