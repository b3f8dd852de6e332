package server

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/valence-rsd/valence/api"
	"github.com/valence-rsd/valence/internal/valence"
)

func (h *handlers) listFlavors(w http.ResponseWriter, r *http.Request) error {
	p, filters, err := listQuery(r)
	if err != nil {
		return err
	}
	fs, more, err := h.svc.ListFlavors(r.Context(), filters, p)
	if err != nil {
		return err
	}
	return list(w, r, p, fs, more, func(f valence.Flavor) string { return f.UUID }, flavorOut)
}

func (h *handlers) createFlavor(w http.ResponseWriter, r *http.Request) error {
	var body api.FlavorCreate
	if err := decodeJSON(r, &body); err != nil {
		return err
	}
	f, err := h.svc.CreateFlavor(r.Context(), valence.FlavorSpec{Name: body.Name, Description: body.Description, Properties: propertiesIn(body.Properties)})
	if err != nil {
		return err
	}
	return created(w, r, "flavors", f.UUID, flavorOut(f))
}

func (h *handlers) getFlavor(w http.ResponseWriter, r *http.Request) error {
	f, err := h.svc.GetFlavor(r.Context(), chi.URLParam(r, "uuid"))
	if err != nil {
		return err
	}
	return ok(w, flavorOut(f))
}

func (h *handlers) updateFlavor(w http.ResponseWriter, r *http.Request) error {
	patch, err := readBody(r)
	if err != nil {
		return err
	}
	if err := checkFlavorPatch(patch); err != nil {
		return err
	}
	f, err := h.svc.UpdateFlavor(r.Context(), chi.URLParam(r, "uuid"), func(sp *valence.FlavorSpec) error {
		next, err := mergeFlavorPatch(*sp, patch)
		*sp = next
		return err
	})
	if err != nil {
		return err
	}
	return ok(w, flavorOut(f))
}

// checkFlavorPatch checks a patch alone, before any record is read.
func checkFlavorPatch(patch []byte) error {
	if keys := patchKeys(patch); keys["uuid"] {
		return valence.Errorf(valence.Invalid, "uuid cannot be changed")
	}
	var check api.FlavorUpdate
	return unmarshalStrict(patch, &check)
}

// mergeFlavorPatch is sp with a checked patch applied, for the core to
// validate like a create.
func mergeFlavorPatch(sp valence.FlavorSpec, patch []byte) (valence.FlavorSpec, error) {
	// The stored form's numbers decode into the input form unchanged.
	current := struct {
		Name        string               `json:"name"`
		Description string               `json:"description"`
		Properties  api.FlavorProperties `json:"properties"`
	}{sp.Name, sp.Description, propertiesOut(sp.Properties)}
	var merged api.FlavorCreate
	if err := applyPatch(current, patch, &merged); err != nil {
		return sp, err
	}
	return valence.FlavorSpec{Name: merged.Name, Description: merged.Description, Properties: propertiesIn(merged.Properties)}, nil
}

func (h *handlers) deleteFlavor(w http.ResponseWriter, r *http.Request) error {
	id := chi.URLParam(r, "uuid")
	if err := h.svc.DeleteFlavor(r.Context(), id); err != nil {
		return err
	}
	return deleted(w, r, "This flavor "+id+" has been deleted successfully")
}
