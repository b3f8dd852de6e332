package server

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/valence-rsd/valence/api"
	"github.com/valence-rsd/valence/internal/valence"
)

func (h *handlers) listPodManagers(w http.ResponseWriter, r *http.Request) error {
	p, filters, err := listQuery(r)
	if err != nil {
		return err
	}
	pms, more, err := h.svc.ListPodManagers(r.Context(), filters, p)
	if err != nil {
		return err
	}
	return list(w, r, p, pms, more, func(pm valence.PodManager) string { return pm.UUID }, podManagerOut)
}

func (h *handlers) createPodManager(w http.ResponseWriter, r *http.Request) error {
	var body api.PodManagerCreate
	if err := decodeJSON(r, &body); err != nil {
		return err
	}
	sp, err := podManagerIn(body)
	if err != nil {
		return err
	}
	pm, err := h.svc.CreatePodManager(r.Context(), sp)
	if err != nil {
		return err
	}
	return created(w, r, "pod_managers", pm.UUID, podManagerOut(pm))
}

func (h *handlers) getPodManager(w http.ResponseWriter, r *http.Request) error {
	pm, err := h.svc.GetPodManager(r.Context(), chi.URLParam(r, "uuid"))
	if err != nil {
		return err
	}
	return ok(w, podManagerOut(pm))
}

func (h *handlers) getPodManagerCapacity(w http.ResponseWriter, r *http.Request) error {
	c, err := h.svc.Capacity(r.Context(), chi.URLParam(r, "uuid"))
	if err != nil {
		return err
	}
	return ok(w, capacityOut(c))
}

func (h *handlers) updatePodManager(w http.ResponseWriter, r *http.Request) error {
	patch, err := readBody(r)
	if err != nil {
		return err
	}
	if err := checkPodManagerPatch(patch); err != nil {
		return err
	}
	pm, err := h.svc.UpdatePodManager(r.Context(), chi.URLParam(r, "uuid"), func(sp *valence.PodManagerSpec) error {
		next, err := mergePodManagerPatch(*sp, patch)
		*sp = next
		return err
	})
	if err != nil {
		return err
	}
	return ok(w, podManagerOut(pm))
}

// checkPodManagerPatch checks a patch alone, before any record is read, so
// that an unknown or read-only field is named as the caller wrote it.
func checkPodManagerPatch(patch []byte) error {
	keys := patchKeys(patch)
	for _, readOnly := range []string{"uuid", "url", "driver"} {
		if keys[readOnly] {
			return valence.Errorf(valence.Invalid, "%s cannot be changed", readOnly)
		}
	}
	var check api.PodManagerUpdate
	return unmarshalStrict(patch, &check)
}

// mergePodManagerPatch is sp with a checked patch applied, for the core to
// validate like a create.
func mergePodManagerPatch(sp valence.PodManagerSpec, patch []byte) (valence.PodManagerSpec, error) {
	var merged api.PodManagerCreate
	if err := applyPatch(podManagerCreateOf(sp), patch, &merged); err != nil {
		return sp, err
	}
	return podManagerIn(merged)
}

func (h *handlers) deletePodManager(w http.ResponseWriter, r *http.Request) error {
	force := r.URL.Query().Get("force")
	if force != "" && force != "true" && force != "false" {
		return valence.Errorf(valence.Invalid, "force must be true or false, not %q", force)
	}
	id := chi.URLParam(r, "uuid")
	if err := h.svc.DeletePodManager(r.Context(), id, force == "true"); err != nil {
		return err
	}
	return deleted(w, r, "Pod manager "+id+" has been deleted.")
}
