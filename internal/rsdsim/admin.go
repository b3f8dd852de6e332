package rsdsim

import (
	"encoding/json"
	"net/http"
)

// adminFaultsPath is the fault console, outside /redfish so that no Redfish client stumbles
// on it and the faults never apply to it:
//
//	GET    /admin/faults   the active faults
//	PUT    /admin/faults   replace them; body like {"latency":"200ms","jitter":"50ms",
//	                       "error_rate":{"allocate":0.5,"*":0.1},"error_status":503,
//	                       "fail_assembly":true,"down":"refuse"|"hang"}
//	DELETE /admin/faults   clear them all
//
// Each answers 200 with the faults now active. It needs no credentials: it is a test
// harness's control, meant for loopback.
const adminFaultsPath = "/admin/faults"

func (s *Simulator) serveAdmin(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
	case http.MethodPut:
		body, e := readBody(w, r)
		if e != nil {
			writeError(w, e)
			return
		}
		var f Faults
		if err := json.Unmarshal(body, &f); err != nil {
			writeError(w, errPayload("Malformed faults: "+err.Error()))
			return
		}
		if err := f.validate(); err != nil {
			writeError(w, errPayload(err.Error()))
			return
		}
		s.SetFaults(f)
	case http.MethodDelete:
		s.SetFaults(Faults{})
	default:
		w.Header().Set("Allow", "DELETE, GET, PUT")
		writeError(w, newError(http.StatusMethodNotAllowed, codeInvalidHTTPMethod, "Use GET, PUT or DELETE on "+adminFaultsPath+"."))
		return
	}
	b, _ := json.Marshal(s.CurrentFaults())
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write(b)
}
