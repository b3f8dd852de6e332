package functional

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/valence-rsd/valence/api"
)

// testDMTFComposeForms: the v1 compose on the two forms of DMTF composition.
// A service offering only constrained composition (rsd-simulator
// --dmtf-composition constrained) composes from processor, memory and
// network requirements, refuses drives with a 400 that says why, and its own
// refusal (ResourceExhaustion) reaches the caller as a 409 with its
// extended_info. A service offering specific composition gives local drives
// and network interfaces from Storage and Network blocks, shown on the node,
// and a 409 naming the drives it lacks. A service that composes in a task
// (--compose-task) gives the node its finished task's system.
func testDMTFComposeForms(t *testing.T, b backend) {
	e := newEnv(t, b, setup{sims: [][]string{append(slices.Clone(dmtfSim), "--dmtf-composition", "constrained"), dmtfSim,
		append(slices.Clone(dmtfSim), "--compose-task", "300ms")}})
	c, constrained, specific, tasked := e.api.client, e.podms[0], e.podms[1], e.podms[2]

	// A service that composes in a task: the node is its finished task's system.
	n := e.api.compose(t, `{"name":"t1","podm_id":"`+tasked.UUID+`","properties":{"processor":{"total_cores":"1"}}}`)
	if composed := e.sims[2].composed(t); len(composed) != 1 || n.ResourceURI != composed[0] || n.NodeState != api.NodeAssembled {
		t.Errorf("a node composed through a task: %+v; the simulator's composed systems %v", n, composed)
	}
	c.deleted(t, "/v1/nodes/"+n.UUID)

	n = e.api.compose(t, `{"name":"c1","podm_id":"`+constrained.UUID+`","properties":{"processor":{"count":2},"memory":{"capacity_mib":1024},`+
		`"network":[{"speed_mbps":1000}]}}`)
	d := decodeAs[api.NodeDetail](t, c.get(t, http.StatusOK, "/v1/nodes/"+n.UUID))
	if n.NodeState != api.NodeAssembled || d.Metadata == nil || len(d.Metadata.Processor) < 2 || len(d.Metadata.Network) == 0 {
		t.Errorf("a node composed by a constrained request: %+v, metadata %+v", n, d.Metadata)
	}
	used := e.sims[0].usedBlocks(t)
	refusal := c.failure(t, http.StatusBadRequest, "BadRequest", http.MethodPost, "/v1/nodes",
		`{"name":"d","podm_id":"`+constrained.UUID+`","properties":{"local_drives":[{"capacity_gib":100}]}}`)
	if !strings.Contains(refusal.Detail, "local_drives") || !strings.Contains(refusal.Detail, "constrained") {
		t.Errorf("drives asked of a constrained-only service: %q", refusal.Detail)
	}
	refusal = c.failure(t, http.StatusConflict, "Conflict", http.MethodPost, "/v1/nodes",
		`{"name":"huge","podm_id":"`+constrained.UUID+`","properties":{"processor":{"count":64}}}`)
	if len(refusal.ExtendedInfo) == 0 || !strings.Contains(refusal.ExtendedInfo[0], "unavailability of resources") {
		t.Errorf("the service's ResourceExhaustion: %+v", refusal)
	}
	if after := e.sims[0].usedBlocks(t); strings.Join(after, " ") != strings.Join(used, " ") {
		t.Errorf("refused composes changed the blocks in use: %v, then %v", used, after)
	}
	c.deleted(t, "/v1/nodes/"+n.UUID)

	io := e.api.compose(t, `{"name":"io","podm_id":"`+specific.UUID+`","properties":{"processor":{"total_cores":"1"},`+
		`"local_drives":[{"capacity_gib":100},{}],"network":[{"speed_mbps":1000}]}}`)
	d = decodeAs[api.NodeDetail](t, c.get(t, http.StatusOK, "/v1/nodes/"+io.UUID))
	if d.Metadata == nil || len(d.Metadata.LocalDrives) != 2 || len(d.Metadata.Network) != 1 || d.Metadata.LocalDrives[0].CapacityGiB < 100 && d.Metadata.LocalDrives[1].CapacityGiB < 100 {
		t.Errorf("a node with two drives and an interface: metadata %+v", d.Metadata)
	}
	refusal = c.failure(t, http.StatusConflict, "Conflict", http.MethodPost, "/v1/nodes",
		`{"name":"many","podm_id":"`+specific.UUID+`","properties":{"local_drives":[{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}]}}`)
	if !strings.Contains(refusal.Detail, "local_drives 16 (at most ") {
		t.Errorf("16 drives: %q does not name the drives missing", refusal.Detail)
	}
	refusal = c.failure(t, http.StatusBadRequest, "BadRequest", http.MethodPost, "/v1/nodes",
		`{"name":"vlan","podm_id":"`+specific.UUID+`","properties":{"network":[{"speed_mbps":1000,"vlan":7}]}}`)
	if !strings.Contains(refusal.Detail, "network[0].vlan") {
		t.Errorf("a VLAN asked: %q", refusal.Detail)
	}
	c.deleted(t, "/v1/nodes/"+io.UUID)
	if used := e.sims[1].usedBlocks(t); len(used) != 0 {
		t.Errorf("blocks in use after the decompose: %v", used)
	}
}

// testDMTFTaskCrashRecovery is testDMTFCrashRecovery on a service that
// composes in a task (rsd-simulator --compose-task): the crash loses the
// task monitor's answer, and recovery finds the system by the compose's id.
func testDMTFTaskCrashRecovery(t *testing.T, b backend) {
	sim := crashRecovery(t, b, append(slices.Clone(dmtfSim), "--compose-task", "5m"), (*simulator).composed, (*simulator).composed)
	if used := sim.usedBlocks(t); len(used) != 0 {
		t.Errorf("blocks still in use after the recovery: %v", used)
	}
}
