package valence_test

import (
	"testing"

	"github.com/valence-rsd/valence/internal/store/storetest"
	"github.com/valence-rsd/valence/internal/valence"
)

// TestFakeStoreContract holds the core tests' fake store to the contract the
// real stores pass, so that what the tests show holds with bolt and etcd too.
func TestFakeStoreContract(t *testing.T) {
	storetest.Run(t, func(*testing.T) valence.Store { return valence.NewFakeStore() })
}
