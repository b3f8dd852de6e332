package etcd

import (
	"context"
	"slices"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/valence-rsd/valence/internal/store/internal/records"
	"github.com/valence-rsd/valence/internal/valence"
)

// Create stores a new record in one transaction that requires the record
// key and every claimed unique key to be absent, so of two replicas racing
// for an id or a name exactly one wins.
func (s *Store) Create(ctx context.Context, rec valence.Record) (valence.Record, error) {
	if err := records.CheckRecord(rec); err != nil {
		return valence.Record{}, err
	}
	value, err := records.Encode(rec, false)
	if err != nil {
		return valence.Record{}, err
	}
	key := s.recordKey(rec.Kind, rec.ID)
	claims := records.Claims(rec.Unique)
	cmps := append([]clientv3.Cmp{absent(key)}, s.absentClaims(rec.Kind, claims)...)
	ops := append([]clientv3.Op{clientv3.OpPut(key, string(value))}, s.putClaims(rec, claims)...)
	err = s.do(ctx, func(ctx context.Context) error {
		resp, err := s.cli.Txn(ctx).If(cmps...).Then(ops...).Else(countAll(cmps)...).Commit()
		if err != nil {
			return err
		}
		if !resp.Succeeded {
			if present(resp, 0) {
				return records.Exists(rec.Kind, rec.ID)
			}
			return taken(rec.Kind, claims, resp, 1)
		}
		rec.Revision = resp.Header.Revision
		return nil
	})
	if err != nil {
		return valence.Record{}, err
	}
	return rec, nil
}

// CreateDeleting creates rec and deletes the record id of kind del in one
// transaction: Create's compares, and that the record to delete is the one
// read (its unique keys go with it). A record to delete changed meanwhile
// is read again.
func (s *Store) CreateDeleting(ctx context.Context, rec valence.Record, del valence.Kind, id string) (valence.Record, error) {
	if err := records.CheckCreateDeleting(rec, del, id); err != nil {
		return valence.Record{}, err
	}
	value, err := records.Encode(rec, false)
	if err != nil {
		return valence.Record{}, err
	}
	key, delKey := s.recordKey(rec.Kind, rec.ID), s.recordKey(del, id)
	claims := records.Claims(rec.Unique)
	createCmps := append([]clientv3.Cmp{absent(key)}, s.absentClaims(rec.Kind, claims)...)
	createOps := append([]clientv3.Op{clientv3.OpPut(key, string(value))}, s.putClaims(rec, claims)...)
	err = s.do(ctx, func(ctx context.Context) error {
		for {
			old, err := s.get(ctx, del, id)
			if err != nil {
				return err
			}
			cmps := append(slices.Clip(createCmps), clientv3.Compare(clientv3.ModRevision(delKey), "=", old.Revision))
			ops := append(slices.Clip(createOps), clientv3.OpDelete(delKey))
			for _, c := range records.Claims(old.Unique) {
				ops = append(ops, clientv3.OpDelete(s.uniqueKey(del, c)))
			}
			resp, err := s.cli.Txn(ctx).If(cmps...).Then(ops...).Else(countAll(createCmps)...).Commit()
			if err != nil {
				return err
			}
			if resp.Succeeded {
				rec.Revision = resp.Header.Revision
				return nil
			}
			if present(resp, 0) {
				return records.Exists(rec.Kind, rec.ID)
			}
			for i, c := range claims {
				if present(resp, 1+i) {
					return records.Taken(rec.Kind, c)
				}
			}
			// Only the record to delete changed: read it again.
		}
	})
	if err != nil {
		return valence.Record{}, err
	}
	return rec, nil
}

// Update replaces the record in one transaction that requires its key's
// ModRevision to still be rec.Revision and every newly claimed unique key
// to be absent; values the record no longer holds are released with it.
func (s *Store) Update(ctx context.Context, rec valence.Record) (valence.Record, error) {
	if err := records.CheckRecord(rec); err != nil {
		return valence.Record{}, err
	}
	value, err := records.Encode(rec, false)
	if err != nil {
		return valence.Record{}, err
	}
	key := s.recordKey(rec.Kind, rec.ID)
	err = s.do(ctx, func(ctx context.Context) error {
		old, err := s.get(ctx, rec.Kind, rec.ID)
		if err != nil {
			return err
		}
		if old.Revision != rec.Revision {
			return records.Stale(rec.Kind, rec.ID, rec.Revision, old.Revision)
		}
		claim, release := records.Diff(old.Unique, rec.Unique)
		claimCmps := s.absentClaims(rec.Kind, claim)
		cmps := append([]clientv3.Cmp{clientv3.Compare(clientv3.ModRevision(key), "=", rec.Revision)}, claimCmps...)
		ops := append([]clientv3.Op{clientv3.OpPut(key, string(value))}, s.putClaims(rec, claim)...)
		for _, c := range release {
			ops = append(ops, clientv3.OpDelete(s.uniqueKey(rec.Kind, c)))
		}
		orElse := append([]clientv3.Op{clientv3.OpGet(key, clientv3.WithKeysOnly())}, countAll(claimCmps)...)
		resp, err := s.cli.Txn(ctx).If(cmps...).Then(ops...).Else(orElse...).Commit()
		if err != nil {
			return err
		}
		if resp.Succeeded {
			rec.Revision = resp.Header.Revision
			return nil
		}
		kvs := resp.Responses[0].GetResponseRange().Kvs
		switch {
		case len(kvs) == 0:
			return records.NotFound(rec.Kind, rec.ID)
		case kvs[0].ModRevision != rec.Revision:
			return records.Stale(rec.Kind, rec.ID, rec.Revision, kvs[0].ModRevision)
		}
		return taken(rec.Kind, claim, resp, 1)
	})
	if err != nil {
		return valence.Record{}, err
	}
	return rec, nil
}

// Delete removes the record and its unique keys in one transaction that
// requires the record to be unchanged since it was read. With revision 0 a
// record changed meanwhile is read again and deleted anyway.
func (s *Store) Delete(ctx context.Context, kind valence.Kind, id string, revision int64) error {
	if err := records.CheckKey(kind, id); err != nil {
		return err
	}
	key := s.recordKey(kind, id)
	return s.do(ctx, func(ctx context.Context) error {
		for {
			old, err := s.get(ctx, kind, id)
			if err != nil {
				return err
			}
			if revision != 0 && old.Revision != revision {
				return records.Stale(kind, id, revision, old.Revision)
			}
			ops := []clientv3.Op{clientv3.OpDelete(key)}
			for _, c := range records.Claims(old.Unique) {
				ops = append(ops, clientv3.OpDelete(s.uniqueKey(kind, c)))
			}
			resp, err := s.cli.Txn(ctx).If(clientv3.Compare(clientv3.ModRevision(key), "=", old.Revision)).Then(ops...).Commit()
			if err != nil || resp.Succeeded {
				return err
			}
		}
	})
}

// absent is the compare that key does not exist.
func absent(key string) clientv3.Cmp {
	return clientv3.Compare(clientv3.CreateRevision(key), "=", 0)
}

// absentClaims are the compares that no record holds the claimed values.
func (s *Store) absentClaims(kind valence.Kind, claims []records.Claim) []clientv3.Cmp {
	cmps := make([]clientv3.Cmp, len(claims))
	for i, c := range claims {
		cmps[i] = absent(s.uniqueKey(kind, c))
	}
	return cmps
}

// putClaims are the puts that make rec the holder of the claimed values.
func (s *Store) putClaims(rec valence.Record, claims []records.Claim) []clientv3.Op {
	ops := make([]clientv3.Op, len(claims))
	for i, c := range claims {
		ops[i] = clientv3.OpPut(s.uniqueKey(rec.Kind, c), rec.ID)
	}
	return ops
}

// countAll counts each compared key, so a failed transaction tells in the
// same snapshot which of its keys existed.
func countAll(cmps []clientv3.Cmp) []clientv3.Op {
	ops := make([]clientv3.Op, len(cmps))
	for i, c := range cmps {
		ops[i] = clientv3.OpGet(string(c.KeyBytes()), clientv3.WithCountOnly())
	}
	return ops
}

// present reports whether the i-th count of a failed transaction found its key.
func present(resp *clientv3.TxnResponse, i int) bool {
	return resp.Responses[i].GetResponseRange().Count > 0
}

// taken names the first claim whose count, from the from-th response on,
// found its key.
func taken(kind valence.Kind, claims []records.Claim, resp *clientv3.TxnResponse, from int) error {
	for i, c := range claims {
		if present(resp, from+i) {
			return records.Taken(kind, c)
		}
	}
	return valence.Errorf(valence.Conflict, "%s changed meanwhile; retry", kind)
}
