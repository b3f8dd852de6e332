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

// authorize checks a policy rule for the caller against its own project:
// node operations reach only nodes the caller's scope can see, so the
// caller's project is the target's.
func (h *handlers) authorize(r *http.Request, rule string) error {
	c := caller(r)
	return h.policy.Authorize(rule, c, auth.Target{"project_id": c.ProjectID})
}

// scope is which projects' nodes the caller may see.
func (h *handlers) scope(r *http.Request) valence.Scope {
	c := caller(r)
	all := h.policy.Authorize(auth.RuleNodeListAllProjects, c, auth.Target{"project_id": c.ProjectID}) == nil
	return valence.Scope{ProjectID: c.ProjectID, AllProjects: all}
}
