// Package etcd is the store for several valence-api replicas sharing one
// etcd cluster. Every write is one etcd transaction whose compares make
// uniqueness and optimistic concurrency hold across replicas.
//
// Keys, under a configurable prefix:
//
//	<prefix>/<kind>/records/<id>             the record's JSON envelope
//	<prefix>/<kind>/unique/<index>/<value>   the id of the record holding value
//	<prefix>/owners/<owner>                  a replica's liveness key, on its lease
//
// A record's revision is its key's ModRevision. Each open Store is an owner
// (valence.Store.Owner) whose key lives on a lease kept alive while the
// store is open: when the replica dies, the lease expires after LeaseTTL
// and the key goes, which tells the other replicas at once.
package etcd

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"go.etcd.io/etcd/client/pkg/v3/transport"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/valence-rsd/valence/internal/store/internal/records"
	"github.com/valence-rsd/valence/internal/valence"
)

// Defaults for the zero values of Config.
const (
	DefaultPrefix         = "/valence"
	DefaultDialTimeout    = 5 * time.Second
	DefaultRequestTimeout = 5 * time.Second
	DefaultLeaseTTL       = 10 * time.Second
)

// Config says where the cluster is and how to authenticate to it.
type Config struct {
	// Endpoints are "host:port" (plain, or TLS when a TLS file is set) or
	// "http://host:port" / "https://host:port".
	Endpoints []string
	// Prefix roots every key, so that several deployments can share a
	// cluster; default DefaultPrefix.
	Prefix string
	// Username and Password enable etcd's authentication when set.
	Username string
	Password string
	// CAFile verifies the servers; CertFile and KeyFile authenticate the
	// client. Any of them, or an https:// endpoint, turns TLS on.
	CAFile   string
	CertFile string
	KeyFile  string
	// DialTimeout bounds Open's wait for the cluster to answer.
	DialTimeout time.Duration
	// RequestTimeout bounds each store call, so an unreachable cluster
	// yields Unavailable rather than a request that waits forever.
	RequestTimeout time.Duration
	// LeaseTTL is how long a replica counts as alive after its last
	// keep-alive: its abandoned composes are undone that long after its
	// death. Between MinLeaseTTL and MaxLeaseTTL, in whole seconds;
	// default DefaultLeaseTTL.
	LeaseTTL time.Duration
}

// Store is a valence.Store in etcd; safe for concurrent use, and for use by
// several processes on the same cluster and prefix.
type Store struct {
	cli      *clientv3.Client
	prefix   string
	timeout  time.Duration
	owner    string
	leaseTTL time.Duration
	lease    atomic.Int64 // the clientv3.LeaseID the owner key lives on
	ended    chan struct{}
	stop     context.CancelFunc // ends keepAlive and watchOwners
	wg       sync.WaitGroup
	// decoded spares List the decoding of values unchanged since read;
	// another replica's write changes the value, so it is decoded afresh.
	decoded records.Cache
}

var _ valence.Store = (*Store)(nil)

// Open connects to the cluster and checks that it answers within
// DialTimeout, so a wrong address stops the server at start.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	if len(cfg.Endpoints) == 0 {
		return nil, errors.New("etcd store: no endpoints")
	}
	if cfg.Prefix == "" {
		cfg.Prefix = DefaultPrefix
	}
	if cfg.DialTimeout <= 0 {
		cfg.DialTimeout = DefaultDialTimeout
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = DefaultRequestTimeout
	}
	if cfg.LeaseTTL == 0 {
		cfg.LeaseTTL = DefaultLeaseTTL
	}
	if cfg.LeaseTTL < MinLeaseTTL || cfg.LeaseTTL > MaxLeaseTTL || cfg.LeaseTTL%time.Second != 0 {
		return nil, fmt.Errorf("etcd store: lease TTL %s is not whole seconds between %s and %s", cfg.LeaseTTL, MinLeaseTTL, MaxLeaseTTL)
	}
	tlsConfig, err := cfg.tls()
	if err != nil {
		return nil, fmt.Errorf("etcd store: TLS settings: %w", err)
	}
	cli, err := clientv3.New(clientv3.Config{
		Endpoints:   cfg.Endpoints,
		DialTimeout: cfg.DialTimeout,
		Username:    cfg.Username,
		Password:    cfg.Password,
		TLS:         tlsConfig,
		// The client's retries log at warn; the caller sees the error instead.
		Logger: zap.NewNop(),
	})
	where := strings.Join(cfg.Endpoints, ",")
	if err != nil { // a wrong password fails here, as the client logs in at once
		return nil, fmt.Errorf("etcd store at %s: %w", where, err)
	}
	// The first Ping may wait DialTimeout, as it is also the connection's.
	s := &Store{cli: cli, prefix: strings.TrimRight(cfg.Prefix, "/"), timeout: cfg.DialTimeout,
		owner: uuid.NewString(), leaseTTL: cfg.LeaseTTL, ended: make(chan struct{}, 1), decoded: records.NewCache()}
	err = s.Ping(ctx)
	s.timeout = cfg.RequestTimeout
	var lease clientv3.LeaseID
	var rev int64
	if err == nil {
		lease, rev, err = s.grant(ctx)
	}
	if err != nil {
		cli.Close()
		return nil, fmt.Errorf("etcd store at %s: %w", where, err)
	}
	s.lease.Store(int64(lease))
	bg, stop := context.WithCancel(context.Background())
	s.stop = stop
	s.wg.Go(func() { s.keepAlive(bg, lease) })
	// Watched from the owner's own put on, so that no ending after Open is missed.
	s.wg.Go(func() { s.watchOwners(bg, rev+1) })
	return s, nil
}

// tls returns the client's TLS configuration, or nil for plain connections.
func (cfg Config) tls() (*tls.Config, error) {
	secure := cfg.CAFile != "" || cfg.CertFile != "" || cfg.KeyFile != ""
	for _, ep := range cfg.Endpoints {
		secure = secure || strings.HasPrefix(ep, "https://")
	}
	if !secure {
		return nil, nil
	}
	info := transport.TLSInfo{CertFile: cfg.CertFile, KeyFile: cfg.KeyFile, TrustedCAFile: cfg.CAFile}
	return info.ClientConfig()
}

// Ping reads one key with a linearizable read, which needs a quorum, so a
// cluster that lost its majority is reported as not ready.
func (s *Store) Ping(ctx context.Context) error {
	return s.do(ctx, func(ctx context.Context) error {
		_, err := s.cli.Get(ctx, s.prefix, clientv3.WithCountOnly())
		return err
	})
}

// Close gives up the owner (revoking its lease, so that the other
// replicas need not wait for it to expire) and closes the client.
func (s *Store) Close() error {
	s.stop()
	s.wg.Wait()
	s.revoke()
	return s.cli.Close()
}

// recordsPrefix is the common prefix of kind's record keys.
func (s *Store) recordsPrefix(kind valence.Kind) string {
	return s.prefix + "/" + string(kind) + "/records/"
}

// recordKey is the key of one record.
func (s *Store) recordKey(kind valence.Kind, id string) string {
	return s.recordsPrefix(kind) + id
}

// uniqueKey is the key claiming one unique value; index names hold no '/',
// so the first '/' after the index ends it even when the value has more.
func (s *Store) uniqueKey(kind valence.Kind, c records.Claim) string {
	return s.prefix + "/" + string(kind) + "/unique/" + c.Index + "/" + c.Value
}

// do runs fn with the request timeout, unless ctx is already done. The
// store's own errors pass through; a failure after the caller gave up is
// reported as the caller's cancellation, any other as Unavailable.
func (s *Store) do(ctx context.Context, fn func(ctx context.Context) error) error {
	if err := records.Canceled(ctx); err != nil {
		return err
	}
	rctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	err := fn(rctx)
	var verr *valence.Error
	if err == nil || errors.As(err, &verr) {
		return err
	}
	if cerr := records.Canceled(ctx); cerr != nil {
		return cerr
	}
	return valence.Wrap(err, valence.Unavailable, "etcd store failed")
}
