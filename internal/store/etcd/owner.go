package etcd

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"go.etcd.io/etcd/api/v3/mvccpb"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// Bounds of Config.LeaseTTL: etcd itself refuses leases much shorter than
// its election timeout, and a replica must not stay "alive" for long after
// its death, since its abandoned composes wait that long.
const (
	MinLeaseTTL = 2 * time.Second
	MaxLeaseTTL = 5 * time.Minute
)

// retryDelay spaces the attempts to take a lease again, or to watch the
// owners again, after the cluster was out of reach.
const retryDelay = time.Second

// ownersPrefix is the common prefix of the owners' liveness keys.
func (s *Store) ownersPrefix() string { return s.prefix + "/owners/" }

// Owner is this replica's id, minted at Open.
func (s *Store) Owner() string { return s.owner }

// OwnerAlive reads the owner's liveness key, which lives on its lease: the
// key is there exactly while the owner keeps the lease alive.
func (s *Store) OwnerAlive(ctx context.Context, owner string) (bool, error) {
	if owner == "" || strings.Contains(owner, "/") {
		return false, nil
	}
	var alive bool
	err := s.do(ctx, func(ctx context.Context) error {
		resp, err := s.cli.Get(ctx, s.ownersPrefix()+owner, clientv3.WithCountOnly())
		if err == nil {
			alive = resp.Count > 0
		}
		return err
	})
	return alive, err
}

// OwnersEnded receives when another owner's liveness key is deleted: its
// store was closed (the lease revoked) or its lease expired.
func (s *Store) OwnersEnded() <-chan struct{} { return s.ended }

// grant takes a lease of the configured TTL and puts this replica's
// liveness key on it, naming the host and process for whoever inspects
// the cluster. It returns the lease and the revision of the put.
func (s *Store) grant(ctx context.Context) (clientv3.LeaseID, int64, error) {
	var id clientv3.LeaseID
	var rev int64
	err := s.do(ctx, func(ctx context.Context) error {
		lease, err := s.cli.Grant(ctx, int64(s.leaseTTL/time.Second))
		if err != nil {
			return err
		}
		host, _ := os.Hostname()
		who := fmt.Sprintf("%s pid %d", host, os.Getpid())
		put, err := s.cli.Put(ctx, s.ownersPrefix()+s.owner, who, clientv3.WithLease(lease.ID))
		if err != nil {
			return err
		}
		id, rev = lease.ID, put.Header.Revision
		return nil
	})
	return id, rev, err
}

// keepAlive keeps the lease alive until ctx ends; when the lease is lost
// anyway (the cluster was out of reach for longer than the TTL), it takes
// a new one under the same owner, retrying until ctx ends. The lease in
// use is kept in s.lease for Close to revoke.
func (s *Store) keepAlive(ctx context.Context, lease clientv3.LeaseID) {
	for {
		acks, err := s.cli.KeepAlive(ctx, lease)
		if err == nil && !drained(ctx, acks) {
			return
		}
		for {
			select {
			case <-ctx.Done():
				return
			case <-time.After(retryDelay):
			}
			if lease, _, err = s.grant(ctx); err == nil {
				s.lease.Store(int64(lease))
				break
			}
		}
	}
}

// drained reads acks until the channel is closed, the lease lost (true), or
// ctx ends (false). It does not wait for the close alone: a client closed
// before its first keep-alive loop started never closes the channel.
func drained(ctx context.Context, acks <-chan *clientv3.LeaseKeepAliveResponse) bool {
	for {
		select {
		case <-ctx.Done():
			return false
		case _, ok := <-acks:
			if !ok {
				return true
			}
		}
	}
}

// watchOwners signals s.ended on every deletion of another owner's key
// from revision from on, until ctx ends. A broken watch is started again
// where it stopped; when that history is gone (compacted), from now, with
// one signal for the endings it may have missed.
func (s *Store) watchOwners(ctx context.Context, from int64) {
	own := s.ownersPrefix() + s.owner
	for ctx.Err() == nil {
		opts := []clientv3.OpOption{clientv3.WithPrefix(), clientv3.WithFilterPut()}
		if from > 0 {
			opts = append(opts, clientv3.WithRev(from))
		}
		for resp := range s.cli.Watch(clientv3.WithRequireLeader(ctx), s.ownersPrefix(), opts...) {
			if resp.CompactRevision != 0 {
				from = 0
				s.signalEnded()
			}
			for _, ev := range resp.Events {
				from = ev.Kv.ModRevision + 1
				if ev.Type == mvccpb.DELETE && string(ev.Kv.Key) != own {
					s.signalEnded()
				}
			}
		}
		select {
		case <-ctx.Done():
		case <-time.After(retryDelay):
		}
	}
}

func (s *Store) signalEnded() {
	select {
	case s.ended <- struct{}{}:
	default: // one is pending already
	}
}

// revoke ends the lease at once, so that the other replicas take over this
// one's records now rather than after the TTL. It is best effort: a lease
// that cannot be revoked expires by itself.
func (s *Store) revoke() {
	ctx, cancel := context.WithTimeout(context.Background(), s.timeout)
	defer cancel()
	_, _ = s.cli.Revoke(ctx, clientv3.LeaseID(s.lease.Load()))
}
