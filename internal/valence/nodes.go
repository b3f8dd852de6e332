package valence

import (
	"context"
	"maps"
	"strings"
	"unicode"
	"unicode/utf8"
)

// nodeFilters are the fields a node list filters on.
var nodeFilters = []string{"name", "podm_id", "index", "resource_uri", "node_state", "node_power_state", "project_id"}

func nodeIndex(n Node) (string, map[string]string, map[string]string) {
	return n.UUID,
		map[string]string{"podm_index": n.PodmID + "/" + n.Index},
		map[string]string{
			"name": n.Name, "podm_id": n.PodmID, "index": n.Index, "resource_uri": n.ResourceURI,
			"node_state": n.State, "node_power_state": n.PowerState, "project_id": n.ProjectID,
		}
}

// Scope is which projects' nodes a caller may see and touch.
type Scope struct {
	ProjectID string
	// AllProjects lets the caller list every project's nodes; without Allow
	// it also lets an operation reach any one node.
	AllProjects bool
	// Allow, when set, alone decides whether the operation at hand may act
	// on an existing node of the given project: nil, an error with code
	// NotFound for a node the caller may not even know of, or the error to
	// answer (Forbidden). The server sets it from its policy, so that what
	// lets a caller list every project never lets it act on every node.
	Allow func(projectID string) error
}

// reach returns nil when the scope lets the operation at hand act on n, and
// otherwise the error to answer. A caller limited to its project but without
// one (a domain-scoped token) reaches no node at all.
func (sc Scope) reach(n Node) error {
	notFound := Errorf(NotFound, "Composed node %s not found.", n.UUID)
	if sc.Allow != nil {
		err := sc.Allow(n.ProjectID)
		if IsCode(err, NotFound) {
			return notFound
		}
		return err
	}
	if sc.AllProjects || (sc.ProjectID != "" && n.ProjectID == sc.ProjectID) {
		return nil
	}
	return notFound
}

// ListNodes returns a page of recorded nodes, without asking any pod
// manager; a caller limited to its project sees only that project's.
func (s *Service) ListNodes(ctx context.Context, sc Scope, filters map[string]string, p Page) ([]Node, bool, error) {
	if err := checkFilters(filters, nodeFilters...); err != nil {
		return nil, false, err
	}
	if !sc.AllProjects {
		if want, ok := filters["project_id"]; sc.ProjectID == "" || (ok && want != sc.ProjectID) {
			return []Node{}, false, nil
		}
		filters = maps.Clone(filters)
		if filters == nil {
			filters = map[string]string{}
		}
		filters["project_id"] = sc.ProjectID
	}
	return s.nodes.list(ctx, pageOf(p, filters))
}

// node returns a node the caller may see, with its pod manager.
func (s *Service) node(ctx context.Context, sc Scope, id string) (Node, PodManager, error) {
	n, _, err := s.nodes.get(ctx, id)
	if err == nil {
		err = sc.reach(n)
	}
	if err != nil {
		return Node{}, PodManager{}, err
	}
	pm, err := s.podmByID(ctx, n.PodmID)
	return n, pm, err
}

// nodeConn returns a node the caller may see and a connection to its pod manager.
func (s *Service) nodeConn(ctx context.Context, sc Scope, id string) (Node, PodManagerConn, error) {
	n, pm, err := s.node(ctx, sc, id)
	if err != nil {
		return n, nil, err
	}
	conn, err := s.connect(ctx, pm)
	return n, conn, err
}

// GetNode returns a node's record merged with what its pod manager says now.
// When the pod manager cannot be asked, it returns the record with the
// states Unknown and the pod manager's status.
func (s *Service) GetNode(ctx context.Context, sc Scope, id string) (NodeDetail, error) {
	n, pm, err := s.node(ctx, sc, id)
	if err != nil {
		return NodeDetail{}, err
	}
	pn, err := s.livePodmNode(ctx, pm, n)
	if err != nil {
		if !unreachable(err) {
			return NodeDetail{}, err
		}
		d := NodeDetail{Node: n, PodmStatus: StatusOffline}
		d.State, d.PowerState = NodeUnknown, NodeUnknown
		return d, nil
	}
	s.rememberStates(ctx, n, pn)
	n.State, n.PowerState = pn.State, pn.PowerState
	return NodeDetail{
		Node: n, BootSource: pn.Boot.Target, TargetBootSource: pn.Boot.Target,
		BootEnabled: pn.Boot.Enabled, BootMode: pn.Boot.Mode, HealthStatus: pn.Health,
		ComputerSystem: pn.ComputerSystem, AllowedResets: pn.AllowedResets, Metadata: pn.Metadata,
	}, nil
}

func (s *Service) livePodmNode(ctx context.Context, pm PodManager, n Node) (PodmNode, error) {
	conn, err := s.connect(ctx, pm)
	if err != nil {
		return PodmNode{}, err
	}
	pctx, cancel := s.podmCtx(ctx)
	defer cancel()
	return conn.GetNode(pctx, n.ResourceURI)
}

// unreachable reports whether err means the pod manager could not be asked.
func unreachable(err error) bool {
	return IsCode(err, PodManagerUnavailable) || IsCode(err, Timeout)
}

// rememberStates stores the states a pod manager reported when they differ
// from the record, so that lists show them "as last seen". It is best effort.
func (s *Service) rememberStates(ctx context.Context, n Node, pn PodmNode) {
	if n.State == pn.State && n.PowerState == pn.PowerState {
		return
	}
	_, err := s.nodes.modify(ctx, n.UUID, func(cur *Node) error {
		cur.State, cur.PowerState, cur.UpdatedAt = pn.State, pn.PowerState, s.now()
		return nil
	})
	if err != nil {
		s.opts.Log.Debug().Err(err).Str("node_uuid", n.UUID).Msg("could not record the node's states")
	}
}

// NodeStates returns a node's live power and composition states.
func (s *Service) NodeStates(ctx context.Context, sc Scope, id string) (powerState, nodeState string, err error) {
	d, err := s.GetNode(ctx, sc, id)
	return d.PowerState, d.State, err
}

// Decompose deletes a node on its pod manager (one already gone there
// counts as deleted) and then its record.
func (s *Service) Decompose(ctx context.Context, sc Scope, id string) error {
	n, pm, err := s.node(ctx, sc, id)
	if err != nil {
		return err
	}
	return s.decompose(ctx, pm, n)
}

func (s *Service) decompose(ctx context.Context, pm PodManager, n Node) error {
	conn, err := s.connect(ctx, pm)
	if err != nil {
		return err
	}
	pctx, cancel := s.podmCtx(ctx)
	defer cancel()
	if err := conn.DeleteNode(pctx, n.ResourceURI); err != nil {
		return err
	}
	// After the record is gone, so that no list caches it as the system's
	// user in between.
	defer s.inventories.forget(pm.UUID)
	if err := s.nodes.delete(ctx, n.UUID); err != nil && !IsCode(err, NotFound) {
		return err
	}
	return nil
}

// Adopt takes a node composed outside Valence under management.
func (s *Service) Adopt(ctx context.Context, sc Scope, podmID, index, projectID string) (Node, error) {
	index = strings.TrimSpace(index)
	if index == "" || podmID == "" {
		return Node{}, Errorf(Invalid, "node_index and podm_id are required")
	}
	if err := CheckNodeIndex(index); err != nil {
		return Node{}, err
	}
	v := &validator{}
	v.text("podm_id", podmID, MaxIDLen)
	if err := v.err(); err != nil {
		return Node{}, err
	}
	pm, err := s.podmByID(ctx, podmID)
	if err != nil {
		return Node{}, err
	}
	conn, err := s.connect(ctx, pm)
	if err != nil {
		return Node{}, err
	}
	uri := conn.NodeURI(index)
	pctx, cancel := s.podmCtx(ctx)
	defer cancel()
	pn, err := conn.GetNode(pctx, uri)
	if IsCode(err, NotFound) {
		return Node{}, Errorf(NotFound, "Pod manager %s has no composed node %q.", pm.Name, index)
	}
	if err != nil {
		return Node{}, err
	}
	// The pod manager's own Id is the one canonical form, as for a node
	// composed here, so that one node is never recorded twice.
	if pn.Index != "" && pn.Index != index {
		index, uri = pn.Index, conn.NodeURI(pn.Index)
	}
	now := s.now()
	n := Node{
		UUID: newID(), Name: pn.Name, Description: pn.Description, PodmID: pm.UUID, Index: index,
		ResourceURI: uri, State: pn.State, PowerState: pn.PowerState, ProjectID: projectID,
		CreatedAt: now, UpdatedAt: now,
	}
	err = s.nodes.create(ctx, n)
	s.inventories.forget(pm.UUID) // the system now has a user
	if IsCode(err, Conflict) {
		return Node{}, Errorf(Conflict, "Node %q of pod manager %s is already managed by Valence.", index, pm.Name)
	}
	return n, err
}

// CheckNodeIndex accepts the Id of a node to adopt as one path segment of
// RFC 3986 unreserved characters: anything else ("1/", "1?x", "../2",
// "%31") would reach the same node by another URI and record it twice.
func CheckNodeIndex(index string) error {
	if index == "" {
		return Errorf(Invalid, "node_index is required")
	}
	if len(index) > MaxNodeIndexLen {
		return Errorf(Invalid, "node_index may be at most %d bytes long, not %d", MaxNodeIndexLen, len(index))
	}
	ok := index != "." && index != ".."
	for _, r := range index {
		ok = ok && (r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("-._~", r)))
	}
	if !ok {
		return Errorf(Invalid, "node_index %q is not a node Id: it may hold only letters, digits and - . _ ~", index)
	}
	return nil
}
