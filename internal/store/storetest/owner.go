package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/valence-rsd/valence/internal/valence"
)

// endedTimeout bounds the wait for OwnersEnded after another store closed:
// a close revokes at once, so this only absorbs a loaded machine.
const endedTimeout = 10 * time.Second

func testOwner(t *testing.T, s valence.Store) {
	ctx := t.Context()
	own := s.Owner()
	if own == "" || s.Owner() != own {
		t.Fatalf("Owner %q, then %q: want one non-empty id", own, s.Owner())
	}
	for owner, want := range map[string]bool{own: true, "no-such-owner": false, "": false} {
		alive, err := s.OwnerAlive(ctx, owner)
		if err != nil || alive != want {
			t.Errorf("OwnerAlive(%q) = %v, %v; want %v", owner, alive, err, want)
		}
	}
	done, cancel := context.WithCancel(ctx)
	cancel()
	_, err := s.OwnerAlive(done, own)
	wantCode(t, "OwnerAlive after cancel", err, valence.Timeout)
	if s.OwnersEnded() == nil {
		t.Errorf("OwnersEnded is nil")
	}
}

// RunOwners checks how owners end, on stores that share a backend. backend
// returns, for a new empty backend, a function that opens a store on it;
// the suite closes what it opens. shared says whether two stores may be
// open on the backend at once (etcd), or only one after the other (bolt).
func RunOwners(t *testing.T, backend func(t *testing.T) (open func() valence.Store), shared bool) {
	t.Run("ClosedOwnerIsDead", func(t *testing.T) {
		t.Parallel()
		open := backend(t)
		a := open()
		ownerA := a.Owner()
		if err := a.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		b := open()
		defer b.Close()
		if b.Owner() == ownerA {
			t.Errorf("two opens share the owner %q", ownerA)
		}
		if alive, err := b.OwnerAlive(t.Context(), ownerA); err != nil || alive {
			t.Errorf("OwnerAlive of a closed store's owner = %v, %v; want false", alive, err)
		}
	})
	if !shared {
		return
	}
	t.Run("OtherOwnerEnds", func(t *testing.T) {
		t.Parallel()
		open := backend(t)
		a, b := open(), open()
		defer b.Close()
		ownerA := a.Owner()
		if alive, err := b.OwnerAlive(t.Context(), ownerA); err != nil || !alive {
			t.Fatalf("OwnerAlive of an open store's owner = %v, %v; want true", alive, err)
		}
		if err := a.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		select {
		case <-b.OwnersEnded():
		case <-time.After(endedTimeout):
			t.Fatalf("OwnersEnded did not receive within %s of another store's Close", endedTimeout)
		}
		if alive, err := b.OwnerAlive(t.Context(), ownerA); err != nil || alive {
			t.Errorf("OwnerAlive of a closed store's owner = %v, %v; want false", alive, err)
		}
	})
}
