package functional

import (
	"net/http"
	"net/url"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/valence-rsd/valence/api"
)

// sessionTimeout is the simulator's SessionTimeout in testPodManagerSessionLost.
const sessionTimeout = time.Second

// testPodManagerSessionLost restarts the simulator (its sessions are gone,
// its nodes kept by --state), then lets the new session time out: each time
// valence-api's next calls, answered 401 on the session it holds, log in
// again and are done, never a 502 PodManagerAuthFailed.
func testPodManagerSessionLost(t *testing.T, b backend) {
	args := []string{"--systems", "2", "--state", filepath.Join(t.TempDir(), "podm.journal"),
		"--session-timeout", sessionTimeout.String()}
	sim := startSimulator(t, args...)
	a := startAPI(t, b)
	pm := a.register(t, "podm1", sim.url)
	n := a.compose(t, api.NodeCompose{Name: "across-restarts", PodmID: pm.UUID})
	power := "/v1/nodes/" + n.UUID + "/states/power"

	u, err := url.Parse(sim.url)
	if err != nil {
		t.Fatal(err)
	}
	sim.proc.stop(t)
	startSimulator(t, append(args, "--listen", u.Host)...)
	a.expect(t, http.StatusNoContent, http.MethodPut, power, api.PowerTarget{Target: api.PowerTargetOn})

	// Unused for longer than its timeout, the session is closed; concurrent
	// calls then share one login.
	time.Sleep(2 * sessionTimeout)
	var wg sync.WaitGroup
	var systems response
	for _, target := range []string{api.PowerTargetOff, api.PowerTargetOn} {
		wg.Go(func() {
			if r := a.do(t, http.MethodPut, power, api.PowerTarget{Target: target}); r.status != http.StatusNoContent {
				t.Errorf("%s after the session timed out: %d %s", target, r.status, r.body)
			}
		})
	}
	wg.Go(func() { systems = a.do(t, http.MethodGet, "/v1/systems?podm_id="+pm.UUID, nil) })
	wg.Wait()
	if systems.status != http.StatusOK || len(decodeAs[[]api.System](t, systems)) != 2 || len(systems.header.Values("Warning")) != 0 {
		t.Errorf("systems after the session timed out: %d %s, warnings %q", systems.status, systems.body, systems.header.Values("Warning"))
	}
}
