package server

import (
	"bufio"
	"bytes"
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/rs/zerolog"

	"github.com/valence-rsd/valence/api"
	"github.com/valence-rsd/valence/internal/auth"
	"github.com/valence-rsd/valence/internal/memo"
	"github.com/valence-rsd/valence/internal/valence"
)

func (h *handlers) listNodes(w http.ResponseWriter, r *http.Request) error {
	p, filters, err := listQuery(r)
	if err != nil {
		return err
	}
	// Without a limit, the store is read a page at a time and each page
	// written before the next is read.
	page := p
	if page.Limit == 0 {
		page.Limit = nodeListPage
	}
	sc := h.scope(r)
	nodes, more, err := h.svc.ListNodes(r.Context(), sc, filters, page)
	if err != nil {
		return err
	}
	if len(nodes) > 0 {
		setNextLink(w, r, p, more, nodes[len(nodes)-1].UUID)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	bw := bufio.NewWriterSize(w, nodeListBuffer)
	_ = bw.WriteByte('[')
	h.writeNodes(bw, nodes, true)
	for p.Limit == 0 && more && len(nodes) > 0 {
		page.Marker = nodes[len(nodes)-1].UUID
		if nodes, more, err = h.svc.ListNodes(r.Context(), sc, filters, page); err != nil {
			// The status is sent: only a dropped connection tells the
			// client that the list is cut short.
			zerolog.Ctx(r.Context()).Error().Err(err).Msg("node list cut short")
			panic(http.ErrAbortHandler)
		}
		h.writeNodes(bw, nodes, false)
	}
	_, _ = bw.WriteString("]\n")
	// A write failure here can only be a broken connection, which there is
	// no one left to tell.
	_ = bw.Flush()
	return nil
}

// nodeListPage is how many nodes a node list without a limit reads at a
// time: a list of 10,000 nodes holds 500 of them read and decoded at once,
// not all of them (times the lists served at once). Like a paged list, it
// is not one snapshot: a node written meanwhile may show as it was or as
// it is, but no node shows twice. A var for tests.
var nodeListPage = 500

// nodeListBuffer is what a node list holds of its answer before sending
// it: the answer is written as it is joined, not built whole first (3.4 MB
// at 10,000 nodes).
const nodeListBuffer = 64 << 10

// nodeEncodingBudget bounds the node encodings kept: about 25,000 nodes of
// ~0.4 KiB, as many as the core keeps decoded.
const nodeEncodingBudget = 16 << 20

// newNodeEncodings keeps each node's JSON by uuid, with the Node it was
// encoded from: it serves only while the node read now is that very value
// (decoded from the same record), so a change by anyone, another replica
// included, is encoded afresh.
func newNodeEncodings() *memo.Of[valence.Node, []byte] {
	return memo.NewOf[valence.Node, []byte](nodeEncodingBudget, func(a, b valence.Node) bool { return a == b })
}

// writeNodes writes nodes as elements of a JSON array, each after a comma
// unless first and the first of them; each node's encoding is kept from the
// lists before (most of a large list's CPU was encoding it). bufio.Writer's
// errors stick: Flush reports the first.
func (h *handlers) writeNodes(w *bufio.Writer, nodes []valence.Node, first bool) {
	for i, n := range nodes {
		if i > 0 || !first {
			_ = w.WriteByte(',')
		}
		enc, ok := h.nodesJSON.Get(n.UUID, n)
		if !ok {
			enc = bytes.TrimSuffix(encodeJSON(nodeOut(n)), []byte("\n"))
			h.nodesJSON.Put(n.UUID, n, enc, len(enc))
		}
		_, _ = w.Write(enc)
	}
}

func (h *handlers) composeNode(w http.ResponseWriter, r *http.Request) error {
	var body api.NodeCompose
	if err := decodeJSON(r, &body); err != nil {
		return err
	}
	req := composeIn(body)
	req.ProjectID = caller(r).ProjectID
	n, err := h.svc.Compose(r.Context(), req)
	if err != nil {
		return err
	}
	return created(w, r, "nodes", n.UUID, nodeOut(n))
}

func (h *handlers) adoptNode(w http.ResponseWriter, r *http.Request) error {
	var body api.NodeManage
	if err := decodeJSON(r, &body); err != nil {
		return err
	}
	n, err := h.svc.Adopt(r.Context(), h.scope(r), body.PodmID, body.NodeIndex, caller(r).ProjectID)
	if err != nil {
		return err
	}
	return created(w, r, "nodes", n.UUID, nodeOut(n))
}

func (h *handlers) getNode(w http.ResponseWriter, r *http.Request, sc valence.Scope) error {
	d, err := h.svc.GetNode(r.Context(), sc, chi.URLParam(r, "uuid"))
	if err != nil {
		return err
	}
	return ok(w, nodeDetailOut(d))
}

func (h *handlers) decomposeNode(w http.ResponseWriter, r *http.Request, sc valence.Scope) error {
	id := chi.URLParam(r, "uuid")
	if err := h.svc.Decompose(r.Context(), sc, id); err != nil {
		return err
	}
	return deleted(w, r, "Composed node "+id+" has been deleted successfully.")
}

// nodeAction runs the one action the body names, under that action's own
// rule.
func (h *handlers) nodeAction(w http.ResponseWriter, r *http.Request) error {
	var body api.NodeAction
	if err := decodeJSON(r, &body); err != nil {
		return err
	}
	id, ctx := chi.URLParam(r, "uuid"), r.Context()
	// sc is set once the action, and so the rule its node is checked
	// against, is known.
	var sc valence.Scope
	n, rule, run := powerAction(body.Reset, body.Boot, auth.RuleNodePower, auth.RuleNodeBoot,
		func(t string) error { return h.svc.Reset(ctx, sc, id, t) },
		func(b valence.Boot) error { return h.svc.SetBoot(ctx, sc, id, b) })
	if a := body.Attach; a != nil {
		n, rule, run = n+1, auth.RuleNodeAttach, func() error { return h.svc.AttachVolume(ctx, sc, id, a.ResourceID) }
	}
	if a := body.Detach; a != nil {
		n, rule, run = n+1, auth.RuleNodeDetach, func() error { return h.svc.DetachVolume(ctx, sc, id, a.ResourceID) }
	}
	if n != 1 {
		return valence.Errorf(valence.Invalid, "an action body has exactly one of Reset, Boot, attach, detach")
	}
	sc = h.nodeScope(r, rule)
	if err := run(); err != nil {
		return err
	}
	return noContent(w)
}

// powerAction picks the Reset or Boot action that node and system action
// bodies share: how many of the two are set, and the rule and the call of
// the last one set.
func powerAction(reset *api.ResetAction, boot *api.BootAction, powerRule, bootRule string,
	doReset func(string) error, doBoot func(valence.Boot) error) (n int, rule string, run func() error) {
	if a := reset; a != nil {
		n, rule, run = n+1, powerRule, func() error { return doReset(a.Type) }
	}
	if a := boot; a != nil {
		n, rule, run = n+1, bootRule, func() error {
			return doBoot(valence.Boot{Enabled: a.Enabled, Target: a.Target, Mode: a.Mode})
		}
	}
	return n, rule, run
}

// runAction checks the rule of the action a body named, runs it and
// answers 204.
func (h *handlers) runAction(w http.ResponseWriter, r *http.Request, rule string, run func() error) error {
	if err := h.authorize(r, rule); err != nil {
		return err
	}
	if err := run(); err != nil {
		return err
	}
	return noContent(w)
}

func (h *handlers) nodeStates(w http.ResponseWriter, r *http.Request, sc valence.Scope) error {
	power, state, err := h.svc.NodeStates(r.Context(), sc, chi.URLParam(r, "uuid"))
	if err != nil {
		return err
	}
	return ok(w, api.NodeStates{PowerState: orUnknown(power), NodeState: orUnknown(state)})
}

func (h *handlers) setPower(w http.ResponseWriter, r *http.Request, sc valence.Scope) error {
	var body api.PowerTarget
	if err := decodeJSON(r, &body); err != nil {
		return err
	}
	if err := h.svc.SetPower(r.Context(), sc, chi.URLParam(r, "uuid"), body.Target); err != nil {
		return err
	}
	return noContent(w)
}

func (h *handlers) injectNMI(w http.ResponseWriter, r *http.Request, sc valence.Scope) error {
	if err := h.svc.InjectNMI(r.Context(), sc, chi.URLParam(r, "uuid")); err != nil {
		return err
	}
	return noContent(w)
}

func (h *handlers) nodeStorages(w http.ResponseWriter, r *http.Request, sc valence.Scope) error {
	vols, err := h.svc.NodeVolumes(r.Context(), sc, chi.URLParam(r, "uuid"))
	if err != nil {
		return err
	}
	return ok(w, mapAll(vols, storageOut))
}
