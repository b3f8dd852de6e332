package server

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/valence-rsd/valence/api"
	"github.com/valence-rsd/valence/internal/auth"
	"github.com/valence-rsd/valence/internal/valence"
)

// The power, boot and NMI routes of a system: the node routes' bodies and
// answers, on a system that no composed node uses. The system is named as
// in GET /v1/systems/{id}: by UUID, or by Id with ?podm_id= when several
// pod managers have that Id.

// systemQuery reads the pod manager a system route is narrowed to: only the
// podm_id query parameter, since the body is the action's.
func systemQuery(r *http.Request) (id, podmID string, err error) {
	q := r.URL.Query()
	for k := range q {
		if k != "podm_id" {
			return "", "", valence.Errorf(valence.Invalid, "unknown query parameter %q; the parameter is podm_id", k)
		}
	}
	return chi.URLParam(r, "id"), q.Get("podm_id"), nil
}

// systemAction runs the Reset or the Boot that the body names, after
// checking that action's own rule.
func (h *handlers) systemAction(w http.ResponseWriter, r *http.Request) error {
	id, podmID, err := systemQuery(r)
	if err != nil {
		return err
	}
	var body api.SystemAction
	if err := decodeJSON(r, &body); err != nil {
		return err
	}
	ctx := r.Context()
	n, rule, run := powerAction(body.Reset, body.Boot, auth.RuleSystemPower, auth.RuleSystemBoot,
		func(t string) error { return h.svc.ResetSystem(ctx, id, podmID, t) },
		func(b valence.Boot) error { return h.svc.SetSystemBoot(ctx, id, podmID, b) })
	if n != 1 {
		return valence.Errorf(valence.Invalid, "a system action body has exactly one of Reset, Boot")
	}
	return h.runAction(w, r, rule, run)
}

func (h *handlers) setSystemPower(w http.ResponseWriter, r *http.Request) error {
	id, podmID, err := systemQuery(r)
	if err != nil {
		return err
	}
	var body api.PowerTarget
	if err := decodeJSON(r, &body); err != nil {
		return err
	}
	if err := h.svc.SetSystemPower(r.Context(), id, podmID, body.Target); err != nil {
		return err
	}
	return noContent(w)
}

func (h *handlers) injectSystemNMI(w http.ResponseWriter, r *http.Request) error {
	id, podmID, err := systemQuery(r)
	if err != nil {
		return err
	}
	if err := h.svc.InjectSystemNMI(r.Context(), id, podmID); err != nil {
		return err
	}
	return noContent(w)
}
