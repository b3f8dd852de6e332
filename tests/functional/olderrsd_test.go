package functional

import (
	"net/http"
	"slices"
	"testing"

	"github.com/valence-rsd/valence/api"
)

// testOlderRSD runs the life of a node and a volume against RSD 2.1 and 2.2
// pod managers, whose storage is RSS (Services, LogicalDrives, iSCSI
// targets) and whose Allocate request knows less than 2.3's.
func testOlderRSD(t *testing.T, b backend) {
	for _, version := range []string{"2.1", "2.2"} {
		t.Run(version, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, b, setup{sims: [][]string{{"--systems", "2", "--rsd-version", version}}})
			c, pm := e.api.client, e.podms[0]
			if pm.RSDVersion != version+".0" || !slices.Contains(pm.Capabilities, "compose") || !slices.Contains(pm.Capabilities, "storage") {
				t.Errorf("pod manager of RSD %s: %+v", version, pm)
			}
			// What this version cannot express is refused, not dropped.
			c.failure(t, http.StatusBadRequest, "BadRequest", http.MethodPost, "/v1/nodes",
				`{"name":"nvme","podm_id":"`+pm.UUID+`","properties":{"remote_drives":[{"capacity_gib":10,"protocol":"NVMeOverFabrics"}]}}`)
			if version == "2.1" {
				c.failure(t, http.StatusBadRequest, "BadRequest", http.MethodPost, "/v1/nodes",
					`{"name":"tpm","podm_id":"`+pm.UUID+`","properties":{"security":{"tpm":true}}}`)
			}

			n := e.api.compose(t, `{"name":"old","podm_id":"`+pm.UUID+`","properties":{"processor":{"total_cores":2},
				"remote_drives":[{"capacity_gib":"10","protocol":"iSCSI"}]}}`)
			d := decodeAs[api.NodeDetail](t, c.get(t, http.StatusOK, "/v1/nodes/"+n.UUID))
			if d.NodeState != api.NodeAssembled || d.Metadata == nil || len(d.Metadata.Processor) == 0 {
				t.Fatalf("node on RSD %s: %+v", version, d)
			}
			if r := d.Metadata.RemoteDrives; len(r) != 1 || r[0].CapacityGiB < 10 || r[0].Protocol != "iSCSI" {
				t.Errorf("remote drives of a node asking for 10 GiB over iSCSI: %+v", r)
			}
			mine := decodeAs[[]api.Storage](t, c.get(t, http.StatusOK, "/v1/nodes/"+n.UUID+"/storages"))
			if len(mine) != 1 || mine[0].CapacityGiB < 10 || mine[0].Protocol != "iSCSI" || mine[0].AttachedTo == nil || *mine[0].AttachedTo != n.UUID {
				t.Errorf("GET /v1/nodes/%s/storages: %+v", n.UUID, mine)
			}
			for _, target := range []string{api.PowerTargetOn, api.PowerTargetOff} {
				c.expect(t, http.StatusNoContent, http.MethodPut, "/v1/nodes/"+n.UUID+"/states/power", api.PowerTarget{Target: target})
			}
			c.expect(t, http.StatusNoContent, http.MethodPost, "/v1/nodes/"+n.UUID+"/action", `{"Boot":{"Enabled":"Once","Target":"Pxe"}}`)

			v := decodeAs[api.Storage](t, c.create(t, "/v1/storages", api.StorageCreate{PodmID: pm.UUID, CapacityGiB: 5, Name: "rss"}))
			if v.CapacityGiB != 5 || v.Protocol != "iSCSI" || v.StorageService == "" {
				t.Errorf("volume on RSD %s: %+v", version, v)
			}
			c.deleted(t, "/v1/storages/"+v.ID)
			c.failure(t, http.StatusNotFound, "NotFound", http.MethodGet, "/v1/storages/"+v.ID, nil)

			c.deleted(t, "/v1/nodes/"+n.UUID)
			if left := e.sims[0].nodes(t); len(left) != 0 {
				t.Errorf("decomposed node still on the simulator: %v", left)
			}
		})
	}
}
