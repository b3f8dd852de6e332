package etcd

import (
	"bytes"
	"context"
	"strings"

	"go.etcd.io/etcd/api/v3/mvccpb"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/valence-rsd/valence/internal/store/internal/records"
	"github.com/valence-rsd/valence/internal/valence"
)

// listBatch is how many keys List fetches per request when it cannot tell
// how many it will need (filters, or no limit).
const listBatch = 256

// Get returns the record of kind with id.
func (s *Store) Get(ctx context.Context, kind valence.Kind, id string) (valence.Record, error) {
	if err := records.CheckKey(kind, id); err != nil {
		return valence.Record{}, err
	}
	var rec valence.Record
	err := s.do(ctx, func(ctx context.Context) error {
		var err error
		rec, err = s.get(ctx, kind, id)
		return err
	})
	return rec, err
}

// get reads one record; its revision is the key's ModRevision.
func (s *Store) get(ctx context.Context, kind valence.Kind, id string) (valence.Record, error) {
	resp, err := s.cli.Get(ctx, s.recordKey(kind, id))
	if err != nil {
		return valence.Record{}, err
	}
	if len(resp.Kvs) == 0 {
		return valence.Record{}, records.NotFound(kind, id)
	}
	return s.decode(kind, resp.Kvs[0])
}

// decode rebuilds a record from its key-value pair.
func (s *Store) decode(kind valence.Kind, kv *mvccpb.KeyValue) (valence.Record, error) {
	id := strings.TrimPrefix(string(kv.Key), s.recordsPrefix(kind))
	rec, err := records.Decode(kind, id, kv.Value)
	rec.Revision = kv.ModRevision
	return rec, err
}

// List returns one page of kind's records in ID order (etcd's key order).
// It ranges from the marker in batches, all read at the first batch's
// revision so that the page is one consistent snapshot, and stops at the
// first match past the limit.
func (s *Store) List(ctx context.Context, kind valence.Kind, opts valence.ListOptions) ([]valence.Record, bool, error) {
	if err := records.CheckList(kind, opts); err != nil {
		return nil, false, err
	}
	batch := int64(listBatch)
	if len(opts.Filters) == 0 && opts.Limit > 0 {
		batch = int64(opts.Limit) + 1 // exactly enough to know whether more remain
	}
	prefix := s.recordsPrefix(kind)
	from, end := prefix, clientv3.GetPrefixRangeEnd(prefix)
	keyPrefix := []byte(prefix)
	if opts.Marker != "" {
		from = s.recordKey(kind, opts.Marker) + "\x00" // the first key after the marker
	}
	page := records.NewPage(opts)
	err := s.do(ctx, func(ctx context.Context) error {
		var rev int64
		for {
			resp, err := s.cli.Get(ctx, from, clientv3.WithRange(end), clientv3.WithLimit(batch), clientv3.WithRev(rev))
			if err != nil {
				return err
			}
			rev = resp.Header.Revision
			for _, kv := range resp.Kvs {
				rec, fields, err := s.decoded.Listed(kind, bytes.TrimPrefix(kv.Key, keyPrefix), kv.Value)
				if err != nil {
					return err
				}
				rec.Revision = kv.ModRevision
				if page.Add(rec, fields) {
					return nil
				}
			}
			if !resp.More || len(resp.Kvs) == 0 {
				return nil
			}
			from = string(resp.Kvs[len(resp.Kvs)-1].Key) + "\x00"
		}
	})
	if err != nil {
		return nil, false, err
	}
	recs, more := page.Result()
	return recs, more, nil
}
