package records

import (
	"context"
	"errors"

	"github.com/valence-rsd/valence/internal/valence"
)

// NotFound reports a missing record.
func NotFound(kind valence.Kind, id string) error {
	return valence.Errorf(valence.NotFound, "%s %q not found", kind, id)
}

// Exists reports a Create of an id that is already taken.
func Exists(kind valence.Kind, id string) error {
	return valence.Errorf(valence.Conflict, "%s %q already exists", kind, id)
}

// Taken reports a unique value held by another record; its cause, a
// *valence.Taken, names the index and value so that the core can say which
// field to change.
func Taken(kind valence.Kind, c Claim) error {
	return valence.Wrap(&valence.Taken{Index: c.Index, Value: c.Value}, valence.Conflict,
		"%s with %s %q already exists", kind, c.Index, c.Value)
}

// Stale reports a write that named a revision other than the stored one.
func Stale(kind valence.Kind, id string, want, have int64) error {
	return valence.Errorf(valence.Conflict, "%s %q was changed meanwhile (revision %d, not %d)", kind, id, have, want)
}

// Canceled returns a Timeout error wrapping ctx's error once ctx is done,
// and nil before. Both stores check it before and while working, so an
// abandoned request neither waits nor writes.
func Canceled(ctx context.Context) error {
	err := ctx.Err()
	if err == nil {
		return nil
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return valence.Wrap(err, valence.Timeout, "store request timed out")
	}
	return valence.Wrap(err, valence.Timeout, "store request canceled")
}
