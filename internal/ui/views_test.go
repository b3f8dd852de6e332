package ui

import (
	"testing"

	"github.com/valence-rsd/valence/api/client"
)

// apiAs is a typed API client of the fixture's server as user (password
// "pw-<user>"), to set up or check what a view shows.
func (f *fixture) apiAs(t *testing.T, user string) *client.Client {
	t.Helper()
	c, err := client.New(f.srv.URL, client.WithAuth(client.Basic{Username: user, Password: "pw-" + user}))
	if err != nil {
		t.Fatal(err)
	}
	return c
}
