// Package stacktest runs valence-api's core in-process for tests: the real
// core, bolt store and pod-manager adapter, in front of an emulated pod
// manager; a test puts the router (internal/server) in front of it. Tests
// that need the binaries as a user runs them live in tests/functional.
package stacktest

import (
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/rs/zerolog"

	"github.com/valence-rsd/valence/internal/podm"
	"github.com/valence-rsd/valence/internal/rsdsim"
	"github.com/valence-rsd/valence/internal/store/bolt"
	"github.com/valence-rsd/valence/internal/valence"
)

// The credentials of the emulated pod manager.
const (
	SimUser     = "admin"
	SimPassword = "secret"
)

// Stack is a running core and the pod manager behind it.
type Stack struct {
	// Service is the core, over a bolt store in the test's temporary directory.
	Service *valence.Service
	// Sim is the emulated pod manager, not yet registered with the core.
	Sim *rsdsim.Simulator
	// SimURL is the emulated pod manager's base URL.
	SimURL string
}

// Start runs a core and a pod manager made from sim (with SimUser and
// SimPassword unless sim names others); both stop when the test ends.
func Start(t *testing.T, sim rsdsim.Config) *Stack {
	t.Helper()
	if sim.Username == "" {
		sim.Username, sim.Password = SimUser, SimPassword
	}
	s, err := rsdsim.New(sim)
	if err != nil {
		t.Fatal(err)
	}
	simSrv := httptest.NewServer(s)
	t.Cleanup(func() { simSrv.Close(); s.Close() })
	st, err := bolt.Open(filepath.Join(t.TempDir(), "valence.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	svc := valence.New(valence.Options{Store: st, Connector: podm.NewConnector(podm.Options{}), Log: zerolog.Nop()})
	t.Cleanup(svc.Close)
	return &Stack{Service: svc, Sim: s, SimURL: simSrv.URL}
}
