package functional

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"testing"

	"github.com/valence-rsd/valence/api"
)

// testLogs runs valence-api at debug level and reads its log: one JSON line
// per request with the id the caller got, and never a password, not even a
// wrong one.
func testLogs(t *testing.T, b backend) {
	const password, wrong = "Pa55-log-7Qx", "Wr0ng-log-9Zk"
	sim := startSimulator(t, "--systems", "1", "--password", password)
	a := startAPI(t, b, "VALENCE_LOG_LEVEL=debug")
	c := a.client

	body := podmCreate("logged", sim.url)
	body.Authentication[0].AuthItems.Password = password
	r := c.create(t, "/v1/pod_managers", body)
	pm := decodeAs[api.PodManager](t, r)
	ids := map[string]int{r.header.Get("X-OpenStack-Request-Id"): http.StatusCreated}
	patch := func(pw string) {
		r := c.expect(t, http.StatusOK, http.MethodPatch, "/v1/pod_managers/"+pm.UUID,
			`{"authentication":[{"type":"basic","auth_items":{"username":"admin","password":"`+pw+`"}}]}`)
		ids[r.header.Get("X-OpenStack-Request-Id")] = http.StatusOK
	}
	patch(wrong)
	patch(password)
	r = c.create(t, "/v1/nodes", api.NodeCompose{Name: "logged", PodmID: pm.UUID})
	ids[r.header.Get("X-OpenStack-Request-Id")] = http.StatusCreated
	r = c.do(t, http.MethodGet, "/v1/flavors/"+unknownID, nil)
	ids[r.header.Get("X-OpenStack-Request-Id")] = http.StatusNotFound
	a.stop(t) // every line written

	log, err := os.ReadFile(a.proc.logFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{password, wrong} {
		if bytes.Contains(log, []byte(secret)) {
			t.Errorf("the log holds a password:\n%s", grepLines(string(log), secret))
		}
	}
	seen := map[string]bool{}
	lines := bufio.NewScanner(bytes.NewReader(log))
	lines.Buffer(nil, 1<<20)
	for lines.Scan() {
		var line struct {
			RequestID string `json:"request_id"`
			Method    string `json:"method"`
			Route     string `json:"route"`
			Status    int    `json:"status"`
		}
		if err := json.Unmarshal(lines.Bytes(), &line); err != nil {
			t.Errorf("a log line that is not JSON: %s", lines.Bytes())
			continue
		}
		if want, ok := ids[line.RequestID]; ok && line.Status != 0 {
			seen[line.RequestID] = true
			if line.Status != want || line.Method == "" || line.Route == "" {
				t.Errorf("access line of %s: %s, want status %d with method and route", line.RequestID, lines.Bytes(), want)
			}
		}
	}
	for id := range ids {
		if !seen[id] {
			t.Errorf("no access line for request %s", id)
		}
	}
}
