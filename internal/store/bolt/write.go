package bolt

import (
	"context"

	bbolt "go.etcd.io/bbolt"

	"github.com/valence-rsd/valence/internal/store/internal/records"
	"github.com/valence-rsd/valence/internal/valence"
)

// Create stores a new record with the next revision.
func (s *Store) Create(ctx context.Context, rec valence.Record) (valence.Record, error) {
	if err := records.CheckRecord(rec); err != nil {
		return valence.Record{}, err
	}
	return s.write(ctx, func(tx *bbolt.Tx) (valence.Record, error) { return create(tx, rec) })
}

// CreateDeleting creates rec and deletes the record id of kind del in one
// transaction.
func (s *Store) CreateDeleting(ctx context.Context, rec valence.Record, del valence.Kind, id string) (valence.Record, error) {
	if err := records.CheckCreateDeleting(rec, del, id); err != nil {
		return valence.Record{}, err
	}
	return s.write(ctx, func(tx *bbolt.Tx) (valence.Record, error) {
		if err := remove(tx, del, id, 0); err != nil {
			return valence.Record{}, err
		}
		return create(tx, rec)
	})
}

// write runs fn in a write transaction and returns the record it stored.
// fn may run more than once (see group.do): the last run's record counts.
func (s *Store) write(ctx context.Context, fn func(*bbolt.Tx) (valence.Record, error)) (valence.Record, error) {
	var stored valence.Record
	err := s.update(ctx, func(tx *bbolt.Tx) error {
		var err error
		stored, err = fn(tx)
		return err
	})
	if err != nil {
		return valence.Record{}, err
	}
	return stored, nil
}

// create writes rec inside tx unless its id or a unique value is taken.
func create(tx *bbolt.Tx, rec valence.Record) (valence.Record, error) {
	if tx.Bucket(recordBucket(rec.Kind)).Get([]byte(rec.ID)) != nil {
		return valence.Record{}, records.Exists(rec.Kind, rec.ID)
	}
	claims := records.Claims(rec.Unique)
	if err := checkFree(tx, rec.Kind, claims); err != nil {
		return valence.Record{}, err
	}
	return put(tx, rec, claims, nil)
}

// Update replaces the record if its stored revision is rec.Revision.
func (s *Store) Update(ctx context.Context, rec valence.Record) (valence.Record, error) {
	if err := records.CheckRecord(rec); err != nil {
		return valence.Record{}, err
	}
	return s.write(ctx, func(tx *bbolt.Tx) (valence.Record, error) {
		old, err := get(tx, rec.Kind, rec.ID)
		if err != nil {
			return valence.Record{}, err
		}
		if old.Revision != rec.Revision {
			return valence.Record{}, records.Stale(rec.Kind, rec.ID, rec.Revision, old.Revision)
		}
		claim, release := records.Diff(old.Unique, rec.Unique)
		if err := checkFree(tx, rec.Kind, claim); err != nil {
			return valence.Record{}, err
		}
		return put(tx, rec, claim, release)
	})
}

// Delete removes the record and frees its unique values.
func (s *Store) Delete(ctx context.Context, kind valence.Kind, id string, revision int64) error {
	if err := records.CheckKey(kind, id); err != nil {
		return err
	}
	return s.update(ctx, func(tx *bbolt.Tx) error { return remove(tx, kind, id, revision) })
}

// remove deletes the record inside tx, if its revision is revision (any,
// with 0), and frees its unique values.
func remove(tx *bbolt.Tx, kind valence.Kind, id string, revision int64) error {
	old, err := get(tx, kind, id)
	if err != nil {
		return err
	}
	if revision != 0 && old.Revision != revision {
		return records.Stale(kind, id, revision, old.Revision)
	}
	unique := tx.Bucket(uniqueBucket(kind))
	for _, c := range records.Claims(old.Unique) {
		if err := unique.Delete(uniqueKey(c)); err != nil {
			return err
		}
	}
	return tx.Bucket(recordBucket(kind)).Delete([]byte(id))
}

// checkFree refuses claims already held in kind's unique bucket. Callers
// pass only values the record does not hold itself.
func checkFree(tx *bbolt.Tx, kind valence.Kind, claims []records.Claim) error {
	unique := tx.Bucket(uniqueBucket(kind))
	for _, c := range claims {
		if unique.Get(uniqueKey(c)) != nil {
			return records.Taken(kind, c)
		}
	}
	return nil
}

// put writes rec with the next store-wide revision, releases and claims
// unique values, and returns rec as stored.
func put(tx *bbolt.Tx, rec valence.Record, claim, release []records.Claim) (valence.Record, error) {
	rev, err := tx.Bucket(metaBucket).NextSequence()
	if err != nil {
		return valence.Record{}, err
	}
	rec.Revision = int64(rev)
	value, err := records.Encode(rec, true)
	if err != nil {
		return valence.Record{}, err
	}
	unique := tx.Bucket(uniqueBucket(rec.Kind))
	for _, c := range release {
		if err := unique.Delete(uniqueKey(c)); err != nil {
			return valence.Record{}, err
		}
	}
	for _, c := range claim {
		if err := unique.Put(uniqueKey(c), []byte(rec.ID)); err != nil {
			return valence.Record{}, err
		}
	}
	if err := tx.Bucket(recordBucket(rec.Kind)).Put([]byte(rec.ID), value); err != nil {
		return valence.Record{}, err
	}
	return rec, nil
}
