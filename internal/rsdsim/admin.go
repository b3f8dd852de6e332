package rsdsim

import (
	"encoding/json"
	"net/http"
)

// adminFaultsPath is the fault console (see the package documentation). It lives outside
// /redfish so that no Redfish client stumbles on it and no fault ever applies to it.
const adminFaultsPath = "/admin/faults"

// serveAdmin answers GET, PUT and DELETE on the fault console with the faults now active.
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
		err := f.validate()
		if err == nil && s.dmtf != nil {
			err = dmtfFaults(f)
		}
		if err != nil {
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
