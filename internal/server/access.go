package server

import (
	"net/http"

	"github.com/valence-rsd/valence/internal/auth"
	"github.com/valence-rsd/valence/internal/valence"
)

// caller is who makes the request, as the auth middleware established it.
func caller(r *http.Request) valence.Caller {
	c, _ := valence.CallerFrom(r.Context())
	return c
}

// authorize checks a policy rule that acts on no existing node, with the
// caller's own project as the target: compose and adopt record the node
// there. Rules about an existing node go through nodeScope instead.
func (h *handlers) authorize(r *http.Request, rule string) error {
	c := caller(r)
	return h.policy.Authorize(rule, c, auth.Target{"project_id": c.ProjectID})
}

// scope is which projects' nodes the caller may list (and adopt into): its
// own, or all of them when valence:node:list_all_projects allows.
func (h *handlers) scope(r *http.Request) valence.Scope {
	c := caller(r)
	all := h.policy.Authorize(auth.RuleNodeListAllProjects, c, auth.Target{"project_id": c.ProjectID}) == nil
	return valence.Scope{ProjectID: c.ProjectID, AllProjects: all}
}

// nodeScope is the scope of an operation under rule on one existing node:
// the policy decides with the node's own project as the target, so that
// list_all_projects, which widens lists only, widens nothing here. A node
// that valence:node:get denies is a 404, as if it did not exist; one the
// caller may see but not act on under rule, a 403.
func (h *handlers) nodeScope(r *http.Request, rule string) valence.Scope {
	c := caller(r)
	return valence.Scope{ProjectID: c.ProjectID, Allow: func(project string) error {
		t := auth.Target{"project_id": project}
		if err := h.policy.Authorize(auth.RuleNodeGet, c, t); err != nil {
			if valence.IsCode(err, valence.Forbidden) {
				return valence.Errorf(valence.NotFound, "hidden by %s", auth.RuleNodeGet)
			}
			return err
		}
		return h.policy.Authorize(rule, c, t)
	}}
}

// nodeOp makes an http.HandlerFunc of a handler of one existing node, which
// rule guards; the handler gets the scope that checks it.
func (h *handlers) nodeOp(rule string, fn func(http.ResponseWriter, *http.Request, valence.Scope) error) http.HandlerFunc {
	return checked(func(w http.ResponseWriter, r *http.Request) error {
		return fn(w, r, h.nodeScope(r, rule))
	})
}
