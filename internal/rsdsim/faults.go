package rsdsim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"
)

// Operation names for Faults.ErrorRate.
const (
	OpGet      = "get"      // any GET
	OpSession  = "session"  // login and logout
	OpAllocate = "allocate" // Nodes/Actions/Allocate
	OpAssemble = "assemble" // ComposedNode.Assemble
	OpReset    = "reset"    // ComposedNode.Reset and ComputerSystem.Reset
	OpPatch    = "patch"    // PATCH of a node or system; the DMTF model's Add/RemoveResourceBlock
	OpDelete   = "delete"   // DELETE of a node
	OpVolume   = "volume"   // create or delete a volume
	OpAttach   = "attach"   // AttachResource and DetachResource
	OpAll      = "*"        // every operation without a rate of its own
)

var operations = []string{OpGet, OpSession, OpAllocate, OpAssemble, OpReset, OpPatch, OpDelete, OpVolume, OpAttach, OpAll}

// Down modes.
const (
	DownRefuse = "refuse" // the connection is closed (reset) without an answer
	DownHang   = "hang"   // the request is held until the client gives up or the mode changes
)

// Faults are what the simulator does wrong on purpose, for the reliability tests of its
// clients. The zero value is a healthy Pod Manager. /admin/faults is never subject to them.
type Faults struct {
	// Latency delays every Redfish request, plus a uniform random Jitter in [0, Jitter).
	Latency, Jitter time.Duration
	// ErrorRate maps an operation (Op*) to the probability in [0, 1] that it fails with
	// ErrorStatus before doing anything; OpAll covers operations not listed.
	ErrorRate map[string]float64
	// ErrorStatus is the status of an injected error: 500 (the default) or any 4xx/5xx.
	ErrorStatus int
	// FailAssembly makes every Assemble end in the Failed state.
	FailAssembly bool
	// Down is "", DownRefuse or DownHang.
	Down string
}

// faultsJSON is the wire form of Faults on /admin/faults: durations as Go strings ("250ms").
type faultsJSON struct {
	Latency      string             `json:"latency,omitempty"`
	Jitter       string             `json:"jitter,omitempty"`
	ErrorRate    map[string]float64 `json:"error_rate,omitempty"`
	ErrorStatus  int                `json:"error_status,omitempty"`
	FailAssembly bool               `json:"fail_assembly"`
	Down         string             `json:"down,omitempty"`
}

// MarshalJSON writes the admin endpoint's form.
func (f Faults) MarshalJSON() ([]byte, error) {
	w := faultsJSON{ErrorRate: f.ErrorRate, ErrorStatus: f.ErrorStatus, FailAssembly: f.FailAssembly, Down: f.Down}
	if f.Latency > 0 {
		w.Latency = f.Latency.String()
	}
	if f.Jitter > 0 {
		w.Jitter = f.Jitter.String()
	}
	return json.Marshal(w)
}

// UnmarshalJSON reads the admin endpoint's form; unknown keys are an error, so a typo does
// not silently leave a fault off.
func (f *Faults) UnmarshalJSON(b []byte) error {
	var w faultsJSON
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&w); err != nil {
		return err
	}
	var out Faults
	var err error
	if w.Latency != "" {
		if out.Latency, err = time.ParseDuration(w.Latency); err != nil {
			return fmt.Errorf("latency: %w", err)
		}
	}
	if w.Jitter != "" {
		if out.Jitter, err = time.ParseDuration(w.Jitter); err != nil {
			return fmt.Errorf("jitter: %w", err)
		}
	}
	out.ErrorRate, out.ErrorStatus, out.FailAssembly, out.Down = w.ErrorRate, w.ErrorStatus, w.FailAssembly, w.Down
	*f = out
	return nil
}

func (f Faults) validate() error {
	if f.Latency < 0 || f.Jitter < 0 {
		return fmt.Errorf("rsdsim: latency and jitter must not be negative")
	}
	for op, rate := range f.ErrorRate {
		if !slices.Contains(operations, op) {
			return fmt.Errorf("rsdsim: unknown operation %q in error rates (want one of %v)", op, operations)
		}
		if rate < 0 || rate > 1 {
			return fmt.Errorf("rsdsim: error rate %v of %q is not in [0, 1]", rate, op)
		}
	}
	if f.ErrorStatus != 0 && (f.ErrorStatus < 400 || f.ErrorStatus > 599) {
		return fmt.Errorf("rsdsim: error status %d is not a 4xx or 5xx", f.ErrorStatus)
	}
	if f.Down != "" && f.Down != DownRefuse && f.Down != DownHang {
		return fmt.Errorf("rsdsim: down mode %q is not %q or %q", f.Down, DownRefuse, DownHang)
	}
	return nil
}

// faultState holds the active faults; changed is closed and replaced on every change, which
// wakes the requests held by DownHang.
type faultState struct {
	mu      sync.Mutex
	f       Faults
	changed chan struct{}
}

func (st *faultState) set(f Faults) {
	f.ErrorRate = maps.Clone(f.ErrorRate)
	st.mu.Lock()
	defer st.mu.Unlock()
	st.f = f
	if st.changed != nil {
		close(st.changed)
	}
	st.changed = make(chan struct{})
}

func (st *faultState) get() Faults {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.f
}

func (st *faultState) watch() (Faults, <-chan struct{}) {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.f, st.changed
}

// applyConnectionFaults plays Down and Latency; false means the request was answered (or
// dropped) here.
func (s *Simulator) applyConnectionFaults(w http.ResponseWriter, r *http.Request) bool {
	for {
		f, changed := s.faults.watch()
		switch f.Down {
		case DownRefuse:
			dropConnection(w)
			return false
		case DownHang:
			select {
			case <-changed:
				continue // look again: the mode may have been lifted
			case <-r.Context().Done():
				return false
			case <-s.done:
				writeError(w, newError(http.StatusServiceUnavailable, codeServiceUnavailable, "The simulator is shutting down."))
				return false
			}
		}
		delay := f.Latency
		if f.Jitter > 0 {
			delay += rand.N(f.Jitter)
		}
		if delay > 0 {
			t := time.NewTimer(delay)
			defer t.Stop()
			select {
			case <-t.C:
			case <-r.Context().Done():
				return false
			}
		}
		return true
	}
}

// dropConnection closes the client's connection with a reset, the closest an http.Handler
// gets to a refused connection; without a hijackable connection it answers 503.
func dropConnection(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			if tcp, ok := conn.(*net.TCPConn); ok {
				_ = tcp.SetLinger(0)
			}
			_ = conn.Close()
			return
		}
	}
	writeError(w, newError(http.StatusServiceUnavailable, codeServiceUnavailable, "The Pod Manager is down."))
}

// injectedCodes are the MessageIds of injected errors whose status has one of its own.
var injectedCodes = map[int]string{
	http.StatusUnauthorized:       codeUnauthorized,
	http.StatusForbidden:          codeInsufficientPrivilege,
	http.StatusNotImplemented:     codeActionNotSupported,
	http.StatusServiceUnavailable: codeServiceUnavailable,
}

// injectError fails an operation at its configured rate.
func (s *Simulator) injectError(op string) *apiError {
	f := s.faults.get()
	rate, ok := f.ErrorRate[op]
	if !ok {
		rate = f.ErrorRate[OpAll]
	}
	if rate <= 0 || rand.Float64() >= rate {
		return nil
	}
	status := f.ErrorStatus
	if status == 0 {
		status = http.StatusInternalServerError
	}
	code, ok := injectedCodes[status]
	if !ok {
		code = codeUnknownException
	}
	return newError(status, code, "Injected fault: operation "+op+" failed.",
		"The simulator answered "+strconv.Itoa(status)+" to "+op+" on purpose.")
}
