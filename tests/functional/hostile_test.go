package functional

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/valence-rsd/valence/api"
)

// TestHostilePodManager registers pod managers that misbehave on purpose:
// one streams an endless service root, one links its login to another host.
// valence-api marks both Offline, its memory stays bounded, and the other
// host never hears from it.
func TestHostilePodManager(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var seen []string
	attacker := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Method+" "+r.URL.String())
		mu.Unlock()
	}))
	defer attacker.Close()
	endless := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"RedfishVersion":"`)
		chunk := []byte(strings.Repeat("x", 64<<10))
		for r.Context().Err() == nil {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	defer endless.Close()
	leaky := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := strings.TrimPrefix(attacker.URL, "http://")
		fmt.Fprintf(w, `{"RedfishVersion":"1.6.0","Systems":{"@odata.id":"/redfish/v1/Systems"},"Links":{"Sessions":{"@odata.id":"@%s/redfish/v1/SessionService/Sessions"}}}`, host)
	}))
	defer leaky.Close()

	// A timeout long enough that reading on until it would take gigabytes.
	a := startAPI(t, backend{name: "bolt"}, "VALENCE_PODM_TIMEOUT=20s", "VALENCE_PODM_MAX_RESPONSE=65536")
	for name, url := range map[string]string{"endless": endless.URL, "leaky": leaky.URL} {
		pm := decodeAs[api.PodManager](t, a.create(t, "/v1/pod_managers", podmCreate(name, url)))
		if pm.Status != api.PodManagerOffline {
			t.Errorf("pod manager %s: status %s, want Offline", name, pm.Status)
		}
	}
	if peak, err := peakRSS(a.proc.cmd.Process.Pid); err != nil {
		t.Logf("peak memory not checked: %v", err)
	} else if t.Logf("valence-api's peak resident memory: %d MiB", peak>>20); peak > 256<<20 {
		t.Errorf("valence-api's peak memory reached %d MiB reading answers capped at 64 KiB", peak>>20)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) > 0 {
		t.Errorf("the other host received %q", seen)
	}
}

// peakRSS is the process's peak resident memory (VmHWM), in bytes.
func peakRSS(pid int) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("no VmHWM in /proc/%d/status", pid)
}
