package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/valence-rsd/valence/internal/valence"
)

// intent returns an intent record holding a unique value, so that its
// deletion is seen to free it.
func intent(id, name string) valence.Record {
	return valence.Record{
		Kind:          valence.KindIntent,
		ID:            id,
		SchemaVersion: 1,
		Unique:        map[string]string{"name": name},
		Fields:        map[string]string{"podm_id": "p1"},
		Data:          json.RawMessage(`{"uuid":"` + id + `"}`),
	}
}

func testCreateDeleting(t *testing.T, s valence.Store) {
	ctx := t.Context()
	mustCreate(t, s, intent("i1", "one"))
	got, err := s.CreateDeleting(ctx, node("n1", "web"), valence.KindIntent, "i1")
	if err != nil {
		t.Fatalf("CreateDeleting: %v", err)
	}
	wantSame(t, mustGet(t, s, valence.KindNode, "n1"), got)
	_, err = s.Get(ctx, valence.KindIntent, "i1")
	wantCode(t, "Get of the deleted record", err, valence.NotFound)
	mustCreate(t, s, intent("i2", "one")) // its unique value was freed

	// A refused half writes neither.
	_, err = s.CreateDeleting(ctx, node("n2", "db"), valence.KindIntent, "ghost")
	wantCode(t, "CreateDeleting of a missing record", err, valence.NotFound)
	_, err = s.Get(ctx, valence.KindNode, "n2")
	wantCode(t, "Get of a record created with a missing one", err, valence.NotFound)
	kept := mustGet(t, s, valence.KindIntent, "i2")
	_, err = s.CreateDeleting(ctx, node("n1", "other"), valence.KindIntent, "i2")
	wantCode(t, "CreateDeleting of an existing id", err, valence.Conflict)
	_, err = s.CreateDeleting(ctx, node("n3", "web"), valence.KindIntent, "i2")
	wantTaken(t, "CreateDeleting of a taken value", err, "name", "web")
	wantSame(t, mustGet(t, s, valence.KindIntent, "i2"), kept)
	_, err = s.Get(ctx, valence.KindNode, "n3")
	wantCode(t, "Get of a record refused", err, valence.NotFound)

	_, err = s.CreateDeleting(ctx, node("n4", "x"), valence.KindNode, "n1")
	wantCode(t, "CreateDeleting of the same kind", err, valence.Invalid)
	_, err = s.CreateDeleting(ctx, node("n4", "x"), valence.KindIntent, "")
	wantCode(t, "CreateDeleting of an empty id", err, valence.Invalid)
	_, err = s.CreateDeleting(ctx, node("n4", "x"), "bogus", "i2")
	wantCode(t, "CreateDeleting of an unknown kind", err, valence.Invalid)
	wantSame(t, mustGet(t, s, valence.KindIntent, "i2"), kept)

	canceled, cancel := context.WithCancel(ctx)
	cancel()
	_, err = s.CreateDeleting(canceled, node("n4", "x"), valence.KindIntent, "i2")
	wantCode(t, "CreateDeleting with a canceled context", err, valence.Timeout)
	wantSame(t, mustGet(t, s, valence.KindIntent, "i2"), kept)
}

// Of racers that each create their own record and delete the same one,
// exactly one succeeds; the others find it gone and create nothing.
func testConcurrentCreateDeleting(t *testing.T, s valence.Store) {
	const racers, rounds = 8, 5
	for r := range rounds {
		id := fmt.Sprintf("i-%d", r)
		mustCreate(t, s, intent(id, id))
		errs := concurrently(racers, func(i int) error {
			_, err := s.CreateDeleting(t.Context(), node(fmt.Sprintf("n-%d-%d", r, i), fmt.Sprintf("name-%d-%d", r, i)), valence.KindIntent, id)
			return err
		})
		wins := 0
		for i, err := range errs {
			_, gerr := s.Get(t.Context(), valence.KindNode, fmt.Sprintf("n-%d-%d", r, i))
			if err == nil {
				wins++
				if gerr != nil {
					t.Errorf("round %d: racer %d won but its record: %v", r, i, gerr)
				}
				continue
			}
			wantCode(t, "a racer that lost", err, valence.NotFound)
			wantCode(t, "Get of a loser's record", gerr, valence.NotFound)
		}
		if wins != 1 {
			t.Errorf("round %d: %d winners among %d racers, want exactly 1", r, wins, racers)
		}
	}
}
