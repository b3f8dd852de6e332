package bolt

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"

	bbolt "go.etcd.io/bbolt"

	"github.com/valence-rsd/valence/internal/valence"
)

// crashChildEnv names the store file a re-executed test binary writes to
// until it is killed.
const crashChildEnv = "VALENCE_BOLT_CRASH_CHILD"

// TestCrash kills a writing process with SIGKILL, several times over the
// same file, and checks that every write it acknowledged survived and that
// the file is consistent.
func TestCrash(t *testing.T) {
	if path := os.Getenv(crashChildEnv); path != "" {
		crashChild(path)
		return
	}
	path := filepath.Join(t.TempDir(), "valence.db")
	acked := map[string]int64{} // id -> last acknowledged revision
	var last int64
	for round := range 3 {
		for _, ack := range runUntilKilled(t, path, round, 300) {
			acked[ack.ID] = ack.Revision
			last = max(last, ack.Revision)
		}
	}

	s, err := Open(path)
	if err != nil {
		t.Fatalf("reopen after the crashes: %v", err)
	}
	defer s.Close()
	for id, rev := range acked {
		rec, err := s.Get(t.Context(), valence.KindNode, id)
		if err != nil {
			t.Errorf("acknowledged %q lost: %v", id, err)
		} else if rec.Revision < rev {
			t.Errorf("%q: revision %d, older than the acknowledged %d", id, rec.Revision, rev)
		}
	}
	err = s.db.View(func(tx *bbolt.Tx) error {
		for err := range tx.Check() {
			t.Errorf("consistency check: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := s.Create(t.Context(), valence.Record{Kind: valence.KindNode, ID: "after-crash"})
	if err != nil || rec.Revision <= last {
		t.Errorf("Create after the crashes: revision %d, error %v; want a revision above %d", rec.Revision, err, last)
	}
	t.Logf("%d records acknowledged over 3 crashes, last revision %d", len(acked), last)
}

// ack is one acknowledged write as the child reports it.
type ack struct {
	ID       string
	Revision int64
}

// runUntilKilled starts a child writing to path, kills it with SIGKILL once
// it has acknowledged n writes, and returns every acknowledgement it printed.
func runUntilKilled(t *testing.T, path string, round, n int) []ack {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrash$")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+path, fmt.Sprintf("VALENCE_BOLT_CRASH_ROUND=%d", round))
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var acks []ack
	lines := bufio.NewScanner(out)
	for lines.Scan() {
		var a ack
		if json.Unmarshal(lines.Bytes(), &a) != nil {
			continue // the test framework's own output
		}
		acks = append(acks, a)
		if len(acks) == n {
			// Kill mid-stream; lines already written are still read below.
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := cmd.Wait(); err == nil {
		t.Fatalf("round %d: child exited cleanly after %d writes; it should have been killed", round, len(acks))
	}
	if len(acks) < n {
		t.Fatalf("round %d: child died after %d writes, before the kill", round, len(acks))
	}
	return acks
}

// crashChild creates records and updates the previous one, forever,
// printing each write once Create or Update has returned.
func crashChild(path string) {
	s, err := Open(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	ctx := context.Background()
	enc := json.NewEncoder(os.Stdout)
	round := os.Getenv("VALENCE_BOLT_CRASH_ROUND")
	var prev valence.Record
	for i := 0; ; i++ {
		rec, err := s.Create(ctx, valence.Record{
			Kind:   valence.KindNode,
			ID:     fmt.Sprintf("r%s-%06d", round, i),
			Unique: map[string]string{"name": fmt.Sprintf("node-%s-%d", round, i)},
			Data:   json.RawMessage(fmt.Sprintf(`{"i":%d}`, i)),
		})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		enc.Encode(ack{rec.ID, rec.Revision})
		if i > 0 {
			if prev, err = s.Update(ctx, prev); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(2)
			}
			enc.Encode(ack{prev.ID, prev.Revision})
		}
		prev = rec
	}
}
