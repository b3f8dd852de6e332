package rsdsim

import (
	"cmp"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/google/uuid"
)

// ComposedNodeState values (PODM ComposedNodeState.java).
const (
	stateAllocated  = "Allocated"
	stateAssembling = "Assembling"
	stateAssembled  = "Assembled"
	stateFailed     = "Failed"
)

// node is a composed node: a whole system plus the remote volumes given to it.
type node struct {
	id, uuid, name, description string
	sys                         *system
	state                       string
	volumes                     []*volume       // remote drives, in the order they were attached
	addedVLANs                  map[*nic][]vlan // VLANs Allocate configured, removed again on delete
	oem                         json.RawMessage
	clearTPMOnDelete            bool
}

func (n *node) path() string { return nodesPath + "/" + n.id }

// byNumber orders the numeric Ids the simulator mints ("2" before "10").
func byNumber(a, b string) int {
	x, _ := strconv.Atoi(a)
	y, _ := strconv.Atoi(b)
	return cmp.Compare(x, y)
}

// renderNodes renders the Nodes collection with its Allocate action.
func (s *Simulator) renderNodes() {
	ids := make([]string, 0, len(s.nodes))
	for id := range s.nodes {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, byNumber)
	members := make([]string, len(ids))
	for i, id := range ids {
		members[i] = nodesPath + "/" + id
	}
	c := collection(nodesPath, "#ComposedNodeCollection.ComposedNodeCollection", "Composed Nodes Collection", members)
	c["Actions"] = obj{"#ComposedNodeCollection.Allocate": obj{"target": nodesPath + "/Actions/Allocate"}}
	s.put(nodesPath, c)
}

// renderNode renders a ComposedNode in the shape of the chosen version; its power and boot
// settings are those of its system.
func (s *Simulator) renderNode(n *node) {
	p, sys := n.path(), n.sys
	odataType := "#ComposedNode.v1_0_0.ComposedNode"
	if s.ver.minor >= 3 {
		odataType = "#ComposedNode.v1_1_0.ComposedNode"
	}
	d := resource(p, odataType, n.id, n.name)
	d["Description"] = n.description
	d["UUID"] = n.uuid
	d["PowerState"] = sys.power
	status := statusOK()
	if n.state == stateFailed {
		status["Health"], status["HealthRollup"] = "Critical", "Critical"
	}
	d["Status"] = status
	d["ComposedNodeState"] = n.state
	d["Boot"] = bootObject(sys.boot)
	d["Processors"] = obj{"Count": len(sys.procs), "Model": sys.procs[0].model, "Status": statusOK()}
	d["Memory"] = obj{"TotalSystemMemoryGiB": sys.totalMemoryMiB() / 1024, "Status": statusOK()}
	var procs, dimms, nics, drives, remote []string
	for _, c := range sys.procs {
		procs = append(procs, c.path())
	}
	for _, m := range sys.dimms {
		dimms = append(dimms, m.path())
	}
	for _, e := range sys.nics {
		nics = append(nics, e.path())
	}
	for _, dr := range sys.drives {
		drives = append(drives, dr.path())
	}
	for _, v := range n.volumes {
		remote = append(remote, s.remoteDrivePath(v))
	}
	d["Links"] = obj{"ComputerSystem": link(sys.path()), "Processors": links(procs), "Memory": links(dimms),
		"EthernetInterfaces": links(nics), "LocalDrives": links(drives), "RemoteDrives": links(remote),
		"ManagedBy": links([]string{podmManager}), "Oem": obj{}}
	reset := obj{"target": p + "/Actions/ComposedNode.Reset", "ResetType@Redfish.AllowableValues": allowedResetTypes,
		// RSD 1.x annotation that Valence still reads; harmless to every other client.
		"ResetType@DMTF.AllowableValues": allowedResetTypes}
	actions := obj{"#ComposedNode.Reset": reset, "#ComposedNode.Assemble": obj{"target": p + "/Actions/ComposedNode.Assemble"}}
	if s.ver.minor >= 3 {
		d["ClearTPMOnDelete"] = n.clearTPMOnDelete
		for _, a := range []string{"Attach", "Detach"} {
			actions["#ComposedNode."+a+"Resource"] = obj{"target": p + "/Actions/ComposedNode." + a + "Resource",
				"@Redfish.ActionInfo": link(p + "/Actions/" + a + "ResourceActionInfo")}
		}
	}
	d["Actions"] = actions
	d["Oem"] = obj{}
	if len(n.oem) > 0 && string(n.oem) != "null" {
		d["Oem"] = n.oem
	}
	s.put(p, d)
}

// allocate is POST /redfish/v1/Nodes/Actions/Allocate: pick a free system meeting the
// template, create the node Allocated, answer 201 with an absolute Location and no body, as
// PODM 2.1–2.3 do.
func (s *Simulator) allocate(w http.ResponseWriter, r *http.Request, _ []string) *apiError {
	body, e := readBody(w, r)
	if e != nil {
		return e
	}
	req, e := parseAllocation(body, s.ver.minor)
	if e != nil {
		return e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	checks, e := s.systemChecks(req)
	if e != nil {
		return e
	}
	remote, e := s.planRemoteDrives(req.RemoteDrives)
	if e != nil {
		return e
	}
	sys, e := s.selectSystem(checks)
	if e != nil {
		return e
	}
	if e := s.checkRemoteDrives(remote); e != nil {
		return e
	}
	n := s.compose(sys, req, remote)
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	w.Header().Set("Location", scheme+"://"+r.Host+n.path())
	w.WriteHeader(http.StatusCreated)
	return nil
}

// compose creates the node on sys: it marks the system, configures the requested VLANs on
// the matching interfaces and creates or attaches the remote drives. The caller holds s.mu
// and has checked that everything fits.
func (s *Simulator) compose(sys *system, req *allocationRequest, remote []remoteDrivePlan) *node {
	s.nodeSeq++
	n := &node{id: strconv.Itoa(s.nodeSeq), uuid: uuid.NewString(), name: "Composed Node", sys: sys,
		state: stateAllocated, addedVLANs: map[*nic][]vlan{}, oem: req.Oem}
	if req.Name != nil {
		n.name = *req.Name
	}
	if req.Description != nil && !s.cfg.Quirks.DropDescription {
		n.description = *req.Description
	}
	if req.Security != nil && req.Security.ClearTPMOnDelete != nil && s.ver.minor >= 3 {
		n.clearTPMOnDelete = *req.Security.ClearTPMOnDelete
	}
	sys.node = n
	nics, _ := s.ethernetPreds(req.EthernetInterfaces) // already resolved by systemChecks
	for i, j := range assign(sys.nics, nics) {
		s.addVLANs(n, sys.nics[j], req.EthernetInterfaces[i])
	}
	for _, p := range remote {
		v := p.existing
		if v == nil {
			v = s.addVolume(p.spec, n)
		}
		s.attach(n, v)
	}
	s.nodes[n.id] = n
	s.renderNode(n)
	s.renderNodes()
	s.renderSystem(sys)
	return n
}

// addVLANs configures the VLANs an Ethernet request names on the interface chosen for it.
func (s *Simulator) addVLANs(n *node, e *nic, req ethernetRequest) {
	want := make([]vlan, 0, len(req.VLANs)+1)
	if req.PrimaryVLAN != nil {
		want = append(want, vlan{id: *req.PrimaryVLAN})
	}
	for _, v := range req.VLANs {
		want = append(want, vlan{id: *v.VLANId, tagged: v.Tagged != nil && *v.Tagged})
	}
	for _, v := range want {
		if !slices.ContainsFunc(e.vlans, func(x vlan) bool { return x.id == v.id }) {
			e.vlans = append(e.vlans, v)
			n.addedVLANs[e] = append(n.addedVLANs[e], v)
		}
	}
	if len(n.addedVLANs[e]) > 0 {
		s.renderNIC(e)
	}
}

// nodeByID returns the node with that Id or a 404; the caller holds s.mu.
func (s *Simulator) nodeByID(r *http.Request, id string) (*node, *apiError) {
	n := s.nodes[id]
	if n == nil {
		return nil, errNotFound(r.URL.Path)
	}
	return n, nil
}

// assemble moves an Allocated node to Assembling and, after AssembleDelay, to Assembled (or
// Failed when the FailAssembly fault is set at the time of the request).
func (s *Simulator) assemble(w http.ResponseWriter, r *http.Request, params []string) *apiError {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, e := s.nodeByID(r, params[0])
	if e != nil {
		return e
	}
	if n.state != stateAllocated {
		return errPayload("Only composed node in Allocated state can be assembled; node " + n.id + " is " + n.state + ".")
	}
	final := stateAssembled
	if s.faults.get().FailAssembly {
		final = stateFailed
	}
	n.state = stateAssembling
	if s.cfg.AssembleDelay <= 0 || s.replaying {
		n.state = final
	} else {
		time.AfterFunc(s.cfg.AssembleDelay, func() { s.finishAssembly(n, final) })
	}
	s.renderNode(n)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// finishAssembly ends a delayed assembly unless the node was deleted meanwhile.
func (s *Simulator) finishAssembly(n *node, final string) {
	select {
	case <-s.done:
		return
	default:
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.nodes[n.id] == n && n.state == stateAssembling {
		n.state = final
		s.renderNode(n)
	}
}

// resetNode resets the system of an Assembled node (PODM refuses to reset a node that has
// not been assembled, as there is no composed hardware yet).
func (s *Simulator) resetNode(w http.ResponseWriter, r *http.Request, params []string) *apiError {
	body, e := readBody(w, r)
	if e != nil {
		return e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n, e := s.nodeByID(r, params[0])
	if e != nil {
		return e
	}
	t, e := s.resetType(body)
	if e != nil {
		return e
	}
	if n.state != stateAssembled {
		return errPayload("Only composed node in Assembled state can be reset; node " + n.id + " is " + n.state + ".")
	}
	n.sys.power = nextPowerState(n.sys.power, t)
	s.systemChanged(n.sys)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// patchNode changes Boot (and, in 2.3, ClearTPMOnDelete) and answers 200 with the node, as
// PODM does.
func (s *Simulator) patchNode(w http.ResponseWriter, r *http.Request, params []string) *apiError {
	body, e := readBody(w, r)
	if e != nil {
		return e
	}
	writable := []string{"Boot"}
	if s.ver.minor >= 3 {
		writable = append(writable, "ClearTPMOnDelete")
	}
	s.mu.Lock()
	n, e := s.nodeByID(r, params[0])
	if e == nil {
		e = s.checkIfMatch(r, n.path())
	}
	var props map[string]json.RawMessage
	if e == nil {
		props, e = parsePatch(body, writable...)
	}
	if raw, ok := props["ClearTPMOnDelete"]; ok && e == nil {
		if err := json.Unmarshal(raw, &n.clearTPMOnDelete); err != nil {
			e = errPayload("ClearTPMOnDelete must be a boolean.")
		}
	}
	if e == nil {
		e = s.setBoot(n.sys, props["Boot"])
	}
	s.mu.Unlock()
	if e != nil {
		return e
	}
	return s.serveCurrent(w, r, nodesPath+"/"+params[0])
}

// deleteNode disassembles a node: the system is shut down and freed, the VLANs Allocate added
// are removed, volumes created for the node are deleted and the others detached.
func (s *Simulator) deleteNode(w http.ResponseWriter, r *http.Request, params []string) *apiError {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, e := s.nodeByID(r, params[0])
	if e != nil {
		return e
	}
	if e := s.checkIfMatch(r, n.path()); e != nil {
		return e
	}
	delete(s.nodes, n.id)
	for iface, added := range n.addedVLANs {
		iface.vlans = slices.DeleteFunc(iface.vlans, func(v vlan) bool { return slices.Contains(added, v) })
		for _, v := range added {
			delete(s.docs, iface.path()+"/VLANs/"+strconv.Itoa(v.id))
		}
		s.renderNIC(iface)
	}
	for _, v := range slices.Clone(n.volumes) {
		s.detach(n, v)
		if v.owner == n {
			s.removeVolume(v)
		}
	}
	delete(s.docs, n.path()) // after the detaches, which render the node again
	n.sys.node = nil
	n.sys.power = "Off"
	s.renderSystem(n.sys)
	s.renderNodes()
	w.WriteHeader(http.StatusNoContent)
	return nil
}
