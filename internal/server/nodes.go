package server

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/valence-rsd/valence/api"
	"github.com/valence-rsd/valence/internal/auth"
	"github.com/valence-rsd/valence/internal/valence"
)

func (h *handlers) listNodes(w http.ResponseWriter, r *http.Request) error {
	p, filters, err := listQuery(r)
	if err != nil {
		return err
	}
	nodes, more, err := h.svc.ListNodes(r.Context(), h.scope(r), filters, p)
	if err != nil {
		return err
	}
	return list(w, r, p, nodes, more, func(n valence.Node) string { return n.UUID }, nodeOut)
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

func (h *handlers) getNode(w http.ResponseWriter, r *http.Request) error {
	d, err := h.svc.GetNode(r.Context(), h.scope(r), chi.URLParam(r, "uuid"))
	if err != nil {
		return err
	}
	return ok(w, nodeDetailOut(d))
}

func (h *handlers) decomposeNode(w http.ResponseWriter, r *http.Request) error {
	id := chi.URLParam(r, "uuid")
	if err := h.svc.Decompose(r.Context(), h.scope(r), id); err != nil {
		return err
	}
	return deleted(w, r, "Composed node "+id+" has been deleted successfully.")
}

// nodeAction runs the one action the body names, after checking that
// action's own rule.
func (h *handlers) nodeAction(w http.ResponseWriter, r *http.Request) error {
	var body api.NodeAction
	if err := decodeJSON(r, &body); err != nil {
		return err
	}
	id, sc, ctx := chi.URLParam(r, "uuid"), h.scope(r), r.Context()
	var (
		rule string
		run  func() error
	)
	n := 0
	if a := body.Reset; a != nil {
		n, rule, run = n+1, auth.RuleNodePower, func() error { return h.svc.Reset(ctx, sc, id, a.Type) }
	}
	if a := body.Boot; a != nil {
		n, rule, run = n+1, auth.RuleNodeBoot, func() error {
			return h.svc.SetBoot(ctx, sc, id, valence.Boot{Enabled: a.Enabled, Target: a.Target, Mode: a.Mode})
		}
	}
	if a := body.Attach; a != nil {
		n, rule, run = n+1, auth.RuleNodeAttach, func() error { return h.svc.AttachVolume(ctx, sc, id, a.ResourceID) }
	}
	if a := body.Detach; a != nil {
		n, rule, run = n+1, auth.RuleNodeDetach, func() error { return h.svc.DetachVolume(ctx, sc, id, a.ResourceID) }
	}
	if n != 1 {
		return valence.Errorf(valence.Invalid, "an action body has exactly one of Reset, Boot, attach, detach")
	}
	if err := h.authorize(r, rule); err != nil {
		return err
	}
	if err := run(); err != nil {
		return err
	}
	return noContent(w)
}

func (h *handlers) nodeStates(w http.ResponseWriter, r *http.Request) error {
	power, state, err := h.svc.NodeStates(r.Context(), h.scope(r), chi.URLParam(r, "uuid"))
	if err != nil {
		return err
	}
	return ok(w, api.NodeStates{PowerState: orUnknown(power), NodeState: orUnknown(state)})
}

func (h *handlers) setPower(w http.ResponseWriter, r *http.Request) error {
	var body api.PowerTarget
	if err := decodeJSON(r, &body); err != nil {
		return err
	}
	if err := h.svc.SetPower(r.Context(), h.scope(r), chi.URLParam(r, "uuid"), body.Target); err != nil {
		return err
	}
	return noContent(w)
}

func (h *handlers) injectNMI(w http.ResponseWriter, r *http.Request) error {
	if err := h.svc.InjectNMI(r.Context(), h.scope(r), chi.URLParam(r, "uuid")); err != nil {
		return err
	}
	return noContent(w)
}

func (h *handlers) nodeStorages(w http.ResponseWriter, r *http.Request) error {
	vols, err := h.svc.NodeVolumes(r.Context(), h.scope(r), chi.URLParam(r, "uuid"))
	if err != nil {
		return err
	}
	return ok(w, mapAll(vols, storageOut))
}
