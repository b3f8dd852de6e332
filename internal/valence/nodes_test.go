package valence

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

var admin = Scope{AllProjects: true}

func nodeIDs(nodes []Node) []string {
	out := []string{}
	for _, n := range nodes {
		out = append(out, n.UUID)
	}
	return out
}

func sortedIDs(nodes ...Node) []string {
	ids := nodeIDs(nodes)
	slices.Sort(ids)
	return ids
}

func TestListNodesScope(t *testing.T) {
	f := newFixture(t)
	pm, _ := f.podm("rack1", 4)
	a1 := f.compose(pm, "a1", "proj-a")
	a2 := f.compose(pm, "a2", "proj-a")
	b1 := f.compose(pm, "b1", "proj-b")
	p0 := f.compose(pm, "p0", "")

	cases := []struct {
		name    string
		scope   Scope
		filters map[string]string
		want    []string
	}{
		{"admin sees all", admin, nil, sortedIDs(a1, a2, b1, p0)},
		{"admin filters by project", admin, map[string]string{"project_id": "proj-b"}, []string{b1.UUID}},
		{"admin filters by name", admin, map[string]string{"name": "a2"}, []string{a2.UUID}},
		{"member sees its project", Scope{ProjectID: "proj-a"}, nil, sortedIDs(a1, a2)},
		{"member filters its own project", Scope{ProjectID: "proj-a"}, map[string]string{"project_id": "proj-a"}, sortedIDs(a1, a2)},
		{"member asks for another project", Scope{ProjectID: "proj-a"}, map[string]string{"project_id": "proj-b"}, []string{}},
		{"member filters by name outside its project", Scope{ProjectID: "proj-a"}, map[string]string{"name": "b1"}, []string{}},
		{"member filters by state", Scope{ProjectID: "proj-b"}, map[string]string{"node_state": NodeAssembled}, []string{b1.UUID}},
		{"by pod manager", admin, map[string]string{"podm_id": pm.UUID, "index": a1.Index}, []string{a1.UUID}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, more, err := f.svc.ListNodes(f.ctx, c.scope, c.filters, Page{})
			if err != nil || more {
				t.Fatalf("ListNodes: more=%v err=%v", more, err)
			}
			if ids := nodeIDs(got); !slices.Equal(ids, c.want) {
				t.Errorf("got %v, want %v", ids, c.want)
			}
		})
	}
	page, more, err := f.svc.ListNodes(f.ctx, Scope{ProjectID: "proj-a"}, nil, Page{Limit: 1})
	if err != nil || len(page) != 1 || !more {
		t.Errorf("first page of one: %v more=%v err=%v", nodeIDs(page), more, err)
	}
	_, _, err = f.svc.ListNodes(f.ctx, admin, map[string]string{"flavor": "x"}, Page{})
	wantCode(t, "unknown filter", err, Invalid)
}

func TestGetNodeMergesLiveDetail(t *testing.T) {
	f := newFixture(t)
	pm, p := f.podm("rack1", 1)
	n := f.compose(pm, "web-1", "proj-a")
	p.set(func(p *fakePodm) {
		pn := p.nodes[n.ResourceURI]
		pn.PowerState, pn.Health = "On", "Warning"
		pn.Boot = Boot{Enabled: "Once", Target: "Pxe", Mode: "UEFI"}
		pn.AllowedResets = []string{"On", "ForceOff"}
	})
	f.clock.advance(time.Minute)

	d, err := f.svc.GetNode(f.ctx, Scope{ProjectID: "proj-a"}, n.UUID)
	if err != nil {
		t.Fatalf("GetNode: %v", err)
	}
	if d.Name != "web-1" || d.ProjectID != "proj-a" || d.State != NodeAssembled || d.PowerState != "On" ||
		d.HealthStatus != "Warning" || d.BootEnabled != "Once" || d.TargetBootSource != "Pxe" || d.BootMode != "UEFI" ||
		d.ComputerSystem != "/redfish/v1/Systems/System1" || !slices.Equal(d.AllowedResets, []string{"On", "ForceOff"}) ||
		len(d.Metadata.Processors) != 1 || d.PodmStatus != "" {
		t.Errorf("detail %+v", d)
	}
	// The states seen are stored, so that lists show them.
	stored, _, err := f.svc.nodes.get(f.ctx, n.UUID)
	if err != nil || stored.PowerState != "On" || !stored.UpdatedAt.Equal(f.clock.Now()) {
		t.Errorf("stored after GetNode: %+v", stored)
	}
	on, _, _ := f.svc.ListNodes(f.ctx, admin, map[string]string{"node_power_state": "On"}, Page{})
	if ids := nodeIDs(on); !slices.Equal(ids, []string{n.UUID}) {
		t.Errorf("nodes powered on: %v", ids)
	}
	power, state, err := f.svc.NodeStates(f.ctx, admin, n.UUID)
	if err != nil || power != "On" || state != NodeAssembled {
		t.Errorf("NodeStates: %q %q %v", power, state, err)
	}

	_, err = f.svc.GetNode(f.ctx, Scope{ProjectID: "proj-b"}, n.UUID)
	wantCode(t, "another project's node", err, NotFound)
	_, err = f.svc.GetNode(f.ctx, admin, "nope")
	wantCode(t, "unknown node", err, NotFound)
}

func TestGetNodePodManagerUnreachable(t *testing.T) {
	for _, how := range []string{"down", "slow"} {
		t.Run(how, func(t *testing.T) {
			f := newFixture(t, func(o *Options) { o.PodmTimeout = 50 * time.Millisecond })
			pm, p := f.podm("rack1", 1)
			n := f.compose(pm, "web-1", "proj-a")
			if how == "down" {
				p.setDown(true)
			} else {
				p.blockOn("GetNode")
			}
			d, err := f.svc.GetNode(f.ctx, admin, n.UUID)
			if err != nil {
				t.Fatalf("GetNode: %v", err)
			}
			if d.State != NodeUnknown || d.PowerState != NodeUnknown || d.PodmStatus != StatusOffline ||
				d.Name != "web-1" || d.ResourceURI != n.ResourceURI || d.Index != n.Index {
				t.Errorf("detail %+v", d)
			}
			stored, _, _ := f.svc.nodes.get(f.ctx, n.UUID)
			if stored.State != NodeAssembled || stored.PowerState != "Off" {
				t.Errorf("Unknown states were stored: %+v", stored)
			}
		})
	}
}

func TestGetNodeOtherFailures(t *testing.T) {
	f := newFixture(t)
	pm, p := f.podm("rack1", 1)
	n := f.compose(pm, "web-1", "")
	p.failOn("GetNode", Errorf(PodManagerError, "internal error"))
	_, err := f.svc.GetNode(f.ctx, admin, n.UUID)
	wantCode(t, "pod manager error", err, PodManagerError)
}

func TestDecompose(t *testing.T) {
	f := newFixture(t)
	pm, p := f.podm("rack1", 2)
	n := f.compose(pm, "web-1", "proj-a")
	gone := f.compose(pm, "web-2", "proj-a")
	// Warm the inventory cache: decompose must make the system show as free.
	sys := must[Inventory[System]](t, "Systems")(f.svc.Systems(f.ctx, ""))
	if sys.Items[0].ComposedNode == "" {
		t.Fatalf("system 1 not linked to node %s: %+v", n.UUID, sys.Items[0])
	}

	wantCode(t, "another project's node", f.svc.Decompose(f.ctx, Scope{ProjectID: "proj-b"}, n.UUID), NotFound)
	if got := p.called("DeleteNode"); len(got) != 0 {
		t.Fatalf("a refused decompose deleted %v", got)
	}
	if err := f.svc.Decompose(f.ctx, Scope{ProjectID: "proj-a"}, n.UUID); err != nil {
		t.Fatalf("Decompose: %v", err)
	}
	if got := p.called("DeleteNode"); !slices.Equal(got, []string{"DeleteNode " + n.ResourceURI}) {
		t.Errorf("DeleteNode calls %v", got)
	}
	_, err := f.svc.GetNode(f.ctx, admin, n.UUID)
	wantCode(t, "GetNode after decompose", err, NotFound)
	sys = must[Inventory[System]](t, "Systems")(f.svc.Systems(f.ctx, ""))
	if sys.Items[0].ComposedNode != "" {
		t.Errorf("the system still shows node %s after the decompose", sys.Items[0].ComposedNode)
	}

	// Deleted on the pod manager behind Valence's back: still fine.
	if err := (&fakeConn{p: p}).DeleteNode(f.ctx, gone.ResourceURI); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Decompose(f.ctx, admin, gone.UUID); err != nil {
		t.Errorf("Decompose of a node already gone on the pod manager: %v", err)
	}
	if ids := f.store.ids(KindNode); len(ids) != 0 {
		t.Errorf("records left: %v", ids)
	}
	wantCode(t, "unknown node", f.svc.Decompose(f.ctx, admin, "nope"), NotFound)
}

func TestDecomposeUnreachableKeepsTheRecord(t *testing.T) {
	f := newFixture(t)
	pm, p := f.podm("rack1", 1)
	n := f.compose(pm, "web-1", "")
	p.setDown(true)
	wantCode(t, "Decompose", f.svc.Decompose(f.ctx, admin, n.UUID), PodManagerUnavailable)
	if ids := f.store.ids(KindNode); !slices.Equal(ids, []string{n.UUID}) {
		t.Errorf("records %v, want the node kept", ids)
	}
}

func TestAdopt(t *testing.T) {
	f := newFixture(t)
	pm, p := f.podm("rack1", 2)
	index := p.compose("outside")
	f.clock.advance(time.Minute)

	n, err := f.svc.Adopt(f.ctx, admin, pm.UUID, " "+index+" ", "proj-a")
	if err != nil {
		t.Fatalf("Adopt: %v", err)
	}
	want := Node{UUID: n.UUID, Name: "outside", PodmID: pm.UUID, Index: index, ResourceURI: fakeNodes + index,
		State: NodeAssembled, PowerState: "Off", ProjectID: "proj-a", CreatedAt: f.clock.Now(), UpdatedAt: f.clock.Now()}
	if n != want {
		t.Errorf("adopted\n %+v\nwant\n %+v", n, want)
	}
	if ids := f.store.ids(KindNode); !slices.Equal(ids, []string{n.UUID}) {
		t.Errorf("records %v", ids)
	}

	_, err = f.svc.Adopt(f.ctx, admin, pm.UUID, index, "proj-b")
	wantCode(t, "adopt again", err, Conflict)
	wantMessage(t, "adopt again", err, index, "already managed")
	_, err = f.svc.Adopt(f.ctx, admin, pm.UUID, "42", "proj-a")
	wantCode(t, "unknown index", err, NotFound)
	wantMessage(t, "unknown index", err, "42")
	_, err = f.svc.Adopt(f.ctx, admin, "nope", index, "proj-a")
	wantCode(t, "unknown pod manager", err, NotFound)
	_, err = f.svc.Adopt(f.ctx, admin, pm.UUID, " ", "proj-a")
	wantCode(t, "no index", err, Invalid)
	_, err = f.svc.Adopt(f.ctx, admin, "", index, "proj-a")
	wantCode(t, "no pod manager", err, Invalid)

	// A node composed by Valence is managed already.
	composed := f.compose(pm, "mine", "proj-a")
	_, err = f.svc.Adopt(f.ctx, admin, pm.UUID, composed.Index, "proj-a")
	wantCode(t, "adopt a composed node", err, Conflict)
}

func TestReset(t *testing.T) {
	f := newFixture(t)
	pm, p := f.podm("rack1", 3)
	n := f.compose(pm, "web-1", "proj-a")
	limited := f.compose(pm, "web-2", "proj-a")
	open := f.compose(pm, "web-3", "proj-a")
	p.set(func(p *fakePodm) {
		p.nodes[limited.ResourceURI].AllowedResets = []string{"On", "ForceOff"}
		p.nodes[open.ResourceURI].AllowedResets = nil // says nothing: anything goes
	})
	sc := Scope{ProjectID: "proj-a"}
	reads := len(p.called("GetNode"))

	for _, rt := range ResetTypes {
		t.Run(rt, func(t *testing.T) {
			before := len(p.called("ResetNode"))
			if err := f.svc.Reset(f.ctx, sc, n.UUID, rt); err != nil {
				t.Fatalf("Reset %s: %v", rt, err)
			}
			got := p.called("ResetNode")
			if len(got) != before+1 || got[before] != "ResetNode "+n.ResourceURI+" "+rt {
				t.Errorf("ResetNode calls %v", got[before:])
			}
		})
	}

	// A Reset asks the pod manager for the reset alone: its adapter checks
	// the type against the node, which is not read twice.
	if got := p.called("GetNode")[reads:]; len(got) != 0 {
		t.Errorf("the resets read the node first: %v", got)
	}

	before := len(p.called("ResetNode"))
	err := f.svc.Reset(f.ctx, sc, limited.UUID, "GracefulRestart")
	wantCode(t, "reset not allowed", err, Invalid)
	wantMessage(t, "reset not allowed", err, "GracefulRestart", "On, ForceOff")
	if err := f.svc.Reset(f.ctx, sc, limited.UUID, "ForceOff"); err != nil {
		t.Errorf("allowed reset: %v", err)
	}
	if err := f.svc.Reset(f.ctx, sc, open.UUID, "PushPowerButton"); err != nil {
		t.Errorf("reset of a node that lists no allowed types: %v", err)
	}
	err = f.svc.Reset(f.ctx, sc, n.UUID, "Reboot")
	wantCode(t, "unknown reset type", err, Invalid)
	wantMessage(t, "unknown reset type", err, "Reboot", "GracefulRestart")
	wantCode(t, "another project", f.svc.Reset(f.ctx, Scope{ProjectID: "proj-b"}, n.UUID, "On"), NotFound)
	if got := p.called("ResetNode")[before:]; len(got) != 3 {
		t.Errorf("ResetNode calls %v, want the refused one and the two allowed ones", got)
	}
	p.failOn("ResetNode", Errorf(PodManagerError, "BMC busy"))
	wantCode(t, "pod manager refuses", f.svc.Reset(f.ctx, sc, n.UUID, "On"), PodManagerError)
	p.setDown(true)
	wantCode(t, "pod manager down", f.svc.Reset(f.ctx, sc, n.UUID, "On"), PodManagerUnavailable)
}

func TestPowerTargetsAndNMI(t *testing.T) {
	f := newFixture(t)
	pm, p := f.podm("rack1", 1)
	n := f.compose(pm, "web-1", "")
	want := map[string]string{
		"power on":       "On",
		"power off":      "ForceOff",
		"soft power off": "GracefulShutdown",
		"rebooting":      "ForceRestart",
		"soft rebooting": "GracefulRestart",
	}
	if len(PowerTargets) != len(want) {
		t.Errorf("PowerTargets has %d targets, want %d", len(PowerTargets), len(want))
	}
	for target, rt := range want {
		before := len(p.called("ResetNode"))
		if err := f.svc.SetPower(f.ctx, admin, n.UUID, target); err != nil {
			t.Fatalf("SetPower %q: %v", target, err)
		}
		if got := p.called("ResetNode")[before:]; !slices.Equal(got, []string{"ResetNode " + n.ResourceURI + " " + rt}) {
			t.Errorf("SetPower %q called %v, want reset type %s", target, got, rt)
		}
	}
	err := f.svc.SetPower(f.ctx, admin, n.UUID, "power cycle")
	wantCode(t, "unknown target", err, Invalid)
	wantMessage(t, "unknown target", err, "power cycle", "soft rebooting")

	before := len(p.called("ResetNode"))
	if err := f.svc.InjectNMI(f.ctx, admin, n.UUID); err != nil {
		t.Fatalf("InjectNMI: %v", err)
	}
	if got := p.called("ResetNode")[before:]; !slices.Equal(got, []string{"ResetNode " + n.ResourceURI + " Nmi"}) {
		t.Errorf("InjectNMI called %v", got)
	}
	p.set(func(p *fakePodm) { p.nodes[n.ResourceURI].AllowedResets = []string{"On"} })
	wantCode(t, "NMI not allowed", f.svc.InjectNMI(f.ctx, admin, n.UUID), Invalid)
}

func TestSetBoot(t *testing.T) {
	f := newFixture(t)
	pm, p := f.podm("rack1", 1)
	n := f.compose(pm, "web-1", "proj-a")
	cases := []struct {
		name string
		boot Boot
		bad  []string
	}{
		{"pxe once", Boot{Enabled: "Once", Target: "Pxe"}, nil},
		{"hdd continuous uefi", Boot{Enabled: "Continuous", Target: "Hdd", Mode: "UEFI"}, nil},
		{"disabled", Boot{Enabled: "Disabled", Target: "None", Mode: "Legacy"}, nil},
		{"remote drive", Boot{Enabled: "Once", Target: "RemoteDrive"}, nil},
		{"bad values named together", Boot{Enabled: "Always", Target: "Floppy", Mode: "BIOS"}, []string{"Always", "Floppy", "BIOS"}},
		{"no target", Boot{Enabled: "Once"}, []string{"Target"}},
		{"no enabled", Boot{Target: "Pxe"}, []string{"Enabled"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := len(p.called("SetBoot"))
			err := f.svc.SetBoot(f.ctx, Scope{ProjectID: "proj-a"}, n.UUID, c.boot)
			got := p.called("SetBoot")[before:]
			if c.bad != nil {
				wantCode(t, "SetBoot", err, Invalid)
				wantMessage(t, "SetBoot", err, c.bad...)
				if len(got) != 0 {
					t.Errorf("a refused boot override reached the pod manager: %v", got)
				}
				return
			}
			if err != nil {
				t.Fatalf("SetBoot: %v", err)
			}
			want := "SetBoot " + n.ResourceURI + " " + c.boot.Enabled + " " + c.boot.Target + " " + c.boot.Mode
			if !slices.Equal(got, []string{want}) {
				t.Errorf("SetBoot calls %q, want %q", got, want)
			}
		})
	}
	wantCode(t, "another project", f.svc.SetBoot(f.ctx, Scope{ProjectID: "proj-b"}, n.UUID, Boot{Enabled: "Once", Target: "Pxe"}), NotFound)
}

// The pod manager refusing Valence's credentials, or not implementing an
// operation, reaches the caller as such from every operation: at connect
// (credentials changed on the pod manager) and later (a session expired).
func TestPodManagerRefusalsReachTheCallerFromEveryOperation(t *testing.T) {
	for _, code := range []Code{PodManagerAuthFailed, NotImplemented} {
		f := newFixture(t)
		pm, p := f.podm("rack1", 2)
		n := f.compose(pm, "web-1", "")
		free := freeSystem(t, p)
		p.failAllWith(Errorf(code, "Pod manager rack1 refused: %s", code))
		for _, drop := range []bool{false, true} {
			if drop {
				f.svc.conns.drop(pm.UUID)
			}
			for name, call := range map[string]func() error{
				"GetNode":         func() error { _, err := f.svc.GetNode(f.ctx, admin, n.UUID); return err },
				"Reset":           func() error { return f.svc.Reset(f.ctx, admin, n.UUID, "On") },
				"SetPower":        func() error { return f.svc.SetPower(f.ctx, admin, n.UUID, "power off") },
				"InjectNMI":       func() error { return f.svc.InjectNMI(f.ctx, admin, n.UUID) },
				"SetBoot":         func() error { return f.svc.SetBoot(f.ctx, admin, n.UUID, Boot{Enabled: "Once", Target: "Pxe"}) },
				"Decompose":       func() error { return f.svc.Decompose(f.ctx, admin, n.UUID) },
				"AttachVolume":    func() error { return f.svc.AttachVolume(f.ctx, admin, n.UUID, "vol") },
				"Adopt":           func() error { _, err := f.svc.Adopt(f.ctx, admin, pm.UUID, "9", ""); return err },
				"Compose":         func() error { _, err := f.svc.Compose(f.ctx, ComposeRequest{Name: "x", PodmID: pm.UUID}); return err },
				"ResetSystem":     func() error { return f.svc.ResetSystem(f.ctx, free, pm.UUID, "On") },
				"SetSystemPower":  func() error { return f.svc.SetSystemPower(f.ctx, free, pm.UUID, "power on") },
				"InjectSystemNMI": func() error { return f.svc.InjectSystemNMI(f.ctx, free, pm.UUID) },
				"SetSystemBoot":   func() error { return f.svc.SetSystemBoot(f.ctx, free, pm.UUID, Boot{Enabled: "Once", Target: "Pxe"}) },
				"Systems":         func() error { _, err := f.svc.Systems(f.ctx, pm.UUID); return err },
			} {
				f.svc.inventories.forget(pm.UUID)
				err := call()
				wantCode(t, fmt.Sprintf("%s %s (new connection %v)", code, name, drop), err, code)
			}
		}
	}
}

// A caller limited to its own project but holding none sees no node, not
// the nodes that have no project either.
func TestProjectlessScopeSeesNothing(t *testing.T) {
	f := newFixture(t)
	pm, _ := f.podm("podm1", 1)
	n := f.compose(pm, "orphan", "")
	sc := Scope{}
	if nodes, _, err := f.svc.ListNodes(f.ctx, sc, nil, Page{}); err != nil || len(nodes) != 0 {
		t.Errorf("list: %v %v", nodes, err)
	}
	_, err := f.svc.GetNode(f.ctx, sc, n.UUID)
	wantCode(t, "get", err, NotFound)
}

// Allow alone decides about one node: AllProjects, which widens lists, does
// not widen it, and the project it is asked about is the node's.
func TestScopeAllowDecidesPerNode(t *testing.T) {
	f := newFixture(t)
	pm, p := f.podm("podm1", 1)
	n := f.compose(pm, "a-1", "proj-a")
	var asked []string
	sc := Scope{ProjectID: "proj-b", AllProjects: true, Allow: func(project string) error {
		asked = append(asked, project)
		if project == "proj-b" {
			return nil
		}
		return Errorf(NotFound, "hidden")
	}}
	_, err := f.svc.GetNode(f.ctx, sc, n.UUID)
	wantCode(t, "hidden node", err, NotFound)
	wantMessage(t, "hidden node", err, n.UUID)
	sc.Allow = func(string) error { return Errorf(Forbidden, "no") }
	wantCode(t, "forbidden node", f.svc.Reset(f.ctx, sc, n.UUID, "ForceOff"), Forbidden)
	if got := p.called("ResetNode"); len(got) != 0 {
		t.Errorf("a refused reset reached the pod manager: %v", got)
	}
	if !slices.Equal(asked, []string{"proj-a"}) {
		t.Errorf("Allow asked about %v, want the node's project proj-a", asked)
	}
	if nodes, _, err := f.svc.ListNodes(f.ctx, sc, nil, Page{}); err != nil || len(nodes) != 1 {
		t.Errorf("AllProjects list: %v %v", nodes, err)
	}
}
