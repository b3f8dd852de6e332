package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/go-chi/chi/v5"

	"github.com/valence-rsd/valence/api"
	"github.com/valence-rsd/valence/internal/memo"
	"github.com/valence-rsd/valence/internal/valence"
)

// podmFilter reads the pod manager an inventory call is narrowed to: the
// podm_id query parameter, or Valence's JSON body {"podm_id": …} on GET.
// Any other filter is refused.
func podmFilter(r *http.Request) (string, error) {
	_, filters, err := listQuery(r)
	if err != nil {
		return "", err
	}
	for k := range filters {
		if k != "podm_id" {
			return "", valence.Errorf(valence.Invalid, "unknown filter %q; the filter is podm_id", k)
		}
	}
	if id := filters["podm_id"]; id != "" {
		return id, nil
	}
	b, err := readBody(r)
	if err != nil || len(strings.TrimSpace(string(b))) == 0 {
		return "", err
	}
	// Valence's clients send other keys here too (show_detail); only
	// podm_id means anything, and a body that is not an object is ignored
	// as on any GET.
	var body struct {
		PodmID string `json:"podm_id"`
	}
	_ = json.Unmarshal(b, &body)
	return body.PodmID, nil
}

// inventoryPage answers one page of a live inventory list: the items after
// the one whose key is the marker, with a Link to the next page, and a
// Warning for each unreachable pod manager and, when warns is given, for
// each problem warns names in an item of the page.
func inventoryPage[T, U any](w http.ResponseWriter, r *http.Request, inv valence.Inventory[T], key func(T) string, out func(T) U, warns func(T) []string, enc *memo.Versioned[[]byte], encKey string) error {
	p, _, err := listQuery(r)
	if err != nil {
		return err
	}
	items := inv.Items
	if p.Marker != "" {
		i := slices.IndexFunc(items, func(it T) bool { return key(it) == p.Marker })
		if i < 0 {
			return valence.Errorf(valence.Invalid, "marker %q is not an item of this list", p.Marker)
		}
		items = items[i+1:]
	}
	more := p.Limit > 0 && len(items) > p.Limit
	if more {
		items = items[:p.Limit]
	}
	warnUnreachable(w, inv.Unreachable, inv.Stale)
	if warns != nil {
		var all []string
		for _, it := range items {
			all = append(all, warns(it)...)
		}
		warnItems(w, all)
	}
	if enc != nil && p.Limit == 0 && p.Marker == "" && inv.Version != "" {
		// The whole list, made of cached reads: its encoding is cached too.
		writeBody(w, http.StatusOK, enc.Get(encKey, inv.Version, func() []byte { return encodeJSON(mapAll(items, out)) }))
		return nil
	}
	return list(w, r, p, items, more, key, out)
}

// maxItemWarnings bounds the Warning headers about items of one answer; the
// rest are counted in one more, and every item keeps its own warnings.
const maxItemWarnings = 20

// warnItems adds a Warning header (RFC 7234 warn-code 199) for each message.
func warnItems(w http.ResponseWriter, msgs []string) {
	for i, m := range msgs {
		if i == maxItemWarnings {
			m = fmt.Sprintf("%d more warnings; see the items' warnings", len(msgs)-i)
		}
		w.Header().Add("Warning", `199 valence "`+quotedText(m)+`"`)
		if i == maxItemWarnings {
			return
		}
	}
}

// quotedText makes s fit an HTTP quoted-string: quotes and backslashes are
// escaped, control characters dropped.
func quotedText(s string) string {
	var b strings.Builder
	for _, c := range s {
		switch {
		case c == '"' || c == '\\':
			b.WriteRune('\\')
			b.WriteRune(c)
		case c < 0x20 || c == 0x7f:
		default:
			b.WriteRune(c)
		}
	}
	return b.String()
}

// warnUnreachable names, in a Warning header, the pod managers whose items
// are missing from a list, and those whose items are from an earlier read
// because they did not answer its refresh.
func warnUnreachable(w http.ResponseWriter, names, stale []string) {
	for _, n := range names {
		w.Header().Add("Warning", fmt.Sprintf(`199 valence "pod manager %s is unreachable; its items are missing"`, n))
	}
	for _, n := range stale {
		w.Header().Add("Warning", fmt.Sprintf(`199 valence "pod manager %s did not answer a refresh; its items are from an earlier read"`, n))
	}
}

func (h *handlers) listSystems(w http.ResponseWriter, r *http.Request) error {
	podmID, err := podmFilter(r)
	if err != nil {
		return err
	}
	inv, err := h.svc.Systems(r.Context(), podmID)
	if err != nil {
		return err
	}
	return inventoryPage(w, r, inv, systemKey(inv.Items), systemOut, func(s valence.System) []string {
		out := make([]string, len(s.Warnings))
		for i, m := range s.Warnings {
			out[i] = fmt.Sprintf("system %s of pod manager %s (%s): %s", s.ID, s.PodmName, s.PodmID, m)
		}
		return out
	}, &h.systemsJSON, podmID)
}

// systemKey returns the paging key of the systems of a list: the UUID, or
// podm_id:Id for a system whose UUID is missing or shared with another.
// What it needs of the whole list is counted on its first use, so that a
// whole warm list, written from its kept encoding, counts nothing.
func systemKey(systems []valence.System) func(valence.System) string {
	seen := sync.OnceValue(func() map[string]int {
		m := make(map[string]int, len(systems))
		for _, s := range systems {
			m[s.UUID]++
		}
		return m
	})
	return func(s valence.System) string {
		if s.UUID != "" && seen()[s.UUID] == 1 {
			return s.UUID
		}
		return s.PodmID + ":" + s.ID
	}
}

func (h *handlers) getSystem(w http.ResponseWriter, r *http.Request) error {
	podmID, err := podmFilter(r)
	if err != nil {
		return err
	}
	sys, err := h.svc.GetSystem(r.Context(), chi.URLParam(r, "id"), podmID)
	if err != nil {
		return err
	}
	return ok(w, systemOut(sys))
}

func (h *handlers) listRacks(w http.ResponseWriter, r *http.Request) error {
	podmID, err := podmFilter(r)
	if err != nil {
		return err
	}
	inv, err := h.svc.Racks(r.Context(), podmID)
	if err != nil {
		return err
	}
	// A rack's Id is unique only within its pod manager, so the marker
	// names both.
	return inventoryPage(w, r, inv, func(k valence.Rack) string { return k.PodmID + ":" + k.ID }, rackOut, nil, nil, "")
}

func (h *handlers) getRack(w http.ResponseWriter, r *http.Request) error {
	podmID, err := podmFilter(r)
	if err != nil {
		return err
	}
	rack, err := h.svc.GetRack(r.Context(), chi.URLParam(r, "id"), podmID)
	if err != nil {
		return err
	}
	return ok(w, rackOut(rack))
}

func (h *handlers) listStorages(w http.ResponseWriter, r *http.Request) error {
	podmID, err := podmFilter(r)
	if err != nil {
		return err
	}
	inv, err := h.svc.Volumes(r.Context(), podmID)
	if err != nil {
		return err
	}
	return inventoryPage(w, r, inv, func(v valence.Volume) string { return v.ID }, storageOut, nil, nil, "")
}

func (h *handlers) getStorage(w http.ResponseWriter, r *http.Request) error {
	v, err := h.svc.GetVolume(r.Context(), chi.URLParam(r, "id"))
	if err != nil {
		return err
	}
	return ok(w, storageOut(v))
}

func (h *handlers) createStorage(w http.ResponseWriter, r *http.Request) error {
	var body api.StorageCreate
	if err := decodeJSON(r, &body); err != nil {
		return err
	}
	v, err := h.svc.CreateVolume(r.Context(), volumeIn(body))
	if err != nil {
		return err
	}
	return created(w, r, "storages", v.ID, storageOut(v))
}

func (h *handlers) deleteStorage(w http.ResponseWriter, r *http.Request) error {
	id := chi.URLParam(r, "id")
	if err := h.svc.DeleteVolume(r.Context(), id); err != nil {
		return err
	}
	return deleted(w, r, "Storage "+id+" has been deleted.")
}
