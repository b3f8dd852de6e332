package bolt

import (
	"context"
	"errors"
	"fmt"
	"sync"

	bbolt "go.etcd.io/bbolt"

	"github.com/valence-rsd/valence/internal/store/internal/records"
)

// maxGroup bounds the writes committed in one transaction, so that one
// commit's dirty pages stay small whatever the load.
const maxGroup = 256

// group commits concurrent writes together: the writes that arrive while
// one transaction commits are committed in the next, in one transaction
// and so with one fsync. A write arriving when none commits is committed
// at once, without waiting for company (bbolt's own Batch waits up to its
// MaxBatchDelay). Each write is acknowledged only once the transaction that
// holds it is committed, so a crash loses nothing acknowledged.
type group struct {
	db      *bbolt.DB
	mu      sync.Mutex
	queue   []*write
	running bool // a goroutine is committing the queue
}

// write is one caller's transaction function, waiting to be committed.
type write struct {
	ctx  context.Context
	fn   func(*bbolt.Tx) error
	done chan error
}

// errFailed aborts a group's transaction when one of its writes fails.
var errFailed = errors.New("a write of the group failed")

// do runs fn in a write transaction, with the writes that arrive meanwhile,
// and returns its error or the commit's. fn may be run more than once (when
// another write of its group fails, the group is run again without that
// one), so it must depend on nothing but the transaction. Unless ctx is done
// once its turn comes, in which case fn is not run and nothing is written.
func (g *group) do(ctx context.Context, fn func(*bbolt.Tx) error) error {
	w := &write{ctx: ctx, fn: fn, done: make(chan error, 1)}
	g.mu.Lock()
	g.queue = append(g.queue, w)
	if !g.running {
		g.running = true
		go g.loop()
	}
	g.mu.Unlock()
	return <-w.done
}

// loop commits the queue, a group at a time, until it is empty.
func (g *group) loop() {
	for {
		g.mu.Lock()
		n := min(len(g.queue), maxGroup)
		if n == 0 {
			g.running = false
			g.mu.Unlock()
			return
		}
		batch := g.queue[:n:n]
		g.queue = g.queue[n:]
		g.mu.Unlock()
		g.commit(batch)
	}
}

// commit runs batch in one transaction. A write that fails is taken out and
// the rest run again; the failed one then runs alone, so that its answer is
// that of a transaction of its own (the rest may never commit, a failed
// fsync say, and its failure may have depended on them).
func (g *group) commit(batch []*write) {
	var alone []*write
	for len(batch) > 0 {
		failed := -1
		err := g.update(func(tx *bbolt.Tx) error {
			for i, w := range batch {
				if records.Canceled(w.ctx) != nil || w.fn(tx) != nil {
					failed = i
					return errFailed
				}
			}
			return nil
		})
		if failed < 0 {
			for _, w := range batch {
				w.done <- err
			}
			break
		}
		alone = append(alone, batch[failed])
		batch = append(batch[:failed:failed], batch[failed+1:]...)
	}
	for _, w := range alone {
		w.done <- g.update(func(tx *bbolt.Tx) error {
			if err := records.Canceled(w.ctx); err != nil {
				return err
			}
			return w.fn(tx)
		})
	}
}

// update is one bbolt write transaction. A panic of a write is returned
// as an error: it happens on this goroutine, not the caller's, where the
// server's recoverer would have caught it.
func (g *group) update(fn func(*bbolt.Tx) error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("bolt store: a write panicked: %v", p)
		}
	}()
	return g.db.Update(fn)
}
