package valence

import (
	"context"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/rs/zerolog"

	"github.com/valence-rsd/valence/internal/memo"
)

// Defaults of Options left zero.
const (
	DefaultPodmTimeout    = 30 * time.Second
	DefaultComposeTimeout = 10 * time.Minute
	DefaultProbeInterval  = 30 * time.Second
	DefaultStatusMaxAge   = 5 * time.Second
	DefaultInventoryTTL   = 5 * time.Second
	// DefaultFanOut bounds the pod managers asked at once by a list.
	DefaultFanOut = 8
)

// Options configure a Service.
type Options struct {
	Store     Store
	Connector Connector
	// Log is for work outside any request (probes, recovery).
	Log zerolog.Logger
	// PodmTimeout bounds one call to a pod manager.
	PodmTimeout time.Duration
	// ComposeTimeout bounds a whole compose.
	ComposeTimeout time.Duration
	// ProbeInterval is how often Run refreshes every pod manager's status.
	ProbeInterval time.Duration
	// StatusMaxAge is how old a status may be before a read refreshes it.
	StatusMaxAge time.Duration
	// InventoryTTL is how long systems, racks and volumes are cached.
	InventoryTTL time.Duration
	// InventoryMaxStale is how long past InventoryTTL a cached inventory
	// may still answer while one refresh runs in the background; zero
	// makes callers past the TTL wait for the refresh.
	InventoryMaxStale time.Duration
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Metrics receives compose outcomes; nil records nothing.
	Metrics Metrics
	// Secrets, when set, encrypts pod-manager passwords in the store; nil
	// stores them as given.
	Secrets Secrets
}

// Metrics receives what the core measures.
type Metrics interface {
	// ComposeDone records a compose that ended, with "" for success or the
	// failure's code.
	ComposeDone(d time.Duration, failure Code)
	// ComposesAbandoned records how many abandoned composes a recovery pass
	// left for a later one (not undone yet, or not yet due).
	ComposesAbandoned(n int)
}

// Service is the core: every operation of the v1 API.
type Service struct {
	opts        Options
	podms       table[PodManager]
	flavors     table[Flavor]
	nodes       table[Node]
	intents     table[intent]
	conns       *connCache
	inventories *inventoryCache
	// systemsLists keeps the warm systems lists of several pod managers,
	// by filter (see joined).
	systemsLists memo.Versioned[[]System]
	// statusFlights merges concurrent status refreshes of one pod manager.
	statusFlights flights[PodManager]
	// running are the composes of this process; recovery leaves them be.
	running composeSet
	// recoverNow asks the recovery loop for a pass now.
	recoverNow chan struct{}
	// life ends at Close, and with it the calls no caller waits for.
	life    context.Context
	endLife context.CancelFunc
}

// New builds a Service from opts, filling in defaults.
func New(opts Options) *Service {
	if opts.PodmTimeout <= 0 {
		opts.PodmTimeout = DefaultPodmTimeout
	}
	if opts.ComposeTimeout <= 0 {
		opts.ComposeTimeout = DefaultComposeTimeout
	}
	if opts.ProbeInterval <= 0 {
		opts.ProbeInterval = DefaultProbeInterval
	}
	if opts.StatusMaxAge <= 0 {
		opts.StatusMaxAge = DefaultStatusMaxAge
	}
	if opts.InventoryTTL <= 0 {
		opts.InventoryTTL = DefaultInventoryTTL
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Service{opts: opts, recoverNow: make(chan struct{}, 1)}
	s.podms = table[PodManager]{store: opts.Store, kind: KindPodManager, noun: "Pod manager", index: podmIndex,
		marshal: s.marshalPodManager, unmarshal: func(rec Record) (PodManager, error) {
			pm, _, err := s.openPodManager(rec)
			return pm, err
		}}
	s.flavors = table[Flavor]{store: opts.Store, kind: KindFlavor, noun: "Flavor", index: flavorIndex}
	s.nodes = table[Node]{store: opts.Store, kind: KindNode, noun: "Composed node", index: nodeIndex}
	s.nodes.memo = memo.New[Node](decodedBudget)
	s.intents = table[intent]{store: opts.Store, kind: KindIntent, noun: "Compose intent", index: intentIndex}
	s.conns = newConnCache(opts.Connector)
	s.inventories = newInventoryCache(opts.InventoryTTL, max(opts.InventoryMaxStale, 0), opts.Now)
	s.life, s.endLife = context.WithCancel(context.Background())
	s.inventories.fetches.life, s.statusFlights.life = s.life, s.life
	return s
}

// Run refreshes the status of every pod manager and undoes abandoned
// composes, until ctx ends. Each runs in a loop of its own, so that a slow
// probe never delays a recovery: composes are undone at start, on every
// ProbeInterval, as soon as the store reports that another owner ended or
// a compose of this process failed, and again after recoveryRetry while
// some could not be undone.
func (s *Service) Run(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Go(func() { s.recoverLoop(ctx) })
	tick := time.NewTicker(s.opts.ProbeInterval)
	defer tick.Stop()
	for {
		s.probeAll(ctx)
		select {
		case <-ctx.Done():
			wg.Wait()
			return
		case <-tick.C:
		}
	}
}

// recoveryRetry is how soon a recovery that failed (the pod manager or the
// store out of reach) is tried again, ahead of the next ProbeInterval.
const recoveryRetry = 5 * time.Second

func (s *Service) recoverLoop(ctx context.Context) {
	tick := time.NewTicker(s.opts.ProbeInterval)
	defer tick.Stop()
	retry := time.NewTimer(recoveryRetry)
	defer retry.Stop()
	ended := s.opts.Store.OwnersEnded()
	for {
		left := s.recoverIntents(ctx)
		if s.opts.Metrics != nil {
			s.opts.Metrics.ComposesAbandoned(left)
		}
		if left > 0 {
			retry.Reset(recoveryRetry)
		} else {
			retry.Stop()
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-ended:
		case <-s.recoverNow:
		case <-retry.C:
		}
	}
}

// nudgeRecovery asks for a recovery pass soon; requests coalesce.
func (s *Service) nudgeRecovery() {
	select {
	case s.recoverNow <- struct{}{}:
	default:
	}
}

// closeWait bounds how long Close waits for the shared calls it cancels.
const closeWait = 5 * time.Second

// Close cancels the shared calls under way (inventory refreshes, status
// probes: some run in the background with no caller), waits for them up to
// closeWait, and releases every pod-manager connection.
func (s *Service) Close() {
	s.endLife()
	ctx, cancel := context.WithTimeout(context.Background(), closeWait)
	defer cancel()
	err := s.inventories.fetches.wait(ctx)
	if err == nil {
		err = s.statusFlights.wait(ctx)
	}
	if err != nil {
		s.opts.Log.Warn().Err(err).Msg("shared calls to pod managers still running at close")
	}
	s.conns.closeAll()
}

// Ping reports whether the store answers.
func (s *Service) Ping(ctx context.Context) error { return s.opts.Store.Ping(ctx) }

func (s *Service) now() time.Time { return s.opts.Now().UTC().Truncate(time.Second) }

func newID() string { return uuid.NewString() }

// podmCtx bounds one call to a pod manager.
func (s *Service) podmCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, s.opts.PodmTimeout)
}
