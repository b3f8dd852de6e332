package valence

import (
	"slices"
	"testing"
)

// Systems are powered, reset, interrupted and booted with the node routes'
// checks, on the system's own pod manager, by UUID or Id.
func TestSystemPower(t *testing.T) {
	f := newFixture(t)
	pm, p := f.podm("rack1", 2)
	other, _ := f.podm("rack2", 0)
	free := freeSystem(t, p)
	uri := "/redfish/v1/Systems/" + free
	sys, err := f.svc.GetSystem(f.ctx, free, pm.UUID)
	if err != nil {
		t.Fatal(err)
	}

	calls := func(method string, do func() error) []string {
		t.Helper()
		before := len(p.called(method))
		if err := do(); err != nil {
			t.Fatalf("%s: %v", method, err)
		}
		return p.called(method)[before:]
	}
	for _, c := range []struct {
		name string
		do   func() error
		want string
	}{
		{"reset by id", func() error { return f.svc.ResetSystem(f.ctx, free, pm.UUID, "ForceRestart") }, "ForceRestart"},
		{"reset by uuid, no podm_id", func() error { return f.svc.ResetSystem(f.ctx, sys.UUID, "", "GracefulShutdown") }, "GracefulShutdown"},
		{"power on", func() error { return f.svc.SetSystemPower(f.ctx, free, pm.UUID, "power on") }, "On"},
		{"power off", func() error { return f.svc.SetSystemPower(f.ctx, free, pm.UUID, "power off") }, "ForceOff"},
		{"reboot", func() error { return f.svc.SetSystemPower(f.ctx, free, pm.UUID, "rebooting") }, "ForceRestart"},
		{"nmi", func() error { return f.svc.InjectSystemNMI(f.ctx, free, pm.UUID) }, "Nmi"},
	} {
		if got := calls("ResetSystem", c.do); !slices.Equal(got, []string{"ResetSystem " + uri + " " + c.want}) {
			t.Errorf("%s: calls %q", c.name, got)
		}
	}
	got := calls("SetSystemBoot", func() error {
		return f.svc.SetSystemBoot(f.ctx, free, pm.UUID, Boot{Enabled: "Once", Target: "Pxe", Mode: "UEFI"})
	})
	if !slices.Equal(got, []string{"SetSystemBoot " + uri + " Once Pxe UEFI"}) {
		t.Errorf("boot: calls %q", got)
	}
	if sys, _ := f.svc.GetSystem(f.ctx, free, pm.UUID); sys.PowerState != "Off" {
		t.Errorf("the system's cached state was kept after the reset: %s", sys.PowerState)
	}

	before := len(p.called("ResetSystem")) + len(p.called("SetSystemBoot"))
	for name, err := range map[string]error{
		"unknown reset type": f.svc.ResetSystem(f.ctx, free, pm.UUID, "Explode"),
		"unknown target":     f.svc.SetSystemPower(f.ctx, free, pm.UUID, "power cycle"),
		"bad boot":           f.svc.SetSystemBoot(f.ctx, free, pm.UUID, Boot{Enabled: "Always", Target: "Pxe"}),
		"incomplete boot":    f.svc.SetSystemBoot(f.ctx, free, pm.UUID, Boot{Target: "Pxe"}),
	} {
		wantCode(t, name, err, Invalid)
	}
	wantCode(t, "unknown system", f.svc.ResetSystem(f.ctx, "System9", "", "On"), NotFound)
	wantCode(t, "system of another pod manager", f.svc.ResetSystem(f.ctx, free, other.UUID, "On"), NotFound)
	if after := len(p.called("ResetSystem")) + len(p.called("SetSystemBoot")); after != before {
		t.Errorf("refused requests reached the pod manager: %d calls", after-before)
	}
}

// A system that a composed node uses is acted on through its node only.
func TestSystemPowerRefusesComposedSystems(t *testing.T) {
	f := newFixture(t)
	pm, p := f.podm("rack1", 2)
	n := f.compose(pm, "web-1", "")
	p.compose("outside") // composed on the pod manager, not recorded by Valence
	var used, outside string
	p.set(func(p *fakePodm) {
		for _, sys := range p.systems {
			if sys.node == n.ResourceURI {
				used = sys.ID
			} else if sys.node != "" {
				outside = sys.ID
			}
		}
	})
	err := f.svc.ResetSystem(f.ctx, used, pm.UUID, "On")
	wantCode(t, "recorded node", err, Conflict)
	wantMessage(t, "recorded node", err, n.UUID)
	err = f.svc.SetSystemBoot(f.ctx, outside, pm.UUID, Boot{Enabled: "Once", Target: "Pxe"})
	wantCode(t, "node of the pod manager", err, Conflict)
	wantMessage(t, "node of the pod manager", err, "/redfish/v1/Nodes/")
	if got := append(p.called("ResetSystem"), p.called("SetSystemBoot")...); len(got) != 0 {
		t.Errorf("the pod manager was asked: %q", got)
	}
}
