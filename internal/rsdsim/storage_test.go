package rsdsim

import (
	"slices"
	"strings"
	"testing"
)

const volumes23 = "/redfish/v1/StorageServices/SS1/Volumes"

func TestVolumes23(t *testing.T) {
	ts := newTestServer(t, Config{})
	r := ts.do("POST", volumes23, m{"Name": "scratch", "CapacityBytes": 10 << 30, "AccessCapabilities": []any{"Read", "Write"},
		"CapacitySources": []any{m{"ProvidingPools": []any{m{"@odata.id": "/redfish/v1/StorageServices/SS1/StoragePools/Pool1"}}}},
		"Oem":             m{"Intel_RackScale": m{"Bootable": true}}}).mustStatus(t, 201)
	loc := r.header.Get("Location")
	if !strings.HasPrefix(loc, volumes23+"/") || r.body["@odata.id"] != loc || r.body["CapacityBytes"] != float64(10<<30) {
		t.Fatalf("created volume: Location %q body %s", loc, r.raw)
	}
	if get(r.body, "Oem", "Intel_RackScale", "Bootable") != true || r.body["Name"] != "scratch" {
		t.Errorf("Bootable or Name not kept: %s", r.raw)
	}
	if get(r.body, "Identifiers", 1, "DurableNameFormat") != "NQN" {
		t.Errorf("a 2.3 volume has no NQN to name its protocol: %s", r.raw)
	}
	pool := ts.do("GET", "/redfish/v1/StorageServices/SS1/StoragePools/Pool1", nil).mustStatus(t, 200)
	if used := get(pool.body, "Capacity", "Data", "ConsumedBytes").(float64); used != float64((goldenGiB+10)<<30) {
		t.Errorf("pool consumed %v", used)
	}
	clone := ts.do("POST", volumes23, m{"ReplicaInfos": []any{m{"ReplicaType": "Clone", "Replica": m{"@odata.id": loc}}}}).mustStatus(t, 201)
	if get(clone.body, "ReplicaInfos", 0, "Replica", "@odata.id") != loc || clone.body["CapacityBytes"] != float64(10<<30) {
		t.Errorf("clone: %s", clone.raw)
	}
	for _, bad := range []any{
		`{"CapacityBytes":`, m{}, m{"CapacityBytes": -1},
		m{"CapacityBytes": 1, "CapacitySources": []any{m{"ProvidingPools": []any{m{"@odata.id": "/redfish/v1/Nope"}}}}},
		m{"ReplicaInfos": []any{m{"ReplicaType": "Mirror", "Replica": m{"@odata.id": loc}}}},
		m{"ReplicaInfos": []any{m{"Replica": m{"@odata.id": volumes23 + "/999"}}}},
	} {
		if c := ts.do("POST", volumes23, bad).mustStatus(t, 400).errorCode(t); c != codeUnsupportedCreation {
			t.Errorf("%v: code %s", bad, c)
		}
	}
	ts.do("POST", volumes23, m{"CapacityBytes": poolBytes()}).mustStatus(t, 409)
	ts.do("DELETE", loc, nil).mustStatus(t, 204)
	ts.do("GET", loc, nil).mustStatus(t, 404)
	ts.do("DELETE", loc, nil).mustStatus(t, 404)
}

func TestLogicalDrives21(t *testing.T) {
	ts := newTestServer(t, Config{RSDVersion: "2.1"})
	const lds = "/redfish/v1/Services/RSS1/LogicalDrives"
	r := ts.do("POST", lds, m{"Name": "lv", "Type": "LVM", "Mode": "LV", "CapacityGiB": 20, "Bootable": true, "Snapshot": true,
		"Links": m{"MasterDrive": m{"@odata.id": lds + "/1"}}}).mustStatus(t, 201)
	loc := r.header.Get("Location")
	if r.body["Mode"] != "LV" || get(r.body, "Links", "MasterDrive", "@odata.id") != lds+"/1" || r.body["Snapshot"] != true || r.body["Name"] != "lv" {
		t.Errorf("logical drive: %s", r.raw)
	}
	target := get(r.body, "Links", "Targets", 0, "@odata.id").(string)
	tg := ts.do("GET", target, nil).mustStatus(t, 200)
	if get(tg.body, "Addresses", 0, "iSCSI", "TargetLUN", 0, "LogicalDrive", "@odata.id") != loc {
		t.Errorf("target: %s", tg.raw)
	}
	vg := ts.do("GET", lds+"/vg1", nil).mustStatus(t, 200)
	if len(get(vg.body, "Links", "LogicalDrives").([]any)) != 2 {
		t.Errorf("volume group: %s", vg.raw)
	}
	ts.do("POST", lds, m{"CapacityGiB": 0}).mustStatus(t, 400)

	// A node's remote drive is an iSCSI target in 2.1; the target shows the initiator.
	n := ts.allocate(m{"RemoteDrives": []any{m{"CapacityGiB": 5, "iSCSIAddress": "iqn.x", "Master": m{"Type": "Clone", "Address": m{"@odata.id": loc}}}}})
	node := ts.do("GET", n, nil).mustStatus(t, 200)
	rt := get(node.body, "Links", "RemoteDrives", 0, "@odata.id").(string)
	if !strings.HasPrefix(rt, "/redfish/v1/Services/RSS1/Targets/") {
		t.Fatalf("remote drive %s", rt)
	}
	tgt := ts.do("GET", rt, nil).body
	if ini := get(tgt, "Initiator", 0, "iSCSI", "InitiatorIQN"); ini == "" {
		t.Error("target of a node has no initiator")
	}
	if iqn := get(tgt, "Addresses", 0, "iSCSI", "TargetIQN"); iqn != "iqn.x" {
		t.Errorf("target IQN %v, want the iSCSIAddress of the template", iqn)
	}
	if _, ok := get(node.body, "Actions").(map[string]any)["#ComposedNode.AttachResource"]; ok {
		t.Error("2.1 node offers AttachResource")
	}
	ts.do("POST", n+"/Actions/ComposedNode.AttachResource", m{}).mustStatus(t, 404)
	ts.do("DELETE", n, nil).mustStatus(t, 204)
	// The volume Allocate created went with the node.
	ts.do("GET", rt, nil).mustStatus(t, 404)
	ts.do("DELETE", loc, nil).mustStatus(t, 204)
}

func TestAttachDetach23(t *testing.T) {
	ts := newTestServer(t, Config{})
	vol := ts.do("POST", volumes23, m{"CapacityBytes": 1 << 30}).mustStatus(t, 201).header.Get("Location")
	n := ts.allocate(m{})
	other := ts.allocate(m{})
	node := ts.do("GET", n, nil).body
	attach := get(node, "Actions", "#ComposedNode.AttachResource", "target").(string)
	info := get(node, "Actions", "#ComposedNode.AttachResource", "@Redfish.ActionInfo", "@odata.id").(string)
	detach := get(node, "Actions", "#ComposedNode.DetachResource", "target").(string)
	detachInfo := get(node, "Actions", "#ComposedNode.DetachResource", "@Redfish.ActionInfo", "@odata.id").(string)

	offered := func(infoPath string) []string {
		r := ts.do("GET", infoPath, nil).mustStatus(t, 200)
		var out []string
		for _, v := range get(r.body, "Parameters", 0, "AllowableValues").([]any) {
			out = append(out, v.(map[string]any)["@odata.id"].(string))
		}
		return out
	}
	if !slices.Contains(offered(info), vol) {
		t.Errorf("attach info does not offer %s: %v", vol, offered(info))
	}
	ts.do("POST", attach, m{"Resource": m{"@odata.id": vol}, "Protocol": "NVMeOverFabrics"}).mustStatus(t, 204)
	if get(ts.do("GET", n, nil).body, "Links", "RemoteDrives", 0, "@odata.id") != vol {
		t.Error("attached volume not in Links.RemoteDrives")
	}
	if slices.Contains(offered(info), vol) || !slices.Contains(offered(detachInfo), vol) {
		t.Errorf("action infos after attach: attach %v detach %v", offered(info), offered(detachInfo))
	}
	ts.do("POST", other+"/Actions/ComposedNode.AttachResource", m{"Resource": m{"@odata.id": vol}}).mustStatus(t, 409)
	ts.do("DELETE", vol, nil).mustStatus(t, 409)
	ts.do("POST", attach, m{"Resource": m{"@odata.id": vol}, "Protocol": "FibreChannel"}).mustStatus(t, 400)
	ts.do("POST", attach, m{"Resource": m{"@odata.id": volumes23 + "/77"}}).mustStatus(t, 400)
	ts.do("POST", attach, m{}).mustStatus(t, 400)
	ts.do("POST", other+"/Actions/ComposedNode.DetachResource", m{"Resource": m{"@odata.id": vol}}).mustStatus(t, 400)
	ts.do("POST", "/redfish/v1/Nodes/99/Actions/ComposedNode.AttachResource", m{"Resource": m{"@odata.id": vol}}).mustStatus(t, 404)
	ts.do("POST", detach, m{"Resource": m{"@odata.id": vol}}).mustStatus(t, 204)
	ts.do("POST", detach, m{"Resource": m{"@odata.id": vol}}).mustStatus(t, 400)

	// An existing volume given to Allocate is attached, and survives the node.
	n3 := ts.allocate(m{"RemoteDrives": []any{m{"Resource": m{"@odata.id": vol}, "Protocol": "NVMeOverFabrics"}}})
	r := ts.do("POST", "/redfish/v1/Nodes/Actions/Allocate", m{"RemoteDrives": []any{m{"Resource": m{"@odata.id": vol}}}}).mustStatus(t, 409)
	if msgs := strings.Join(r.extendedMessages(), " "); !strings.Contains(msgs, "RemoteDrives[0].Resource") {
		t.Errorf("409 does not name the volume: %s", msgs)
	}
	ts.do("POST", "/redfish/v1/Nodes/Actions/Allocate", m{"RemoteDrives": []any{m{"Resource": m{"@odata.id": volumes23 + "/1"}},
		m{"Resource": m{"@odata.id": volumes23 + "/1"}}}}).mustStatus(t, 400)
	ts.do("DELETE", n3, nil).mustStatus(t, 204)
	ts.do("GET", vol, nil).mustStatus(t, 200)
	ts.do("DELETE", vol, nil).mustStatus(t, 204)
}
