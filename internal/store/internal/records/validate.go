package records

import (
	"slices"
	"strings"

	"github.com/valence-rsd/valence/internal/valence"
)

// CheckKind refuses a kind the core does not define, so that a typo cannot
// silently create a new collection.
func CheckKind(kind valence.Kind) error {
	if !slices.Contains(valence.Kinds, kind) {
		return valence.Errorf(valence.Invalid, "unknown record kind %q", kind)
	}
	return nil
}

// CheckKey refuses an unknown kind or an empty id.
func CheckKey(kind valence.Kind, id string) error {
	if err := CheckKind(kind); err != nil {
		return err
	}
	if id == "" {
		return valence.Errorf(valence.Invalid, "%s record without an id", kind)
	}
	return nil
}

// CheckRecord refuses a record the stores cannot keep faithfully: an unknown
// kind, an empty id, or an index name that is empty or holds a '/' (the etcd
// key layout <index>/<value> needs the index to end at the first '/').
func CheckRecord(rec valence.Record) error {
	if err := CheckKey(rec.Kind, rec.ID); err != nil {
		return err
	}
	for index := range rec.Unique {
		if index == "" || strings.ContainsAny(index, "/\x00") {
			return valence.Errorf(valence.Invalid, "%s %q: bad unique index name %q", rec.Kind, rec.ID, index)
		}
	}
	return nil
}

// CheckCreateDeleting refuses what CheckRecord and CheckKey refuse, and a
// record to delete of rec's own kind (Store.CreateDeleting).
func CheckCreateDeleting(rec valence.Record, del valence.Kind, id string) error {
	if err := CheckRecord(rec); err != nil {
		return err
	}
	if err := CheckKey(del, id); err != nil {
		return err
	}
	if del == rec.Kind {
		return valence.Errorf(valence.Invalid, "%s %q: the record to delete must be of another kind", rec.Kind, rec.ID)
	}
	return nil
}

// CheckList refuses an unknown kind or a negative limit.
func CheckList(kind valence.Kind, opts valence.ListOptions) error {
	if err := CheckKind(kind); err != nil {
		return err
	}
	if opts.Limit < 0 {
		return valence.Errorf(valence.Invalid, "negative list limit %d", opts.Limit)
	}
	return nil
}
