package bolt

import (
	"context"

	bbolt "go.etcd.io/bbolt"

	"github.com/valence-rsd/valence/internal/store/internal/records"
	"github.com/valence-rsd/valence/internal/valence"
)

// Get returns the record of kind with id.
func (s *Store) Get(ctx context.Context, kind valence.Kind, id string) (valence.Record, error) {
	if err := records.CheckKey(kind, id); err != nil {
		return valence.Record{}, err
	}
	var rec valence.Record
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		var err error
		rec, err = get(tx, kind, id)
		return err
	})
	return rec, err
}

// List returns one page of kind's records in ID order. It walks the bucket
// from the marker and stops at the first match past the limit.
func (s *Store) List(ctx context.Context, kind valence.Kind, opts valence.ListOptions) ([]valence.Record, bool, error) {
	if err := records.CheckList(kind, opts); err != nil {
		return nil, false, err
	}
	page := records.NewPage(opts)
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		c := tx.Bucket(recordBucket(kind)).Cursor()
		k, v := c.First()
		if opts.Marker != "" {
			k, v = c.Seek([]byte(opts.Marker))
			if string(k) == opts.Marker {
				k, v = c.Next()
			}
		}
		for ; k != nil; k, v = c.Next() {
			if err := records.Canceled(ctx); err != nil {
				return err
			}
			rec, fields, err := s.decoded.Listed(kind, k, v)
			if err != nil {
				return err
			}
			if page.Add(rec, fields) {
				break
			}
		}
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	recs, more := page.Result()
	return recs, more, nil
}

// get reads one record inside tx; the revision lives in the envelope.
func get(tx *bbolt.Tx, kind valence.Kind, id string) (valence.Record, error) {
	v := tx.Bucket(recordBucket(kind)).Get([]byte(id))
	if v == nil {
		return valence.Record{}, records.NotFound(kind, id)
	}
	return records.Decode(kind, id, v)
}
