package bolt

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	bbolt "go.etcd.io/bbolt"

	"github.com/valence-rsd/valence/internal/valence"
)

// hold starts a write that keeps the store's transaction until release is
// closed, and returns once it holds it.
func hold(t *testing.T, s *Store) (release chan struct{}, done chan error) {
	t.Helper()
	held, release, done := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		done <- s.update(t.Context(), func(*bbolt.Tx) error {
			close(held)
			<-release
			return nil
		})
	}()
	<-held
	return release, done
}

// queued waits until n writes wait behind the one that holds the store.
func queued(t *testing.T, s *Store, n int) {
	t.Helper()
	// Not a timing assertion: a guard, so that a store that never queues
	// fails the test rather than hanging it.
	deadline := time.Now().Add(time.Minute)
	for {
		s.writes.mu.Lock()
		got := len(s.writes.queue)
		s.writes.mu.Unlock()
		if got >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d writes queued, want %d", got, n)
		}
		runtime.Gosched()
	}
}

// TestGroupCommit: the writes that arrive while a transaction commits are
// committed together, in the next one (one fsync for all), and each is
// acknowledged with its own result.
func TestGroupCommit(t *testing.T) {
	s := openTemp(t)
	defer s.Close()
	release, first := hold(t, s)

	const n = 10
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		txns = map[int]int{} // transaction id -> writes in it
	)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.update(t.Context(), func(tx *bbolt.Tx) error {
				mu.Lock()
				txns[tx.ID()]++
				mu.Unlock()
				_, err := put(tx, valence.Record{Kind: valence.KindNode, ID: fmt.Sprint("n", i), Data: []byte(`{}`)}, nil, nil)
				return err
			})
		}()
	}
	queued(t, s, n)
	close(release)
	if err := <-first; err != nil {
		t.Fatalf("the first write: %v", err)
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("write %d: %v", i, err)
		}
	}
	if len(txns) != 1 {
		t.Errorf("%d queued writes were committed in %d transactions (%v), want 1", n, len(txns), txns)
	}
	for i := range n {
		if _, err := s.Get(t.Context(), valence.KindNode, fmt.Sprint("n", i)); err != nil {
			t.Errorf("n%d: %v", i, err)
		}
	}
}

// TestGroupCommitFailures: a write of a group that fails (a taken name, a
// stale revision, a caller gone while it waited) fails alone, with its own
// error, and writes nothing; the others of its group are committed, even
// an Update that ran in a group attempt given up because of another.
func TestGroupCommitFailures(t *testing.T) {
	s := openTemp(t)
	defer s.Close()
	ctx := t.Context()
	node := func(id, name string) valence.Record {
		return valence.Record{Kind: valence.KindNode, ID: id, Unique: map[string]string{"name": name}, Data: []byte(`{}`)}
	}
	a, err := s.Create(ctx, node("a", "alpha"))
	if err != nil {
		t.Fatal(err)
	}
	release, first := hold(t, s)

	gone, cancel := context.WithCancel(ctx)
	type result struct {
		rec valence.Record
		err error
	}
	var wg sync.WaitGroup
	results := make([]result, 4)
	run := func(i int, fn func() (valence.Record, error)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rec, err := fn()
			results[i] = result{rec, err}
		}()
	}
	// The Update comes first, so that it has run in the attempts that the
	// failures after it abort.
	run(0, func() (valence.Record, error) { up := a; up.Data = []byte(`{"v":2}`); return s.Update(ctx, up) })
	queued(t, s, 1)
	run(1, func() (valence.Record, error) { return s.Create(ctx, node("b", "alpha")) }) // name taken
	queued(t, s, 2)
	// The caller's context ends while it waits: the store checks it once
	// its turn comes, so it must not write.
	run(2, func() (valence.Record, error) { return s.Create(gone, node("c", "gamma")) })
	queued(t, s, 3)
	cancel()
	run(3, func() (valence.Record, error) { return s.Create(ctx, node("d", "delta")) })
	queued(t, s, 4)
	close(release)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	wg.Wait()

	if r := results[0]; r.err != nil || r.rec.Revision <= a.Revision {
		t.Errorf("Update: %+v, %v; want a newer revision than %d", r.rec, r.err, a.Revision)
	}
	if r := results[1]; !valence.IsCode(r.err, valence.Conflict) {
		t.Errorf("Create of a taken name: %v, want Conflict", r.err)
	}
	if r := results[2]; !valence.IsCode(r.err, valence.Timeout) {
		t.Errorf("Create of a gone caller: %v, want Timeout", r.err)
	}
	if r := results[3]; r.err != nil {
		t.Errorf("Create: %v", r.err)
	}
	for id, want := range map[string]bool{"a": true, "b": false, "c": false, "d": true} {
		_, err := s.Get(ctx, valence.KindNode, id)
		if got := err == nil; got != want {
			t.Errorf("%s stored: %v, want %v (%v)", id, got, want, err)
		}
	}
	if rec, err := s.Get(ctx, valence.KindNode, "a"); err != nil || string(rec.Data) != `{"v":2}` {
		t.Errorf("a after the Update: %s, %v", rec.Data, err)
	}
}
