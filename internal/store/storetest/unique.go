package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/valence-rsd/valence/internal/valence"
)

func testUniqueCreate(t *testing.T, s valence.Store) {
	ctx := t.Context()
	pm := valence.Record{
		Kind:   valence.KindPodManager,
		ID:     "pm1",
		Unique: map[string]string{"name": "rack-1", "url": "https://10.0.0.1:8443/redfish/v1"},
	}
	mustCreate(t, s, pm)

	clash := pm
	clash.ID, clash.Unique = "pm2", map[string]string{"name": "rack-2", "url": pm.Unique["url"]}
	_, err := s.Create(ctx, clash)
	wantCode(t, "Create with a taken url", err, valence.Conflict)
	wantMessage(t, "Create with a taken url", err, "pod_managers", "url", pm.Unique["url"])
	wantTaken(t, "Create with a taken url", err, "url", pm.Unique["url"])
	_, err = s.Get(ctx, valence.KindPodManager, "pm2")
	wantCode(t, "Get of the refused record", err, valence.NotFound)

	// The refused create must not have claimed rack-2 on the way.
	ok := pm
	ok.ID, ok.Unique = "pm3", map[string]string{"name": "rack-2", "url": "https://10.0.0.3/"}
	mustCreate(t, s, ok)

	// A value is unique per index and per kind, and empty values are not indexed.
	mustCreate(t, s, valence.Record{Kind: valence.KindPodManager, ID: "pm4", Unique: map[string]string{"name": pm.Unique["url"]}})
	mustCreate(t, s, valence.Record{Kind: valence.KindFlavor, ID: "f1", Unique: map[string]string{"name": "rack-1"}})
	mustCreate(t, s, valence.Record{Kind: valence.KindFlavor, ID: "f2", Unique: map[string]string{"name": ""}})
	mustCreate(t, s, valence.Record{Kind: valence.KindFlavor, ID: "f3", Unique: map[string]string{"name": ""}})
}

// wantTaken fails the test unless err's cause is the *valence.Taken of index and value,
// which the core reads to name the clashing field in the caller's words.
func wantTaken(t *testing.T, what string, err error, index, value string) {
	t.Helper()
	var taken *valence.Taken
	if !errors.As(err, &taken) || taken.Index != index || taken.Value != value {
		t.Errorf("%s: %v does not carry the *valence.Taken of %s %q", what, err, index, value)
	}
}

func testUniqueUpdate(t *testing.T, s valence.Store) {
	ctx := t.Context()
	a := mustCreate(t, s, node("a", "alpha"))
	b := mustCreate(t, s, node("b", "beta"))

	b.Unique = map[string]string{"name": "alpha"}
	_, err := s.Update(ctx, b)
	wantCode(t, "Update to a taken name", err, valence.Conflict)
	wantMessage(t, "Update to a taken name", err, "nodes", "name", "alpha")
	wantTaken(t, "Update to a taken name", err, "name", "alpha")
	if got := mustGet(t, s, valence.KindNode, "b").Unique["name"]; got != "beta" {
		t.Errorf("refused update changed the name to %q", got)
	}

	// Keeping one's own name is no clash.
	a.Fields = map[string]string{"state": "active"}
	a, err = s.Update(ctx, a)
	if err != nil {
		t.Fatalf("Update keeping the name: %v", err)
	}
	// Renaming frees the old name and takes the new one.
	a.Unique = map[string]string{"name": "alpha-2"}
	if _, err = s.Update(ctx, a); err != nil {
		t.Fatalf("rename: %v", err)
	}
	mustCreate(t, s, node("c", "alpha"))
	_, err = s.Create(ctx, node("d", "alpha-2"))
	wantCode(t, "Create with the new name", err, valence.Conflict)

	// Dropping an index frees its value.
	b = mustGet(t, s, valence.KindNode, "b")
	b.Unique = nil
	if _, err = s.Update(ctx, b); err != nil {
		t.Fatalf("Update dropping the name: %v", err)
	}
	mustCreate(t, s, node("e", "beta"))
}

func testUniqueFreedOnDelete(t *testing.T, s valence.Store) {
	rec := mustCreate(t, s, node("a", "alpha"))
	if err := s.Delete(t.Context(), valence.KindNode, "a", rec.Revision); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	mustCreate(t, s, node("b", "alpha"))
	// A record may come back under its old id.
	mustCreate(t, s, node("a", "alpha-again"))
}

// concurrently runs fn(i) for i in [0, n) at once and returns the errors.
func concurrently(n int, fn func(i int) error) []error {
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = fn(i)
		})
	}
	close(start)
	wg.Wait()
	return errs
}

// wantOneWinner fails the test unless exactly one call succeeded and all
// the others were refused with Conflict.
func wantOneWinner(t *testing.T, what string, errs []error) {
	t.Helper()
	wins := 0
	for _, err := range errs {
		if err == nil {
			wins++
		} else {
			wantCode(t, what, err, valence.Conflict)
		}
	}
	if wins != 1 {
		t.Errorf("%s: %d winners among %d racers, want exactly 1", what, wins, len(errs))
	}
}

func testConcurrentCreates(t *testing.T, s valence.Store) {
	const racers, rounds = 8, 5
	for r := range rounds {
		name := fmt.Sprintf("contested-%d", r)
		errs := concurrently(racers, func(i int) error {
			_, err := s.Create(t.Context(), node(fmt.Sprintf("n-%d-%d", r, i), name))
			return err
		})
		wantOneWinner(t, "Create of "+name, errs)

		id := fmt.Sprintf("same-id-%d", r)
		errs = concurrently(racers, func(i int) error {
			_, err := s.Create(t.Context(), node(id, fmt.Sprintf("%s-%d", id, i)))
			return err
		})
		wantOneWinner(t, "Create of id "+id, errs)
	}
	recs, _, err := s.List(t.Context(), valence.KindNode, valence.ListOptions{})
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	if len(recs) != 2*rounds {
		t.Errorf("%d records stored, want %d", len(recs), 2*rounds)
	}
}

func testConcurrentUpdates(t *testing.T, s valence.Store) {
	const racers, rounds = 8, 5
	rec := mustCreate(t, s, node("n1", "alpha"))
	for r := range rounds {
		errs := concurrently(racers, func(i int) error {
			mine := rec
			mine.Fields = map[string]string{"writer": fmt.Sprint(i)}
			_, err := s.Update(t.Context(), mine)
			return err
		})
		wantOneWinner(t, fmt.Sprintf("Update round %d", r), errs)
		rec = mustGet(t, s, valence.KindNode, "n1")
	}
}
