package ui

import (
	"testing"

	"github.com/valence-rsd/valence/api"
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

func TestMemorySizes(t *testing.T) {
	for mib, want := range map[int]string{8192: "8 GiB", 512: "512 MiB", 1536: "1536 MiB", 0: "0 MiB", 1024: "1 GiB"} {
		if got := mebibytes(mib); got != want {
			t.Errorf("mebibytes(%d) = %q, want %q", mib, got, want)
		}
	}
	two := []api.MemoryInfo{{TotalMemoryMB: 8192}, {TotalMemoryMB: 8192}}
	if got := memorySummary(two); got != "16 GiB in 2 modules" {
		t.Errorf("two modules: %q", got)
	}
	if got := memorySummary(two[:1]); got != "8 GiB in 1 module" {
		t.Errorf("one module: %q", got)
	}
}
