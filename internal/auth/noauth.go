package auth

import (
	"context"
	"net/http"

	"github.com/valence-rsd/valence/internal/valence"
)

// NoauthProjectID is the project of every caller under noauth, so nodes
// composed then are recorded in a project a later Keystone setup can map.
const NoauthProjectID = "default"

// noauth makes every caller an admin; for a lab or a demo only.
type noauth struct{}

// Authenticate returns the noauth admin, whatever the request carries.
func (noauth) Authenticate(context.Context, *http.Request) (valence.Caller, error) {
	return valence.Caller{
		UserID: "noauth", UserName: "noauth",
		ProjectID: NoauthProjectID, ProjectName: NoauthProjectID,
		// A fresh slice per call, so no request can change another's roles.
		Roles: []string{"admin", "member", "reader"},
	}, nil
}

// Challenge is empty: noauth never answers 401.
func (noauth) Challenge() string { return "" }
