package auth

import (
	"container/list"
	"errors"
	"math"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/valence-rsd/valence/internal/valence"
)

// FailureLimit bounds the failed logins of one client: at most Max within
// Window, counted from the client's first failure. Max 0 turns it off.
type FailureLimit struct {
	Max    int           // VALENCE_BASIC_MAX_FAILURES
	Window time.Duration // VALENCE_BASIC_FAILURE_WINDOW
}

// maxTrackedClients bounds the clients a failure table remembers: when it is
// full, the client whose window started first is forgotten first. An
// attacker needs as many addresses to flush it as it would to go around it.
const maxTrackedClients = 10000

// failures counts failed logins per client, in memory: each replica counts
// its own, and a restart forgets them.
type failures struct {
	limit FailureLimit
	now   func() time.Time
	max   int // entries kept at most

	mu      sync.Mutex
	clients map[netip.Prefix]*list.Element // of *failureRecord
	order   *list.List                     // by window start, oldest in front
}

type failureRecord struct {
	client netip.Prefix
	start  time.Time
	count  int
}

func newFailures(limit FailureLimit, now func() time.Time) *failures {
	return &failures{limit: limit, now: now, max: maxTrackedClients, clients: map[netip.Prefix]*list.Element{}, order: list.New()}
}

// clientOf is who r comes from: its remote IP address, or the /64 of an IPv6
// one, which a single host commonly holds whole. An address that does not
// parse (no TCP peer) is one shared client.
func clientOf(r *http.Request) netip.Prefix {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.Prefix{}
	}
	a := ap.Addr().Unmap()
	bits := 32
	if a.Is6() {
		bits = 64
	}
	p, _ := a.Prefix(bits)
	return p
}

// wait returns how long client must still wait before it may try again, 0
// when it may try now.
func (f *failures) wait(client netip.Prefix) time.Duration {
	if f.limit.Max == 0 {
		return 0
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.expire(f.now())
	el, ok := f.clients[client]
	if !ok {
		return 0
	}
	rec := el.Value.(*failureRecord)
	if rec.count < f.limit.Max {
		return 0
	}
	return rec.start.Add(f.limit.Window).Sub(f.now())
}

// fail counts one failed login of client.
func (f *failures) fail(client netip.Prefix) {
	if f.limit.Max == 0 {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.now()
	f.expire(now)
	if el, ok := f.clients[client]; ok {
		el.Value.(*failureRecord).count++
		return
	}
	if f.order.Len() >= f.max {
		f.forget(f.order.Front())
	}
	f.clients[client] = f.order.PushBack(&failureRecord{client: client, start: now, count: 1})
}

// expire forgets the clients whose window has ended; windows are all as
// long, so those are at the front.
func (f *failures) expire(now time.Time) {
	for el := f.order.Front(); el != nil; el = f.order.Front() {
		if now.Before(el.Value.(*failureRecord).start.Add(f.limit.Window)) {
			return
		}
		f.forget(el)
	}
}

func (f *failures) forget(el *list.Element) {
	f.order.Remove(el)
	delete(f.clients, el.Value.(*failureRecord).client)
}

// tooManyFailures is the cause of a TooManyRequests error: how long to wait.
type tooManyFailures struct{ retryAfter time.Duration }

func (e *tooManyFailures) Error() string {
	return "too many failed logins from this client; retry after " + e.retryAfter.String()
}

func errTooManyFailures(wait time.Duration) error {
	return valence.Wrap(&tooManyFailures{wait}, valence.TooManyRequests,
		"Too many failed attempts to log in from this address; try again in %d seconds.", retrySeconds(wait))
}

// retrySeconds rounds wait up to whole seconds, at least 1, for Retry-After.
func retrySeconds(wait time.Duration) int {
	return max(1, int(math.Ceil(wait.Seconds())))
}

// setRetryAfter sets Retry-After when err says how long to wait.
func setRetryAfter(w http.ResponseWriter, err error) {
	var tm *tooManyFailures
	if errors.As(err, &tm) {
		w.Header().Set("Retry-After", strconv.Itoa(retrySeconds(tm.retryAfter)))
	}
}
