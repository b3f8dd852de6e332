package server

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/valence-rsd/valence/api"
	"github.com/valence-rsd/valence/internal/stacktest"
)

// A pod manager that is not Online says why; a second registration of one service is a 409
// naming the first; no message shows the store's bucket names.
func TestPodManagerStatusReasonAndIdentity(t *testing.T) {
	f := newAPI(t)
	first := f.createPodManager(t, "podm1")
	if first.Status != "Online" || first.StatusReason != "" {
		t.Errorf("online pod manager: %s %q", first.Status, first.StatusReason)
	}
	auth := `"authentication":[{"type":"basic","auth_items":{"username":"` + stacktest.SimUser + `","password":"` + stacktest.SimPassword + `"}}]`
	resp, body := f.admin(t, "POST", "/v1/pod_managers", `{"name":"gone","url":"http://127.0.0.1:1",`+auth+`}`)
	var gone api.PodManager
	if json.Unmarshal(body, &gone); resp.StatusCode != 201 || gone.Status != "Offline" || !strings.Contains(gone.StatusReason, "cannot be reached") {
		t.Errorf("offline pod manager: %d %s", resp.StatusCode, body)
	}
	resp, body = f.admin(t, "POST", "/v1/pod_managers", `{"name":"again","url":"`+strings.ToUpper(f.simURL[:4])+f.simURL[4:]+`/redfish/v1/",`+auth+`}`)
	if e := checkError(t, resp, body, 409, "Conflict"); !strings.Contains(e.Detail, first.UUID) || !strings.Contains(e.Detail, "podm1") {
		t.Errorf("the duplicate does not name the first: %s", e.Detail)
	}
	resp, body = f.admin(t, "POST", "/v1/pod_managers", `{"name":"podm1","url":"http://127.0.0.1:2",`+auth+`}`)
	if e := checkError(t, resp, body, 409, "Conflict"); e.Detail != `A pod manager named "podm1" exists already.` {
		t.Errorf("name clash: %s", e.Detail)
	}
}
