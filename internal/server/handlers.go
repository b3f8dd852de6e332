package server

import (
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/valence-rsd/valence/api"
	"github.com/valence-rsd/valence/internal/auth"
	"github.com/valence-rsd/valence/internal/memo"
	"github.com/valence-rsd/valence/internal/valence"
)

// handlers serve the v1 resources: decode, authorize, call the core, render.
type handlers struct {
	svc    *valence.Service
	policy *auth.Policy
	// systemsJSON keeps the encoded systems lists (see inventoryPage).
	systemsJSON memo.Versioned[[]byte]
	// nodesJSON keeps each listed node's encoding (see writeNodes).
	nodesJSON *memo.Of[valence.Node, []byte]
}

// routes mounts every v1 resource on r.
func (h *handlers) routes(r chi.Router) {
	// Each resource is a sub-router with GetHead of its own: the root's sees
	// only the mount, which takes every method, so HEAD would be a 405 here
	// (go-chi/chi#755).
	route := func(pattern string, fn func(r chi.Router)) {
		r.Route(pattern, func(r chi.Router) {
			r.Use(middleware.GetHead)
			fn(r)
		})
	}
	route("/v1/pod_managers", func(r chi.Router) {
		r.Get("/", h.op(auth.RulePodManagerList, h.listPodManagers))
		r.Post("/", h.op(auth.RulePodManagerCreate, h.createPodManager))
		r.Get("/{uuid}", h.op(auth.RulePodManagerGet, h.getPodManager))
		r.Get("/{uuid}/capacity", h.op(auth.RulePodManagerGet, h.getPodManagerCapacity))
		r.Patch("/{uuid}", h.op(auth.RulePodManagerUpdate, h.updatePodManager))
		r.Delete("/{uuid}", h.op(auth.RulePodManagerDelete, h.deletePodManager))
	})
	route("/v1/flavors", func(r chi.Router) {
		r.Get("/", h.op(auth.RuleFlavorList, h.listFlavors))
		r.Post("/", h.op(auth.RuleFlavorCreate, h.createFlavor))
		r.Get("/{uuid}", h.op(auth.RuleFlavorGet, h.getFlavor))
		r.Patch("/{uuid}", h.op(auth.RuleFlavorUpdate, h.updateFlavor))
		r.Delete("/{uuid}", h.op(auth.RuleFlavorDelete, h.deleteFlavor))
	})
	route("/v1/nodes", func(r chi.Router) {
		r.Get("/", h.op(auth.RuleNodeList, h.listNodes))
		r.Post("/", h.op(auth.RuleNodeCompose, h.composeNode))
		r.Post("/manage", h.op(auth.RuleNodeAdopt, h.adoptNode))
		// The rules of one node are checked against the node's project.
		r.Get("/{uuid}", h.nodeOp(auth.RuleNodeGet, h.getNode))
		r.Delete("/{uuid}", h.nodeOp(auth.RuleNodeDecompose, h.decomposeNode))
		// An action's rule depends on which action the body asks for.
		r.Post("/{uuid}/action", checked(h.nodeAction))
		r.Get("/{uuid}/states", h.nodeOp(auth.RuleNodeGet, h.nodeStates))
		r.Put("/{uuid}/states/power", h.nodeOp(auth.RuleNodePower, h.setPower))
		r.Put("/{uuid}/management/inject_nmi", h.nodeOp(auth.RuleNodePower, h.injectNMI))
		r.Get("/{uuid}/storages", h.nodeOp(auth.RuleNodeListStorages, h.nodeStorages))
	})
	route("/v1/systems", func(r chi.Router) {
		r.Get("/", h.op(auth.RuleSystemList, h.listSystems))
		r.Get("/{id}", h.op(auth.RuleSystemGet, h.getSystem))
		// Like a node's action, this checks the rule of the action its body names.
		r.Post("/{id}/action", checked(h.systemAction))
		r.Put("/{id}/states/power", h.op(auth.RuleSystemPower, h.setSystemPower))
		r.Put("/{id}/management/inject_nmi", h.op(auth.RuleSystemPower, h.injectSystemNMI))
	})
	route("/v1/racks", func(r chi.Router) {
		r.Get("/", h.op(auth.RuleRackList, h.listRacks))
		r.Get("/{id}", h.op(auth.RuleRackGet, h.getRack))
	})
	route("/v1/storages", func(r chi.Router) {
		r.Get("/", h.op(auth.RuleStorageList, h.listStorages))
		r.Post("/", h.op(auth.RuleStorageCreate, h.createStorage))
		r.Get("/{id}", h.op(auth.RuleStorageGet, h.getStorage))
		r.Delete("/{id}", h.op(auth.RuleStorageDelete, h.deleteStorage))
	})
}

// op makes an http.HandlerFunc of a handler that returns its error: it
// checks the operation's policy rule first and renders any failure.
func (h *handlers) op(rule string, fn func(http.ResponseWriter, *http.Request) error) http.HandlerFunc {
	return checked(func(w http.ResponseWriter, r *http.Request) error {
		if err := h.authorize(r, rule); err != nil {
			return err
		}
		return fn(w, r)
	})
}

// checked makes an http.HandlerFunc of a handler that returns its error; an
// overlong parameter (checkParams) and a write whose body is not JSON
// (requireJSON) are refused before it runs.
func checked(fn func(http.ResponseWriter, *http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		err := checkParams(r)
		if err == nil {
			err = requireJSON(r)
		}
		if err == nil {
			err = fn(w, r)
		}
		if err != nil {
			renderError(w, r, err)
		}
	}
}

// The ends of a handler: each writes the answer and returns nil.

// ok answers 200 with v.
func ok(w http.ResponseWriter, v any) error {
	writeJSON(w, http.StatusOK, v)
	return nil
}

// created answers 201 with the new object and its Location.
func created(w http.ResponseWriter, r *http.Request, collection, id string, v any) error {
	w.Header().Set("Location", baseURL(r)+"/v1/"+collection+"/"+id)
	writeJSON(w, http.StatusCreated, v)
	return nil
}

// deleted answers Valence's confirmation body.
func deleted(w http.ResponseWriter, r *http.Request, detail string) error {
	return ok(w, api.Confirmation{Code: "DELETED", Detail: detail, RequestID: RequestID(r.Context())})
}

// noContent answers 204 for an action done.
func noContent(w http.ResponseWriter) error {
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// list answers a page of items, with the Link to the next one.
func list[T, U any](w http.ResponseWriter, r *http.Request, p valence.Page, items []T, more bool, id func(T) string, out func(T) U) error {
	if len(items) > 0 {
		setNextLink(w, r, p, more, id(items[len(items)-1]))
	}
	return ok(w, mapAll(items, out))
}

// openAPI serves the contract.
func openAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/yaml")
	w.Write(api.OpenAPI)
}

// docs serves the API reference page. It needs nothing from elsewhere, and
// the policy header keeps it that way: no script, no fetch, inline style only.
func docs(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	w.Write(api.ReferenceHTML)
}
