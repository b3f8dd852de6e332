package rsdsim

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestAdminFaults(t *testing.T) {
	ts := newTestServer(t, Config{Username: "u", Password: "p"})
	noAuth := []string{"Authorization", ""}
	r := ts.do("GET", adminFaultsPath, nil, noAuth...).mustStatus(t, 200)
	if r.body["fail_assembly"] != false || len(r.body) != 1 {
		t.Errorf("initial faults: %s", r.raw)
	}
	put := `{"latency":"1ms","jitter":"2ms","error_rate":{"allocate":0.5,"*":0.01},"error_status":503,"fail_assembly":true}`
	r = ts.do("PUT", adminFaultsPath, put, noAuth...).mustStatus(t, 200)
	var back, want Faults
	_ = json.Unmarshal(r.raw, &back)
	_ = json.Unmarshal([]byte(put), &want)
	if back.Latency != time.Millisecond || back.Jitter != 2*time.Millisecond || back.ErrorRate["allocate"] != 0.5 ||
		back.ErrorStatus != 503 || !back.FailAssembly || ts.sim.CurrentFaults().ErrorRate["*"] != 0.01 {
		t.Errorf("faults after PUT: %+v", back)
	}
	for _, bad := range []string{`{"latency":"soon"}`, `{"jitter":"x"}`, `{"error_rate":{"fly":1}}`, `{"error_rate":{"get":1.5}}`,
		`{"error_status":200}`, `{"down":"maybe"}`, `{"latency":"-1s"}`, `{"laytency":"1s"}`, `{`} {
		ts.do("PUT", adminFaultsPath, bad, noAuth...).mustStatus(t, 400)
	}
	ts.do("DELETE", adminFaultsPath, nil, noAuth...).mustStatus(t, 200)
	if f := ts.sim.CurrentFaults(); f.FailAssembly || f.ErrorRate != nil {
		t.Errorf("faults after DELETE: %+v", f)
	}
	r = ts.do("POST", adminFaultsPath, `{}`, noAuth...).mustStatus(t, 405)
	if r.header.Get("Allow") == "" {
		t.Error("405 without Allow")
	}
}

func TestInjectedErrors(t *testing.T) {
	ts := newTestServer(t, Config{Faults: Faults{ErrorRate: map[string]float64{OpAllocate: 1}}})
	r := ts.do("POST", "/redfish/v1/Nodes/Actions/Allocate", m{}).mustStatus(t, 500)
	if r.errorCode(t) != codeUnknownException {
		t.Errorf("injected error code %s", r.errorCode(t))
	}
	ts.do("GET", "/redfish/v1/Systems", nil).mustStatus(t, 200) // other operations unaffected

	ts.sim.SetFaults(Faults{ErrorRate: map[string]float64{OpAll: 1, OpGet: 0}, ErrorStatus: 503})
	ts.do("GET", "/redfish/v1/Systems", nil).mustStatus(t, 200)
	r = ts.do("POST", "/redfish/v1/Systems/System1/Actions/ComputerSystem.Reset", m{"ResetType": "On"}).mustStatus(t, 503)
	if r.errorCode(t) != codeServiceUnavailable {
		t.Errorf("503 code %s", r.errorCode(t))
	}
	// The refusals a client must not mistake for its caller's: each with its own MessageId.
	for status, code := range map[int]string{401: codeUnauthorized, 403: codeInsufficientPrivilege, 501: codeActionNotSupported} {
		ts.sim.SetFaults(Faults{ErrorRate: map[string]float64{OpReset: 1}, ErrorStatus: status})
		r = ts.do("POST", "/redfish/v1/Systems/System1/Actions/ComputerSystem.Reset", m{"ResetType": "On"}).mustStatus(t, status)
		if r.errorCode(t) != code || len(r.extendedMessages()) != 1 {
			t.Errorf("%d: code %s, extended info %q", status, r.errorCode(t), r.extendedMessages())
		}
	}
}

func TestLatency(t *testing.T) {
	ts := newTestServer(t, Config{Faults: Faults{Latency: 60 * time.Millisecond, Jitter: 10 * time.Millisecond}})
	start := time.Now()
	ts.do("GET", "/redfish/v1/", nil).mustStatus(t, 200)
	if d := time.Since(start); d < 60*time.Millisecond {
		t.Errorf("answered in %v despite 60ms latency", d)
	}
	start = time.Now()
	ts.do("GET", adminFaultsPath, nil).mustStatus(t, 200)
	if d := time.Since(start); d >= 60*time.Millisecond {
		t.Errorf("admin endpoint delayed (%v)", d)
	}
}

func TestDownRefuse(t *testing.T) {
	ts := newTestServer(t, Config{Faults: Faults{Down: DownRefuse}})
	if _, err := ts.srv.Client().Get(ts.srv.URL + "/redfish/v1/"); err == nil {
		t.Fatal("a down simulator answered")
	}
	ts.do("DELETE", adminFaultsPath, nil).mustStatus(t, 200)
	ts.do("GET", "/redfish/v1/", nil).mustStatus(t, 200)
}

func TestDownHang(t *testing.T) {
	ts := newTestServer(t, Config{})
	ts.sim.SetFaults(Faults{Down: DownHang})
	// A client with a deadline gives up.
	c := &http.Client{Timeout: 100 * time.Millisecond}
	if _, err := c.Get(ts.srv.URL + "/redfish/v1/"); err == nil || !strings.Contains(err.Error(), "Timeout") {
		t.Fatalf("hung request: %v", err)
	}
	// A held request goes on once the fault is lifted.
	done := make(chan int)
	go func() {
		resp, err := ts.srv.Client().Get(ts.srv.URL + "/redfish/v1/")
		if err != nil {
			done <- 0
			return
		}
		resp.Body.Close()
		done <- resp.StatusCode
	}()
	select {
	case <-done:
		t.Fatal("answered while hanging")
	case <-time.After(50 * time.Millisecond):
	}
	ts.do("PUT", adminFaultsPath, `{"latency":"1ms"}`).mustStatus(t, 200)
	if got := <-done; got != 200 {
		t.Errorf("held request got %d", got)
	}
	// Close releases held requests with 503.
	ts.sim.SetFaults(Faults{Down: DownHang})
	go func() {
		time.Sleep(30 * time.Millisecond)
		ts.sim.Close()
	}()
	resp, err := ts.srv.Client().Get(ts.srv.URL + "/redfish/v1/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 503 {
		t.Errorf("after Close: %d", resp.StatusCode)
	}
}
