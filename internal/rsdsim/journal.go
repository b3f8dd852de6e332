package rsdsim

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// A real Pod Manager keeps its composed nodes, volumes and power states across a restart.
// The simulator does so with a journal: every Redfish request that changed something is
// written as one JSON line, and a new simulator replays the lines in order before it serves.
// Replaying gives the same nodes and volumes with the same Ids, as the inventory, the
// system choice and the Id sequences are deterministic. Sessions are not kept (clients log
// in again after a restart, as with PODM), and an assembly pending at the restart ends
// Assembled at once.

// journalEntry is one line of the journal.
type journalEntry struct {
	Method string          `json:"method"`
	Path   string          `json:"path"`
	Body   json.RawMessage `json:"body,omitempty"`
}

// journaled tells whether a request may change the state worth keeping.
func journaled(r *http.Request) bool {
	switch r.Method {
	case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		return !strings.HasPrefix(cleanPath(r.URL.Path), sessionServicePath)
	}
	return false
}

// serveJournaled serves a changing request and, when it succeeded, appends it to the
// journal. Such requests run one at a time, so that the journal's order is the order in
// which they changed the state.
func (s *Simulator) serveJournaled(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		writeError(w, errPayload("The request body could not be read: "+err.Error()))
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	s.journalMu.Lock()
	defer s.journalMu.Unlock()
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	if e := s.serve(rec, r); e != nil {
		writeError(rec, e)
	}
	if rec.status >= 300 {
		return
	}
	entry := journalEntry{Method: r.Method, Path: cleanPath(r.URL.Path)}
	if json.Valid(body) {
		entry.Body = body
	}
	line, _ := json.Marshal(entry)
	if _, err := s.cfg.Journal.Write(append(line, '\n')); err != nil {
		// The change is made but would be lost at a restart: say so loudly.
		panic(fmt.Sprintf("rsdsim: journal write failed: %v", err))
	}
}

// Replay applies the journal a previous simulator with the same Config wrote, before this
// one serves. Faults and the assembly delay do not apply to it; a line that fails now (a
// journal of another inventory) stops it with an error.
func (s *Simulator) Replay(journal io.Reader) error {
	s.replaying = true
	defer func() { s.replaying = false }()
	sc := bufio.NewScanner(journal)
	sc.Buffer(make([]byte, 0, 64<<10), maxBody+1024)
	for n := 1; sc.Scan(); n++ {
		var e journalEntry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return fmt.Errorf("rsdsim: journal line %d: %w", n, err)
		}
		r, err := http.NewRequest(e.Method, e.Path, bytes.NewReader(e.Body))
		if err != nil {
			return fmt.Errorf("rsdsim: journal line %d: %w", n, err)
		}
		r.SetBasicAuth(s.cfg.Username, s.cfg.Password)
		rec := &statusRecorder{ResponseWriter: discard{}, status: http.StatusOK}
		if e := s.serve(rec, r); e != nil || rec.status >= 300 {
			return fmt.Errorf("rsdsim: journal line %d (%s %s) no longer applies", n, r.Method, r.URL.Path)
		}
	}
	return sc.Err()
}

// statusRecorder remembers the status a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(status int) {
	r.status = status
	r.ResponseWriter.WriteHeader(status)
}

// discard is a ResponseWriter that keeps nothing, for replayed requests.
type discard struct{}

func (discard) Header() http.Header         { return http.Header{} }
func (discard) Write(b []byte) (int, error) { return len(b), nil }
func (discard) WriteHeader(int)             {}
