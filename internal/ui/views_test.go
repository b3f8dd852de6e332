package ui

import (
	"context"
	"testing"

	"github.com/valence-rsd/valence/api"
	"github.com/valence-rsd/valence/api/client"
	"github.com/valence-rsd/valence/internal/stacktest"
)

// apiAs is an API client of the fixture's server as user (password
// "pw-<user>"), to set up or check what a view shows.
func (f *fixture) apiAs(t *testing.T, user string) *client.Client {
	t.Helper()
	c, err := client.New(f.srv.URL, client.WithAuth(client.Basic{Username: user, Password: "pw-" + user}))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// register registers the fixture's emulated pod manager as name.
func (f *fixture) register(t *testing.T, name string) *api.PodManager {
	t.Helper()
	pm, err := f.apiAs(t, "admin").CreatePodManager(context.Background(), api.PodManagerCreate{
		Name: name, URL: f.stack.SimURL,
		Authentication: []api.Authentication{{Type: "basic",
			AuthItems: api.AuthItems{Username: stacktest.SimUser, Password: stacktest.SimPassword}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return pm
}

// compose composes a node as user and returns it.
func (f *fixture) compose(t *testing.T, user, name string) *api.Node {
	t.Helper()
	n, err := f.apiAs(t, user).ComposeNode(context.Background(), api.NodeCompose{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	return n
}
