// Package bolt is the embedded store: every record in one bbolt file, so a
// single valence-api needs nothing else. Each committed write is fsynced
// before it is acknowledged (bbolt's default), so a crash loses nothing the
// caller was told about.
package bolt

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/google/uuid"
	bbolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/valence-rsd/valence/internal/store/internal/records"
	"github.com/valence-rsd/valence/internal/valence"
)

// lockTimeout bounds the wait for the file lock, so a second process on the
// same file fails with a clear error instead of hanging; a var for tests.
var lockTimeout = 2 * time.Second

// metaBucket's sequence is the store-wide revision counter.
var metaBucket = []byte("meta")

// Store is a valence.Store in one bbolt file. It is safe for concurrent use;
// bbolt runs one write transaction at a time, which is what makes uniqueness
// checks and revision compares race-free, and the writes that queue while
// one commits share the next transaction (and its fsync).
type Store struct {
	db *bbolt.DB
	// owner is minted at every Open: the file lock makes this process the
	// only one alive on the file, so every other owner found there is dead.
	owner string
	// ended never receives: no other owner lives while the file is held.
	ended chan struct{}
	// decoded spares List the decoding of records unchanged since read.
	decoded records.Cache
	// writes commits concurrent writes in shared transactions.
	writes *group
}

var _ valence.Store = (*Store)(nil)

// Open opens or creates the store file at path, creating its directory
// (0700) and the file (0600) as needed, since records name hardware endpoints.
func Open(path string) (*Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("bolt store: create directory of %s: %w", path, err)
	}
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: lockTimeout})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("bolt store: %s is locked by another process (is another valence-api running?)", path)
	}
	if err != nil {
		return nil, fmt.Errorf("bolt store: open %s: %w", path, err)
	}
	err = db.Update(func(tx *bbolt.Tx) error {
		if _, err := tx.CreateBucketIfNotExists(metaBucket); err != nil {
			return err
		}
		for _, kind := range valence.Kinds {
			for _, name := range [][]byte{recordBucket(kind), uniqueBucket(kind)} {
				if _, err := tx.CreateBucketIfNotExists(name); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("bolt store: prepare %s: %w", path, err)
	}
	return &Store{db: db, owner: uuid.NewString(), ended: make(chan struct{}), decoded: records.NewCache(), writes: &group{db: db}}, nil
}

// Ping reports whether the file is still open.
func (s *Store) Ping(ctx context.Context) error {
	return s.view(ctx, func(*bbolt.Tx) error { return nil })
}

// Owner is this Open's own id.
func (s *Store) Owner() string { return s.owner }

// OwnerAlive is true for this store's own owner only: the file lock keeps
// every other process out, so any other owner is a process that has ended.
func (s *Store) OwnerAlive(ctx context.Context, owner string) (bool, error) {
	if err := records.Canceled(ctx); err != nil {
		return false, err
	}
	return owner == s.owner, nil
}

// OwnersEnded never receives: the owners that ended did so before Open.
func (s *Store) OwnersEnded() <-chan struct{} { return s.ended }

// Close closes the file, waiting for running transactions.
func (s *Store) Close() error {
	return s.db.Close()
}

// recordBucket holds a kind's records by id.
func recordBucket(kind valence.Kind) []byte { return []byte(kind) }

// uniqueBucket maps a kind's uniqueKey(index, value) to the holder's id.
func uniqueBucket(kind valence.Kind) []byte { return []byte(string(kind) + ".unique") }

// uniqueKey joins index and value with NUL, which index names never hold.
func uniqueKey(c records.Claim) []byte { return []byte(c.Index + "\x00" + c.Value) }

// view runs fn in a read transaction unless ctx is already done.
func (s *Store) view(ctx context.Context, fn func(*bbolt.Tx) error) error {
	if err := records.Canceled(ctx); err != nil {
		return err
	}
	return backendError(s.db.View(fn))
}

// update runs fn in a write transaction, committed with the writes of
// other callers that queue meanwhile (see group), unless ctx is done once
// its turn comes: a request abandoned while queued must not write.
func (s *Store) update(ctx context.Context, fn func(*bbolt.Tx) error) error {
	if err := records.Canceled(ctx); err != nil {
		return err
	}
	return backendError(s.writes.do(ctx, fn))
}

// backendError passes the store's own errors through, reports an id or
// value beyond bbolt's size limits as Invalid and any other bbolt failure
// (closed file, failed write or sync) as Unavailable.
func backendError(err error) error {
	var verr *valence.Error
	switch {
	case err == nil || errors.As(err, &verr):
		return err
	case errors.Is(err, berrors.ErrKeyTooLarge), errors.Is(err, berrors.ErrValueTooLarge):
		return valence.Wrap(err, valence.Invalid, "record too large for the bolt store")
	}
	return valence.Wrap(err, valence.Unavailable, "bolt store failed")
}
