package valence

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"
)

// intent records a compose in progress. It is written before the pod manager
// is asked for anything, so that a compose cut short by a crash is undone by
// whoever finds it later: by the node it names, or by the pod manager's
// nodes that its Allocate may have made (see lostAllocations).
type intent struct {
	// UUID is the uuid the node will have.
	UUID   string `json:"uuid"`
	Name   string `json:"name"`
	PodmID string `json:"podm_id"`
	// NodeURI names the allocated node, written before its Assemble unless
	// the node is known to carry the compose's mark (see assemble), and
	// when a rollback could not delete it.
	NodeURI string `json:"node_uri,omitempty"`
	// Owner is the Store.Owner of the process running the compose: once
	// that owner is no longer alive, the compose is abandoned. Intents of
	// earlier releases have none.
	Owner string `json:"owner,omitempty"`
	// AllocateUnsure says that the Allocate was sent but its answer never
	// came (at UnsureAt): the pod manager may hold a node of this compose
	// that no one knows.
	AllocateUnsure bool      `json:"allocate_unsure,omitempty"`
	UnsureAt       time.Time `json:"unsure_at,omitzero"`
	Deadline       time.Time `json:"deadline"`
	CreatedAt      time.Time `json:"created_at"`
}

func intentIndex(i intent) (string, map[string]string, map[string]string) {
	return i.UUID, nil, map[string]string{"podm_id": i.PodmID}
}

// ComposeRequest asks for a new node.
type ComposeRequest struct {
	Name        string
	Description string
	// PodmID picks the pod manager; empty lets the service choose one.
	PodmID string
	// FlavorID or Properties give the requirements; neither means none.
	FlavorID   string
	Properties *Properties
	// ProjectID owns the node.
	ProjectID string
}

// Compose allocates and assembles a node and records it. It returns only
// once the node is Assembled; on any failure nothing is left behind, neither
// on the pod manager nor in the store.
func (s *Service) Compose(ctx context.Context, req ComposeRequest) (Node, error) {
	start := s.opts.Now()
	n, err := s.compose(ctx, req)
	if s.opts.Metrics != nil {
		s.opts.Metrics.ComposeDone(s.opts.Now().Sub(start), ErrorCode(err))
	}
	return n, err
}

// Validate reports what is wrong with the request itself, before any store
// or pod manager is asked: a name, text and ids within their limits, and
// inline properties that Properties.Validate accepts.
func (req ComposeRequest) Validate() error {
	v := &validator{}
	v.name(req.Name)
	v.text("description", req.Description, MaxDescriptionLen)
	v.text("podm_id", req.PodmID, MaxIDLen)
	v.text("flavor_id", req.FlavorID, MaxIDLen)
	if req.Properties != nil {
		req.Properties.check(v)
	}
	return v.err()
}

func (s *Service) compose(ctx context.Context, req ComposeRequest) (Node, error) {
	if err := req.Validate(); err != nil {
		return Node{}, err
	}
	req.Name = strings.TrimSpace(req.Name)
	props, err := s.requirements(ctx, req)
	if err != nil {
		return Node{}, err
	}
	candidates, err := s.composeCandidates(ctx, req.PodmID)
	if err != nil {
		return Node{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, s.opts.ComposeTimeout)
	defer cancel()
	// Try the candidates in turn while each has no resources, cannot be
	// reached, refuses Valence's credentials, or cannot express or do the
	// request (an older RSD version): the pod managers are the authority on
	// what they can satisfy.
	var short []string
	var extended []string
	for _, pm := range candidates {
		n, err := s.composeOn(ctx, pm, req, props)
		if err == nil {
			return n, nil
		}
		if len(candidates) == 1 || !slices.ContainsFunc(passOver, func(c Code) bool { return IsCode(err, c) }) {
			return Node{}, err
		}
		var e *Error
		asError(err, &e)
		short = append(short, fmt.Sprintf("%s: %s", pm.Name, e.Message))
		extended = append(extended, e.ExtendedInfo...)
	}
	return Node{}, &Error{Code: Conflict, Message: "No pod manager could compose this node: " + strings.Join(short, "; "), ExtendedInfo: extended}
}

// passOver are the failures of one candidate of a compose that make it try
// the next rather than fail.
var passOver = []Code{Conflict, PodManagerUnavailable, Invalid, PodManagerAuthFailed, NotImplemented}

// requirements resolves the properties of a compose: a flavor's, the
// caller's own, or none.
func (s *Service) requirements(ctx context.Context, req ComposeRequest) (Properties, error) {
	switch {
	case req.FlavorID != "" && req.Properties != nil:
		return Properties{}, Errorf(Invalid, "give flavor_id or properties, not both")
	case req.FlavorID != "":
		f, _, err := s.flavors.get(ctx, req.FlavorID)
		if err != nil {
			return Properties{}, err
		}
		// A flavor stored before the limits existed is held to them too.
		return f.Properties, f.Properties.Validate()
	case req.Properties != nil:
		return *req.Properties, nil
	}
	return Properties{}, nil
}

// composeCandidates returns the pod manager named, or every online one that
// can compose, in a stable order; compose tries them in turn, and the pod
// managers themselves say whether their free systems satisfy the request.
func (s *Service) composeCandidates(ctx context.Context, podmID string) ([]PodManager, error) {
	if podmID != "" {
		pm, err := s.podmByID(ctx, podmID)
		if err != nil {
			return nil, err
		}
		// The redfish driver never composes, whatever its last status says.
		if pm.Driver == DriverRedfish || (!pm.Has(CapCompose) && pm.Status == StatusOnline) {
			return nil, Errorf(Invalid, "Pod manager %s (%s) cannot compose nodes: it is a plain Redfish service or its driver is %s.", pm.Name, pm.UUID, pm.Driver)
		}
		return []PodManager{pm}, nil
	}
	all, err := s.podms.all(ctx, map[string]string{"status": StatusOnline})
	if err != nil {
		return nil, err
	}
	var out []PodManager
	for _, pm := range all {
		if pm.Has(CapCompose) {
			out = append(out, pm)
		}
	}
	if len(out) == 0 {
		return nil, Errorf(Conflict, "No online pod manager can compose nodes.")
	}
	return out, nil
}

// composeOn runs one compose on one pod manager: intent, allocate, assemble,
// wait, record; and undoes it all on failure.
func (s *Service) composeOn(ctx context.Context, pm PodManager, req ComposeRequest, props Properties) (_ Node, err error) {
	log := zerolog.Ctx(ctx).With().Str("podm_id", pm.UUID).Str("node_name", req.Name).Logger()
	areq, err := allocateRequest(req.Name, req.Description, props, pm.RSDVersion)
	if err != nil {
		return Node{}, err
	}
	conn, err := s.connect(ctx, pm)
	if err != nil {
		return Node{}, err
	}
	now := s.now()
	in := intent{UUID: newID(), Name: req.Name, PodmID: pm.UUID, Owner: s.opts.Store.Owner(), CreatedAt: now, Deadline: now.Add(s.opts.ComposeTimeout)}
	// Running before its intent exists, so that recovery never takes it
	// for abandoned; once it ends, a failure may have left the intent
	// (a rollback or an Allocate that went wrong): recovery looks at once.
	s.running.add(in.UUID)
	defer func() {
		s.running.remove(in.UUID)
		if err != nil {
			s.nudgeRecovery()
		}
	}()
	if err := s.intents.create(ctx, in); err != nil {
		return Node{}, err
	}
	areq.ComposeID = in.UUID
	alloc, err := conn.Allocate(ctx, areq)
	if err != nil {
		if unreachable(err) {
			// The pod manager may have allocated before the answer was lost:
			// the intent stays, so that recovery looks for such a node.
			s.markAllocateUnsure(ctx, in, log)
		} else {
			s.forgetIntent(ctx, in, log)
		}
		return Node{}, deadlineError(ctx, err, "allocate", s.opts.ComposeTimeout)
	}
	log = log.With().Str("node_uri", alloc.URI).Logger()
	log.Info().Bool("marked", alloc.Marked).Msg("compose: allocated")
	n, err := s.assemble(ctx, conn, pm, req, in, alloc)
	if err != nil {
		log.Warn().Err(err).Msg("compose failed; deleting the allocated node")
		s.rollback(ctx, conn, in, alloc.URI, log)
		return Node{}, deadlineError(ctx, err, "assemble", s.opts.ComposeTimeout)
	}
	s.inventories.forget(pm.UUID)
	log.Info().Str("node_uuid", n.UUID).Msg("compose: assembled")
	return n, nil
}

// assemble takes an allocated node to Assembled and records it: the record
// replaces the intent in one store write, so that neither a crash nor a
// failed write can leave both (or neither) behind.
//
// Recovery finds a node whose intent does not name it by what madeBy
// knows of it: its mark in any state, or else its name while it is only
// Allocated. Once the Assemble starts, an unmarked node has neither, so its
// URI is written to the intent first; a node known to be marked spares the
// compose that write.
func (s *Service) assemble(ctx context.Context, conn PodManagerConn, pm PodManager, req ComposeRequest, in intent, alloc Allocation) (Node, error) {
	uri := alloc.URI
	if !alloc.Marked {
		if err := s.nameNode(ctx, in, uri); err != nil {
			return Node{}, err
		}
	}
	if err := conn.Assemble(ctx, uri); err != nil {
		return Node{}, err
	}
	// The node as the wait last read it: its Index and power state are
	// all the record needs, not its parts.
	pn, err := conn.WaitAssembled(ctx, uri)
	if err != nil {
		return Node{}, err
	}
	now := s.now()
	n := Node{
		UUID: in.UUID, Name: req.Name, Description: req.Description, PodmID: pm.UUID,
		Index: pn.Index, ResourceURI: uri, State: NodeAssembled, PowerState: pn.PowerState,
		ProjectID: req.ProjectID, CreatedAt: now, UpdatedAt: now,
	}
	if err := s.nodes.createDeleting(ctx, n, KindIntent, in.UUID); err != nil {
		if IsCode(err, NotFound) {
			// Only the intent can be missing: recovery took the compose
			// for abandoned. The node must not be recorded.
			return Node{}, Wrap(err, Internal, "The compose's intent was removed while it ran; the node is not recorded.")
		}
		return Node{}, err
	}
	return n, nil
}

// rollback deletes an allocated node and then the intent. It runs on a
// context of its own: the compose's may be the one that ran out.
func (s *Service) rollback(ctx context.Context, conn PodManagerConn, in intent, uri string, log zerolog.Logger) {
	cctx, cancel := s.podmCtx(context.WithoutCancel(ctx))
	defer cancel()
	if err := conn.DeleteNode(cctx, uri); err != nil {
		// The intent stays, naming the node, so that recovery deletes it
		// later: recovery searches the pod manager only for the composes of
		// a process that died, and a marked compose has not named it yet.
		log.Error().Err(err).Msg("rollback: cannot delete the allocated node; it will be retried")
		if err := s.nameNode(cctx, in, uri); err != nil {
			log.Error().Err(err).Str("intent", in.UUID).Msg("rollback: cannot name the node in the compose intent; it may be left")
		}
		return
	}
	s.forgetIntent(cctx, in, log)
}

// nameNode writes the allocated node's URI to the compose's intent.
func (s *Service) nameNode(ctx context.Context, in intent, uri string) error {
	_, err := s.intents.modify(ctx, in.UUID, func(i *intent) error { i.NodeURI = uri; return nil })
	return err
}

func (s *Service) markAllocateUnsure(ctx context.Context, in intent, log zerolog.Logger) {
	_, err := s.intents.modify(context.WithoutCancel(ctx), in.UUID, func(i *intent) error {
		i.AllocateUnsure, i.UnsureAt = true, s.now()
		return nil
	})
	if err != nil {
		log.Error().Err(err).Str("intent", in.UUID).Msg("cannot mark the compose intent; a node allocated without an answer may be left")
	}
}

func (s *Service) forgetIntent(ctx context.Context, in intent, log zerolog.Logger) {
	if err := s.intents.delete(context.WithoutCancel(ctx), in.UUID); err != nil && !IsCode(err, NotFound) {
		log.Error().Err(err).Str("intent", in.UUID).Msg("cannot remove the compose intent; recovery will")
	}
}

// deadlineError turns a failure caused by the compose deadline into Timeout.
func deadlineError(ctx context.Context, err error, step string, limit time.Duration) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return Wrap(err, Timeout, "The pod manager did not finish the compose (%s) within %s.", step, limit)
	}
	return err
}

// recoverIntents undoes the composes that no process is working on any
// more: it deletes the node they allocated, unless the compose had in fact
// been recorded, and the intent. It returns how many abandoned composes it
// left for a later pass: not undone yet (a failure), or not yet due.
func (s *Service) recoverIntents(ctx context.Context) int {
	intents, err := s.intents.all(ctx, nil)
	if err != nil {
		s.opts.Log.Warn().Err(err).Msg("recovery: cannot list compose intents")
		return 1
	}
	left := 0
	alive := map[string]bool{} // owners asked about in this pass
	for _, in := range intents {
		log := s.opts.Log.With().Str("intent", in.UUID).Str("podm_id", in.PodmID).Str("node_uri", in.NodeURI).Logger()
		verdict, err := s.abandoned(ctx, in, alive)
		switch {
		case err != nil:
			log.Warn().Err(err).Msg("recovery: cannot tell whether the compose's server is alive")
			left++
			continue
		case verdict == keep:
			continue
		}
		done, err := s.recoverIntent(ctx, in, verdict == later)
		if err != nil {
			log.Warn().Err(err).Msg("recovery: compose not undone yet; will retry")
		}
		if !done {
			left++
			continue
		}
		log.Info().Msg("recovery: abandoned compose undone")
	}
	return left
}

// What recovery makes of an intent.
type verdict int

const (
	keep verdict = iota // a live process runs the compose
	// later: abandoned, but the pod manager may still act on its Allocate;
	// only a node it marks as this compose's is undone (see recoverIntent).
	later
	undo // abandoned: undo it now
)

// abandoned tells what recovery makes of the compose of in. A
// compose of another owner is abandoned as soon as that owner is no longer
// alive; one of this process as soon as it has returned (its rollback
// failed). Intents without an owner, from earlier releases, are abandoned
// once their deadline has passed by a pod-manager timeout. alive caches
// the owners' liveness for one pass.
//
// An Allocate without an answer (marked unsure, or cut short by the death
// of its process) may still be carried out by the pod manager: it is given
// one pod-manager timeout from when its answer was given up (or from the
// intent's creation, just before the Allocate was sent) before recovery
// looks for what it made.
func (s *Service) abandoned(ctx context.Context, in intent, alive map[string]bool) (verdict, error) {
	now := s.opts.Now()
	switch in.Owner {
	case "":
		if now.Before(in.Deadline.Add(s.opts.PodmTimeout)) {
			return keep, nil
		}
		return undo, nil
	case s.opts.Store.Owner():
		if s.running.has(in.UUID) {
			return keep, nil
		}
	default:
		live, known := alive[in.Owner]
		if !known {
			var err error
			if live, err = s.opts.Store.OwnerAlive(ctx, in.Owner); err != nil {
				return keep, err
			}
			alive[in.Owner] = live
		}
		if live {
			return keep, nil
		}
	}
	if in.NodeURI == "" {
		since := in.CreatedAt
		switch {
		case in.AllocateUnsure && !in.UnsureAt.IsZero():
			since = in.UnsureAt
		case in.AllocateUnsure: // marked by an earlier release
			since = in.Deadline
		}
		if now.Before(since.Add(s.opts.PodmTimeout)) {
			return later, nil
		}
	}
	return undo, nil
}

// composeSet holds the ids of the composes this process runs.
type composeSet struct {
	mu  sync.Mutex
	ids map[string]bool
}

func (c *composeSet) add(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ids == nil {
		c.ids = map[string]bool{}
	}
	c.ids[id] = true
}

func (c *composeSet) remove(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.ids, id)
}

func (c *composeSet) has(id string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ids[id]
}

// recoverIntent undoes an abandoned compose and reports whether it did.
// While the pod manager may still act on an unanswered Allocate (early),
// only a node the pod manager marks as this compose's is undone: one
// Allocate makes one node, so once it is found nothing more will come;
// otherwise the intent is left for a later pass.
func (s *Service) recoverIntent(ctx context.Context, in intent, early bool) (bool, error) {
	_, _, err := s.nodes.get(ctx, in.UUID)
	recorded := err == nil
	if err != nil && !IsCode(err, NotFound) {
		return false, err
	}
	// A compose that died with its process may have died in the middle of
	// the Allocate, whose answer it then never recorded.
	crashed := in.Owner != s.opts.Store.Owner()
	if !recorded && (in.NodeURI != "" || in.AllocateUnsure || crashed) {
		pm, err := s.podmByID(ctx, in.PodmID)
		switch {
		case err == nil:
			if done, err := s.undoAllocation(ctx, pm, in, early); err != nil || !done {
				return false, err
			}
		case !IsCode(err, NotFound): // a pod manager since removed holds nothing to undo
			return false, err
		}
	} else if early {
		return false, nil
	}
	err = s.intents.delete(ctx, in.UUID)
	if err != nil && !IsCode(err, NotFound) {
		return false, err
	}
	return true, nil
}

// undoAllocation deletes what an abandoned compose allocated: the node its
// intent names, or, when the Allocate's answer was lost, the nodes that
// answer would have named (see lostAllocations; early, only those the pod
// manager marks as this compose's, and done only if there is one).
func (s *Service) undoAllocation(ctx context.Context, pm PodManager, in intent, early bool) (bool, error) {
	conn, err := s.connect(ctx, pm)
	if err != nil {
		return false, err
	}
	pctx, cancel := s.podmCtx(ctx)
	defer cancel()
	uris := []string{in.NodeURI}
	if in.NodeURI == "" {
		nodes, err := s.lostAllocations(pctx, conn, pm, in)
		if err != nil {
			return false, err
		}
		uris = nil
		for _, n := range nodes {
			if !early || n.ComposeID != "" {
				uris = append(uris, n.URI)
			}
		}
		if early && len(uris) == 0 {
			return false, nil
		}
	}
	for _, uri := range uris {
		// A node already gone was deleted by another replica undoing the
		// same compose, or by hand: what recovery wanted either way.
		if err := conn.DeleteNode(pctx, uri); err != nil && !IsCode(err, NotFound) {
			return false, err
		}
	}
	return true, nil
}

// lostAllocations finds the nodes an Allocate without an answer may have
// made (see madeBy) that neither a Valence record nor another compose in
// progress claims.
func (s *Service) lostAllocations(ctx context.Context, conn PodManagerConn, pm PodManager, in intent) ([]PodmNode, error) {
	nodes, err := conn.ListNodes(ctx)
	if err != nil {
		return nil, err
	}
	claimed, err := s.nodeURIs(ctx, pm.UUID)
	if err != nil {
		return nil, err
	}
	others, err := s.intents.all(ctx, map[string]string{"podm_id": pm.UUID})
	if err != nil {
		return nil, err
	}
	for _, o := range others {
		claimed[o.NodeURI] = o.UUID
	}
	var lost []PodmNode
	for _, n := range nodes {
		if madeBy(n, in) && claimed[n.URI] == "" {
			lost = append(lost, n)
		}
	}
	return lost, nil
}

// madeBy reports whether the Allocate of in may have made n: the pod manager
// says so (PodmNode.ComposeID, the mark the driver keeps on the node, in
// whatever state: a composed system is whole at once, a marked RSD node may
// be Assembling or Assembled when its compose died), or, where the node
// carries no mark, n has the compose's name and is still only Allocated
// (its compose, which names an unmarked node before its Assemble, never
// got to assemble it).
func madeBy(n PodmNode, in intent) bool {
	if n.ComposeID != "" {
		return n.ComposeID == in.UUID
	}
	return n.Name == in.Name && n.State == NodeAllocated
}
