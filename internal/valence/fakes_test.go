package valence

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/rs/zerolog"
)

// ---- Store ----

// fakeStore is an in-memory Store that keeps the contract of store.go. The
// store contract suite runs against it (store_contract_test.go), so the
// core's tests rest on a store that behaves like the real ones.
type fakeStore struct {
	mu     sync.Mutex
	rev    int64
	recs   map[Kind]map[string]Record
	closed bool
	// fail, when set, may refuse an operation ("Get", "List", "Create",
	// "Update", "Delete") on a kind before it happens.
	fail func(op string, kind Kind) error
	// owner is this store's; alive are the other owners still running, as
	// another replica on a shared backend would be (see setAlive).
	owner string
	alive map[string]bool
	ended chan struct{}
	// writes logs every write that changed the store: its operation and
	// kinds ("Create nodes", "CreateDeleting nodes intents").
	writes []string
}

func newFakeStore() *fakeStore {
	s := &fakeStore{recs: map[Kind]map[string]Record{}, owner: uuid.NewString(), alive: map[string]bool{}, ended: make(chan struct{}, 1)}
	for _, k := range Kinds {
		s.recs[k] = map[string]Record{}
	}
	return s
}

// NewFakeStore exposes the fake to the contract suite of package valence_test.
func NewFakeStore() Store { return newFakeStore() }

func (s *fakeStore) check(ctx context.Context, op string, kind Kind, id string, needID bool) error {
	if err := ctx.Err(); err != nil {
		return Wrap(err, Timeout, "store request canceled")
	}
	if _, ok := s.recs[kind]; !ok {
		return Errorf(Invalid, "unknown record kind %q", kind)
	}
	if needID && id == "" {
		return Errorf(Invalid, "%s record without an id", kind)
	}
	if s.fail != nil {
		return s.fail(op, kind)
	}
	return nil
}

func checkRecord(rec Record) error {
	for index := range rec.Unique {
		if index == "" || strings.ContainsAny(index, "/\x00") {
			return Errorf(Invalid, "%s %q: bad unique index name %q", rec.Kind, rec.ID, index)
		}
	}
	if len(rec.Data) > 0 && !json.Valid(rec.Data) {
		return Errorf(Invalid, "%s %q: data is not valid JSON", rec.Kind, rec.ID)
	}
	if len(rec.Data) > 1<<20 { // the stores' size limit, roughly
		return Errorf(Invalid, "%s %q: record too large", rec.Kind, rec.ID)
	}
	return nil
}

func cloneRecord(r Record) Record {
	r.Unique, r.Fields, r.Data = maps.Clone(r.Unique), maps.Clone(r.Fields), slices.Clone(r.Data)
	return r
}

// taken reports a unique value of rec that another record of its kind holds.
func (s *fakeStore) taken(rec Record) error {
	for _, index := range slices.Sorted(maps.Keys(rec.Unique)) {
		v := rec.Unique[index]
		if v == "" {
			continue
		}
		for id, other := range s.recs[rec.Kind] {
			if id != rec.ID && other.Unique[index] == v {
				return Wrap(&Taken{Index: index, Value: v}, Conflict, "%s with %s %q already exists", rec.Kind, index, v)
			}
		}
	}
	return nil
}

func (s *fakeStore) Get(ctx context.Context, kind Kind, id string) (Record, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(ctx, "Get", kind, id, true); err != nil {
		return Record{}, err
	}
	rec, ok := s.recs[kind][id]
	if !ok {
		return Record{}, Errorf(NotFound, "%s %q not found", kind, id)
	}
	return cloneRecord(rec), nil
}

func (s *fakeStore) List(ctx context.Context, kind Kind, opts ListOptions) ([]Record, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(ctx, "List", kind, "", false); err != nil {
		return nil, false, err
	}
	if opts.Limit < 0 {
		return nil, false, Errorf(Invalid, "negative list limit %d", opts.Limit)
	}
	out := []Record{}
	for _, id := range slices.Sorted(maps.Keys(s.recs[kind])) {
		rec := s.recs[kind][id]
		if id <= opts.Marker || !matchesAll(rec.Fields, opts.Filters) {
			continue
		}
		if opts.Limit > 0 && len(out) == opts.Limit {
			return out, true, nil
		}
		out = append(out, cloneRecord(rec))
	}
	return out, false, nil
}

func matchesAll(fields, filters map[string]string) bool {
	for k, v := range filters {
		if got, ok := fields[k]; !ok || got != v {
			return false
		}
	}
	return true
}

func (s *fakeStore) Create(ctx context.Context, rec Record) (Record, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(ctx, "Create", rec.Kind, rec.ID, true); err != nil {
		return Record{}, err
	}
	if err := s.canCreate(rec); err != nil {
		return Record{}, err
	}
	s.wrote("Create " + string(rec.Kind))
	return s.put(rec), nil
}

// CreateDeleting is Create and Delete under one lock, each refused as
// the single operation would be.
func (s *fakeStore) CreateDeleting(ctx context.Context, rec Record, del Kind, id string) (Record, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(ctx, "Create", rec.Kind, rec.ID, true); err != nil {
		return Record{}, err
	}
	if err := s.check(ctx, "Delete", del, id, true); err != nil {
		return Record{}, err
	}
	if del == rec.Kind {
		return Record{}, Errorf(Invalid, "%s %q: the record to delete must be of another kind", rec.Kind, rec.ID)
	}
	if err := s.canCreate(rec); err != nil {
		return Record{}, err
	}
	if err := s.canDelete(del, id, 0); err != nil {
		return Record{}, err
	}
	s.wrote("CreateDeleting " + string(rec.Kind) + " " + string(del))
	delete(s.recs[del], id)
	return s.put(rec), nil
}

// canCreate refuses a malformed rec, a taken id or unique value.
func (s *fakeStore) canCreate(rec Record) error {
	if err := checkRecord(rec); err != nil {
		return err
	}
	if _, ok := s.recs[rec.Kind][rec.ID]; ok {
		return Errorf(Conflict, "%s %q already exists", rec.Kind, rec.ID)
	}
	return s.taken(rec)
}

// put stores rec with the next revision and returns it so.
func (s *fakeStore) put(rec Record) Record {
	s.rev++
	rec.Revision = s.rev
	s.recs[rec.Kind][rec.ID] = cloneRecord(rec)
	return rec
}

// wrote logs a write that changed the store, for the tests that count them.
func (s *fakeStore) wrote(what string) { s.writes = append(s.writes, what) }

func (s *fakeStore) Update(ctx context.Context, rec Record) (Record, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(ctx, "Update", rec.Kind, rec.ID, true); err != nil {
		return Record{}, err
	}
	if err := checkRecord(rec); err != nil {
		return Record{}, err
	}
	cur, ok := s.recs[rec.Kind][rec.ID]
	if !ok {
		return Record{}, Errorf(NotFound, "%s %q not found", rec.Kind, rec.ID)
	}
	if cur.Revision != rec.Revision {
		return Record{}, Errorf(Conflict, "%s %q was changed meanwhile (revision %d, not %d)", rec.Kind, rec.ID, cur.Revision, rec.Revision)
	}
	if err := s.taken(rec); err != nil {
		return Record{}, err
	}
	s.wrote("Update " + string(rec.Kind))
	return s.put(rec), nil
}

func (s *fakeStore) Delete(ctx context.Context, kind Kind, id string, revision int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(ctx, "Delete", kind, id, true); err != nil {
		return err
	}
	if err := s.canDelete(kind, id, revision); err != nil {
		return err
	}
	s.wrote("Delete " + string(kind))
	delete(s.recs[kind], id)
	return nil
}

// canDelete refuses a missing record, or one of another revision than a
// non-zero revision.
func (s *fakeStore) canDelete(kind Kind, id string, revision int64) error {
	cur, ok := s.recs[kind][id]
	if !ok {
		return Errorf(NotFound, "%s %q not found", kind, id)
	}
	if revision != 0 && revision != cur.Revision {
		return Errorf(Conflict, "%s %q was changed meanwhile (revision %d, not %d)", kind, id, cur.Revision, revision)
	}
	return nil
}

func (s *fakeStore) Ping(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return Errorf(Unavailable, "store closed")
	}
	return ctx.Err()
}

func (s *fakeStore) Owner() string { return s.owner }

func (s *fakeStore) OwnerAlive(ctx context.Context, owner string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return false, Wrap(err, Timeout, "store request canceled")
	}
	return owner == s.owner || s.alive[owner], nil
}

func (s *fakeStore) OwnersEnded() <-chan struct{} { return s.ended }

// setAlive makes another owner live, or ends it and says so on OwnersEnded.
func (s *fakeStore) setAlive(owner string, alive bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.alive[owner] = alive
	if !alive {
		select {
		case s.ended <- struct{}{}:
		default:
		}
	}
}

func (s *fakeStore) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	return nil
}

// ids returns the ids stored under kind, in order.
func (s *fakeStore) ids(kind Kind) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Sorted(maps.Keys(s.recs[kind]))
}

// ---- Pod managers ----

// fakeConnector connects to the fake pod managers registered by URL.
type fakeConnector struct {
	mu       sync.Mutex
	podms    map[string]*fakePodm
	connects []Access
}

func (c *fakeConnector) Connect(ctx context.Context, a Access) (PodManagerConn, error) {
	c.mu.Lock()
	c.connects = append(c.connects, a)
	p := c.podms[a.URL]
	c.mu.Unlock()
	if p == nil {
		return nil, Errorf(PodManagerUnavailable, "nothing answers at %s", a.URL)
	}
	if err := p.enter(ctx, "Connect"); err != nil {
		return nil, err
	}
	if a.Username != p.user || a.Password != p.password {
		return nil, Errorf(PodManagerAuthFailed, "Pod manager %s refused Valence's credentials.", a.URL)
	}
	return &fakeConn{p: p}, nil
}

// connectCount is how often a connection to url was opened.
func (c *fakeConnector) connectCount(url string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, a := range c.connects {
		if a.URL == url {
			n++
		}
	}
	return n
}

// fakePodm is one scriptable pod manager: free systems with cores and
// memory, the nodes it allocated, the calls it received, and failures to
// inject per method.
type fakePodm struct {
	url            string
	user, password string

	mu    sync.Mutex
	info  ServiceInfo
	down  bool             // unreachable: every call fails with PodManagerUnavailable
	fails map[string]error // method -> the error it returns until cleared
	// failAll, when set, is what every method (Connect too) returns, as a
	// pod manager does whose session expired or that implements nothing.
	failAll error
	blocks  map[string]bool          // method -> it blocks until its ctx ends
	gates   map[string]chan struct{} // method -> it waits until the channel closes
	// loseAllocate makes Allocate allocate and then answer Timeout, as if
	// its answer were lost on the way.
	loseAllocate bool
	calls        []string // "Method arg arg"
	closes       int
	systems      []*fakeSystem
	nodes        map[string]*PodmNode // by URI
	nodeSys      map[string]*fakeSystem
	nextID       int
	resets       []string // the reset types new nodes allow
	racks        []Rack
	volumes      []Volume
	allocs       []AllocateRequest
	// wholeAtOnce makes Allocate compose as the composition driver does: the
	// node is Assembled at once and carries the request's ComposeID.
	wholeAtOnce bool
	// marks makes Allocate keep the request's ComposeID on the node and
	// answer Marked, as the RSD driver does where the pod manager keeps
	// the Description.
	marks bool
	// blockCap, when set, makes it a pod manager that composes of resource
	// blocks, whose BlockCapacity is this.
	blockCap *Capacity
	// nodesUnlinked: a system read alone does not say which node uses it,
	// as on a real RSD PODM.
	nodesUnlinked bool
}

type fakeSystem struct {
	System
	cores, memMiB int
	node          string // URI of the node using it
}

const fakeNodes = "/redfish/v1/Nodes/"

func newFakePodm(url string, systems int) *fakePodm {
	p := &fakePodm{
		url: url, user: "admin", password: "secret",
		info:    ServiceInfo{RedfishVersion: "1.1.0", RSDVersion: "2.3.0", Capabilities: []string{CapSystems, CapCompose, CapStorage, CapRacks}},
		fails:   map[string]error{},
		blocks:  map[string]bool{},
		gates:   map[string]chan struct{}{},
		nodes:   map[string]*PodmNode{},
		nodeSys: map[string]*fakeSystem{},
		resets:  slices.Clone(ResetTypes),
	}
	for i := 1; i <= systems; i++ {
		p.addSystem(fmt.Sprintf("System%d", i), 8, 16384)
	}
	return p
}

func (p *fakePodm) addSystem(id string, cores, memMiB int) *fakeSystem {
	p.mu.Lock()
	defer p.mu.Unlock()
	sys := &fakeSystem{System: System{
		ID: id, UUID: uuid.NewSHA1(uuid.NameSpaceURL, []byte(p.url+"/"+id)).String(), Name: id,
		ResourceURI: "/redfish/v1/Systems/" + id, Health: "OK", PowerState: "Off",
		CPU: CPU{Cores: cores, Count: 2}, RAMGiB: float64(memMiB) / 1024,
	}, cores: cores, memMiB: memMiB}
	p.systems = append(p.systems, sys)
	return sys
}

// set changes the fake under its lock.
func (p *fakePodm) set(f func(p *fakePodm)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	f(p)
}

func (p *fakePodm) failOn(method string, err error) {
	p.set(func(p *fakePodm) { p.fails[method] = err })
}
func (p *fakePodm) failAllWith(err error) { p.set(func(p *fakePodm) { p.failAll = err }) }
func (p *fakePodm) blockOn(method string) { p.set(func(p *fakePodm) { p.blocks[method] = true }) }

// gateOn makes method wait until the returned function is called.
func (p *fakePodm) gateOn(method string) (release func()) {
	gate := make(chan struct{})
	p.set(func(p *fakePodm) { p.gates[method] = gate })
	return func() { close(gate) }
}
func (p *fakePodm) setDown(down bool) { p.set(func(p *fakePodm) { p.down = down }) }

// enter records a call and returns the failure injected for it, if any.
func (p *fakePodm) enter(ctx context.Context, method string, args ...string) error {
	p.mu.Lock()
	p.calls = append(p.calls, strings.Join(append([]string{method}, args...), " "))
	down, err, block, gate := p.down, cmp.Or(p.fails[method], p.failAll), p.blocks[method], p.gates[method]
	p.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			// As a real request would: the caller's end fails the call.
			return Wrap(ctx.Err(), Timeout, "%s: the caller gave up", method)
		}
	}
	if block {
		<-ctx.Done()
		return Wrap(ctx.Err(), Timeout, "%s: the pod manager did not answer in time", method)
	}
	if down {
		return Errorf(PodManagerUnavailable, "Pod manager at %s cannot be reached.", p.url)
	}
	return err
}

// called returns the recorded calls of method, with their arguments.
func (p *fakePodm) called(method string) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for _, c := range p.calls {
		if c == method || strings.HasPrefix(c, method+" ") {
			out = append(out, c)
		}
	}
	return out
}

// closeCount is how many of its connections were closed.
func (p *fakePodm) closeCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.closes
}

// nodeURIs returns the URIs of the nodes the pod manager holds.
func (p *fakePodm) nodeURIs() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Sorted(maps.Keys(p.nodes))
}

// allocate allocates a node outside any compose of the service and
// returns its URI.
func (p *fakePodm) allocate(req AllocateRequest) string {
	a, err := (&fakeConn{p: p}).Allocate(context.Background(), req)
	if err != nil {
		panic(err)
	}
	return a.URI
}

// compose makes a node outside Valence (for adoption) and returns its index.
func (p *fakePodm) compose(name string) string {
	uri := p.allocate(AllocateRequest{Name: name})
	p.set(func(p *fakePodm) { p.nodes[uri].State = NodeAssembled })
	return strings.TrimPrefix(uri, fakeNodes)
}

func notFound(what string) error { return Errorf(NotFound, "%s not found on the pod manager", what) }

// fakeConn is a connection to a fakePodm.
type fakeConn struct{ p *fakePodm }

func (c *fakeConn) Probe(ctx context.Context) (ServiceInfo, error) {
	if err := c.p.enter(ctx, "Probe"); err != nil {
		return ServiceInfo{}, err
	}
	c.p.mu.Lock()
	defer c.p.mu.Unlock()
	info := c.p.info
	info.Capabilities = slices.Clone(info.Capabilities)
	return info, nil
}

func (c *fakeConn) NodeURI(index string) string { return fakeNodes + index }

func (c *fakeConn) Allocate(ctx context.Context, req AllocateRequest) (Allocation, error) {
	if err := c.p.enter(ctx, "Allocate", req.Name); err != nil {
		return Allocation{}, err
	}
	p := c.p
	p.mu.Lock()
	defer p.mu.Unlock()
	p.allocs = append(p.allocs, req)
	for _, sys := range p.systems {
		if sys.node != "" || sys.cores < req.TotalSystemCoreCount || sys.memMiB < req.TotalSystemMemoryMiB {
			continue
		}
		p.nextID++
		index := fmt.Sprint(p.nextID)
		uri := fakeNodes + index
		sys.node = uri
		p.nodeSys[uri] = sys
		p.nodes[uri] = &PodmNode{
			Index: index, URI: uri, Name: req.Name, Description: req.Description,
			State: NodeAllocated, PowerState: "Off", Health: "OK", ComputerSystem: sys.ResourceURI,
			AllowedResets: slices.Clone(p.resets),
			Metadata:      NodeMetadata{Processors: []ProcessorInfo{{Model: "Xeon", TotalCores: sys.cores}}},
		}
		marked := (p.marks || p.wholeAtOnce) && req.ComposeID != ""
		if marked {
			p.nodes[uri].ComposeID = req.ComposeID
		}
		if p.wholeAtOnce {
			p.nodes[uri].State = NodeAssembled
		}
		if p.loseAllocate {
			return Allocation{}, Errorf(Timeout, "Allocate: the answer was lost")
		}
		return Allocation{URI: uri, Marked: marked}, nil
	}
	return Allocation{}, &Error{Code: Conflict, Message: "There are not enough free resources.",
		ExtendedInfo: []string{"No free system offers the requested resources."}}
}

// node runs f on the node at uri under the lock, or returns NotFound.
func (c *fakeConn) node(uri string, f func(n *PodmNode)) error {
	c.p.mu.Lock()
	defer c.p.mu.Unlock()
	n, ok := c.p.nodes[uri]
	if !ok {
		return notFound(uri)
	}
	f(n)
	return nil
}

func (c *fakeConn) Assemble(ctx context.Context, uri string) error {
	if err := c.p.enter(ctx, "Assemble", uri); err != nil {
		return err
	}
	return c.node(uri, func(n *PodmNode) { n.State = NodeAssembling })
}

func (c *fakeConn) WaitAssembled(ctx context.Context, uri string) (PodmNode, error) {
	if err := c.p.enter(ctx, "WaitAssembled", uri); err != nil {
		return PodmNode{}, err
	}
	var out PodmNode
	err := c.node(uri, func(n *PodmNode) {
		n.State = NodeAssembled
		out = *n
		out.AllowedResets, out.Metadata = slices.Clone(n.AllowedResets), NodeMetadata{}
	})
	return out, err
}

func (c *fakeConn) GetNode(ctx context.Context, uri string) (PodmNode, error) {
	if err := c.p.enter(ctx, "GetNode", uri); err != nil {
		return PodmNode{}, err
	}
	var out PodmNode
	err := c.node(uri, func(n *PodmNode) { out = *n; out.AllowedResets = slices.Clone(n.AllowedResets) })
	return out, err
}

func (c *fakeConn) ListNodes(ctx context.Context) ([]PodmNode, error) {
	if err := c.p.enter(ctx, "ListNodes"); err != nil {
		return nil, err
	}
	c.p.mu.Lock()
	defer c.p.mu.Unlock()
	var out []PodmNode
	for _, uri := range slices.Sorted(maps.Keys(c.p.nodes)) {
		n := *c.p.nodes[uri]
		n.Metadata = NodeMetadata{}
		out = append(out, n)
	}
	return out, nil
}

func (c *fakeConn) DeleteNode(ctx context.Context, uri string) error {
	if err := c.p.enter(ctx, "DeleteNode", uri); err != nil {
		return err
	}
	c.p.mu.Lock()
	defer c.p.mu.Unlock()
	if sys := c.p.nodeSys[uri]; sys != nil {
		sys.node = ""
	}
	delete(c.p.nodeSys, uri)
	delete(c.p.nodes, uri) // a node already gone is not an error
	return nil
}

// ResetNode refuses a type the node does not list, as the adapter does.
func (c *fakeConn) ResetNode(ctx context.Context, uri, resetType string) error {
	if err := c.p.enter(ctx, "ResetNode", uri, resetType); err != nil {
		return err
	}
	var refused error
	err := c.node(uri, func(n *PodmNode) {
		if len(n.AllowedResets) > 0 && !slices.Contains(n.AllowedResets, resetType) {
			refused = Errorf(Invalid, "Pod manager does not allow reset type %q: it allows %s.", resetType, strings.Join(n.AllowedResets, ", "))
			return
		}
		n.PowerState = fakePower(n.PowerState, resetType)
	})
	return cmp.Or(err, refused)
}

// fakePower is the power state a reset leaves a node or system of the fake in.
func fakePower(current, resetType string) string {
	switch resetType {
	case "On", "ForceOn":
		return "On"
	case "ForceOff", "GracefulShutdown":
		return "Off"
	}
	return current
}

func (c *fakeConn) SetBoot(ctx context.Context, uri string, b Boot) error {
	if err := c.p.enter(ctx, "SetBoot", uri, b.Enabled, b.Target, b.Mode); err != nil {
		return err
	}
	return c.node(uri, func(n *PodmNode) { n.Boot = b })
}

// volume runs f on the volume at uri under the lock, or returns NotFound.
func (c *fakeConn) volume(uri string, f func(v *Volume)) error {
	c.p.mu.Lock()
	defer c.p.mu.Unlock()
	for i := range c.p.volumes {
		if c.p.volumes[i].ResourceURI == uri {
			f(&c.p.volumes[i])
			return nil
		}
	}
	return notFound(uri)
}

func (c *fakeConn) AttachVolume(ctx context.Context, nodeURI, volumeURI string) error {
	if err := c.p.enter(ctx, "AttachVolume", nodeURI, volumeURI); err != nil {
		return err
	}
	return c.volume(volumeURI, func(v *Volume) { v.NodeURI = nodeURI })
}

func (c *fakeConn) DetachVolume(ctx context.Context, nodeURI, volumeURI string) error {
	if err := c.p.enter(ctx, "DetachVolume", nodeURI, volumeURI); err != nil {
		return err
	}
	return c.volume(volumeURI, func(v *Volume) { v.NodeURI = "" })
}

func (c *fakeConn) Systems(ctx context.Context) ([]System, error) {
	if err := c.p.enter(ctx, "Systems"); err != nil {
		return nil, err
	}
	c.p.mu.Lock()
	defer c.p.mu.Unlock()
	out := make([]System, len(c.p.systems))
	for i, sys := range c.p.systems {
		out[i] = sys.System
		out[i].NodeURI = sys.node
	}
	return out, nil
}

func (c *fakeConn) System(ctx context.Context, id string) (System, error) {
	if err := c.p.enter(ctx, "System", id); err != nil {
		return System{}, err
	}
	c.p.mu.Lock()
	defer c.p.mu.Unlock()
	for _, sys := range c.p.systems {
		if sys.ID == id {
			out := sys.System
			out.NodeURI, out.NodeUnknown = sys.node, c.p.nodesUnlinked
			if c.p.nodesUnlinked {
				out.NodeURI = ""
			}
			return out, nil
		}
	}
	return System{}, notFound(id)
}

func (c *fakeConn) ResetSystem(ctx context.Context, uri, resetType string) error {
	if err := c.p.enter(ctx, "ResetSystem", uri, resetType); err != nil {
		return err
	}
	return c.system(uri, func(sys *fakeSystem) { sys.PowerState = fakePower(sys.PowerState, resetType) })
}

func (c *fakeConn) SetSystemBoot(ctx context.Context, uri string, b Boot) error {
	if err := c.p.enter(ctx, "SetSystemBoot", uri, b.Enabled, b.Target, b.Mode); err != nil {
		return err
	}
	return c.system(uri, func(*fakeSystem) {})
}

// system runs f on the system at uri under the lock, or returns NotFound.
func (c *fakeConn) system(uri string, f func(sys *fakeSystem)) error {
	c.p.mu.Lock()
	defer c.p.mu.Unlock()
	for _, sys := range c.p.systems {
		if sys.ResourceURI == uri {
			f(sys)
			return nil
		}
	}
	return notFound(uri)
}

// freeSystem returns the Id of a system of p that no node uses.
func freeSystem(t *testing.T, p *fakePodm) string {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, sys := range p.systems {
		if sys.node == "" {
			return sys.ID
		}
	}
	t.Fatal("the fake pod manager has no free system")
	return ""
}

func (c *fakeConn) BlockCapacity(ctx context.Context) (Capacity, bool, error) {
	c.p.mu.Lock()
	blocks := c.p.blockCap
	c.p.mu.Unlock()
	if blocks == nil {
		return Capacity{}, false, nil
	}
	if err := c.p.enter(ctx, "BlockCapacity"); err != nil {
		return Capacity{}, false, err
	}
	return *blocks, true, nil
}

func (c *fakeConn) Racks(ctx context.Context) ([]Rack, error) {
	if err := c.p.enter(ctx, "Racks"); err != nil {
		return nil, err
	}
	c.p.mu.Lock()
	defer c.p.mu.Unlock()
	return slices.Clone(c.p.racks), nil
}

func (c *fakeConn) Volumes(ctx context.Context) ([]Volume, error) {
	if err := c.p.enter(ctx, "Volumes"); err != nil {
		return nil, err
	}
	c.p.mu.Lock()
	defer c.p.mu.Unlock()
	return slices.Clone(c.p.volumes), nil
}

func (c *fakeConn) CreateVolume(ctx context.Context, req VolumeRequest) (Volume, error) {
	if err := c.p.enter(ctx, "CreateVolume", req.Name, req.StorageService, req.SourceURI); err != nil {
		return Volume{}, err
	}
	c.p.mu.Lock()
	defer c.p.mu.Unlock()
	c.p.nextID++
	v := Volume{
		Name: req.Name, StorageService: req.StorageService, CapacityGiB: req.CapacityGiB, Bootable: req.Bootable,
		ResourceURI: fmt.Sprintf("/redfish/v1/StorageServices/%s/Volumes/%d", req.StorageService, c.p.nextID),
		Protocol:    "NVMeOverFabrics", Status: "Enabled",
	}
	c.p.volumes = append(c.p.volumes, v)
	return v, nil
}

func (c *fakeConn) DeleteVolume(ctx context.Context, uri string) error {
	if err := c.p.enter(ctx, "DeleteVolume", uri); err != nil {
		return err
	}
	c.p.mu.Lock()
	defer c.p.mu.Unlock()
	i := slices.IndexFunc(c.p.volumes, func(v Volume) bool { return v.ResourceURI == uri })
	if i < 0 {
		return notFound(uri)
	}
	c.p.volumes = slices.Delete(c.p.volumes, i, i+1)
	return nil
}

func (c *fakeConn) Close() error {
	c.p.set(func(p *fakePodm) { p.closes++ })
	return nil
}

// ---- Clock, metrics and the service under test ----

// fakeClock is a clock that moves only when told.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// fakeMetrics records the outcomes of composes.
type fakeMetrics struct {
	mu        sync.Mutex
	failures  []Code
	abandoned int
}

func (m *fakeMetrics) ComposesAbandoned(n int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.abandoned = n
}

func (m *fakeMetrics) ComposeDone(_ time.Duration, failure Code) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.failures = append(m.failures, failure)
}

func (m *fakeMetrics) outcomes() []Code {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.failures)
}

// fixture is a Service over a fake store, fake pod managers and a fake clock.
type fixture struct {
	t       *testing.T
	ctx     context.Context
	svc     *Service
	store   *fakeStore
	conns   *fakeConnector
	clock   *fakeClock
	metrics *fakeMetrics
}

func newFixture(t *testing.T, tweaks ...func(*Options)) *fixture {
	t.Helper()
	f := &fixture{
		t: t, ctx: t.Context(), store: newFakeStore(),
		conns:   &fakeConnector{podms: map[string]*fakePodm{}},
		clock:   &fakeClock{t: time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC)},
		metrics: &fakeMetrics{},
	}
	opts := Options{Store: f.store, Connector: f.conns, Log: zerolog.Nop(), Now: f.clock.Now, Metrics: f.metrics}
	for _, tweak := range tweaks {
		tweak(&opts)
	}
	f.svc = New(opts)
	t.Cleanup(f.svc.Close)
	return f
}

// fake registers a fake pod manager named name with the connector, not
// with the service.
func (f *fixture) fake(name string, systems int) *fakePodm {
	p := newFakePodm("https://"+name+".test:8443", systems)
	f.conns.mu.Lock()
	f.conns.podms[p.url] = p
	f.conns.mu.Unlock()
	return p
}

func (f *fixture) spec(p *fakePodm, name string) PodManagerSpec {
	return PodManagerSpec{Name: name, URL: p.url, Username: p.user, Password: p.password, TLSVerify: true}
}

// podm makes a fake pod manager with systems free systems and registers it.
func (f *fixture) podm(name string, systems int) (PodManager, *fakePodm) {
	f.t.Helper()
	p := f.fake(name, systems)
	pm, err := f.svc.CreatePodManager(f.ctx, f.spec(p, name))
	if err != nil {
		f.t.Fatalf("CreatePodManager %s: %v", name, err)
	}
	return pm, p
}

// compose composes a node on pm for project and fails the test if it fails.
func (f *fixture) compose(pm PodManager, name, project string) Node {
	f.t.Helper()
	n, err := f.svc.Compose(f.ctx, ComposeRequest{Name: name, PodmID: pm.UUID, ProjectID: project})
	if err != nil {
		f.t.Fatalf("Compose %s: %v", name, err)
	}
	return n
}

// wantCode fails the test unless err carries code.
func wantCode(t *testing.T, what string, err error, code Code) {
	t.Helper()
	if got := ErrorCode(err); got != code {
		t.Fatalf("%s: got error %v (code %q), want code %q", what, err, got, code)
	}
}

// wantMessage fails the test unless err's caller-safe message holds every part.
func wantMessage(t *testing.T, what string, err error, parts ...string) {
	t.Helper()
	var e *Error
	if !asError(err, &e) {
		t.Fatalf("%s: %v is not an *Error", what, err)
	}
	for _, p := range parts {
		if !strings.Contains(e.Message, p) {
			t.Errorf("%s: message %q does not name %q", what, e.Message, p)
		}
	}
}

func must[T any](t *testing.T, what string) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return v
	}
}
