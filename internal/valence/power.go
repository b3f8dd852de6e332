package valence

import (
	"context"
	"slices"
	"strings"
)

// ResetTypes are the reset types Valence knows, as RSD and Redfish name them.
var ResetTypes = []string{"On", "ForceOn", "ForceOff", "GracefulShutdown", "GracefulRestart", "ForceRestart", "Nmi", "PushPowerButton"}

// PowerTargets maps Ironic's power targets onto reset types.
var PowerTargets = map[string]string{
	"power on":       "On",
	"power off":      "ForceOff",
	"soft power off": "GracefulShutdown",
	"rebooting":      "ForceRestart",
	"soft rebooting": "GracefulRestart",
}

// Boot override values.
var (
	BootEnabledValues = []string{"Once", "Continuous", "Disabled"}
	BootTargetValues  = []string{"Pxe", "Hdd", "RemoteDrive", "None"}
	BootModeValues    = []string{"Legacy", "UEFI"}
)

// The power, boot and NMI operations exist for composed nodes and for
// systems alike: both check the request the same way here and differ only
// in how they find their target on the pod manager (a machine).

// machine is a node or a system, found and connected, that a reset or a
// boot override is sent to.
type machine struct {
	// reset and boot send the request to the pod manager, whose adapter
	// refuses a type or value the machine does not list (Invalid): reading
	// the machine here first would only read it twice.
	reset func(ctx context.Context, resetType string) error
	boot  func(ctx context.Context, b Boot) error
}

// checkResetType refuses a reset type Valence does not know.
func checkResetType(resetType string) error {
	if !slices.Contains(ResetTypes, resetType) {
		return Errorf(Invalid, "Reset type %q is not one of %s.", resetType, strings.Join(ResetTypes, ", "))
	}
	return nil
}

// resetTypeOf maps one of Ironic's power targets onto its reset type.
func resetTypeOf(target string) (string, error) {
	resetType, ok := PowerTargets[target]
	if !ok {
		return "", Errorf(Invalid, "Power target %q is not one of: power on, power off, soft power off, rebooting, soft rebooting.", target)
	}
	return resetType, nil
}

// checkBoot refuses a boot override that is incomplete or names values
// Valence does not know.
func checkBoot(b Boot) error {
	v := &validator{}
	v.oneOf("Boot.Enabled", b.Enabled, BootEnabledValues)
	v.oneOf("Boot.Target", b.Target, BootTargetValues)
	v.oneOf("Boot.Mode", b.Mode, BootModeValues)
	if b.Enabled == "" || b.Target == "" {
		v.fail("Boot needs Enabled and Target")
	}
	return v.err()
}

// reset checks resetType, finds the machine and resets it (the pod
// manager's adapter refuses a type the machine does not allow).
func (s *Service) reset(ctx context.Context, resetType string, find func(context.Context) (machine, error)) error {
	return s.act(ctx, checkResetType(resetType), find, func(ctx context.Context, m machine) error { return m.reset(ctx, resetType) })
}

// setBoot checks b, finds the machine and sets its boot override.
func (s *Service) setBoot(ctx context.Context, b Boot, find func(context.Context) (machine, error)) error {
	return s.act(ctx, checkBoot(b), find, func(ctx context.Context, m machine) error { return m.boot(ctx, b) })
}

// act runs do on the machine that find finds, within the pod-manager
// timeout, unless the request was refused (checked) before anything is asked.
func (s *Service) act(ctx context.Context, checked error, find func(context.Context) (machine, error), do func(context.Context, machine) error) error {
	if checked != nil {
		return checked
	}
	m, err := find(ctx)
	if err != nil {
		return err
	}
	pctx, cancel := s.podmCtx(ctx)
	defer cancel()
	return do(pctx, m)
}

// nodeMachine finds a node the caller may see.
func (s *Service) nodeMachine(sc Scope, id string) func(context.Context) (machine, error) {
	return func(ctx context.Context) (machine, error) {
		n, conn, err := s.nodeConn(ctx, sc, id)
		if err != nil {
			return machine{}, err
		}
		return machine{
			reset: func(ctx context.Context, t string) error { return conn.ResetNode(ctx, n.ResourceURI, t) },
			boot:  func(ctx context.Context, b Boot) error { return conn.SetBoot(ctx, n.ResourceURI, b) },
		}, nil
	}
}

// systemMachine finds a system by UUID or Id (see GetSystem). A system that
// a composed node uses is refused: it is powered through its node, whose
// owner would otherwise see it change under them. The pod manager checks
// the reset types the system allows.
func (s *Service) systemMachine(id, podmID string) func(context.Context) (machine, error) {
	return func(ctx context.Context) (machine, error) {
		sys, err := s.GetSystem(ctx, id, podmID)
		if err != nil {
			return machine{}, err
		}
		switch {
		case sys.ComposedNode != "":
			return machine{}, Errorf(Conflict, "System %s belongs to composed node %s; act on the node instead (/v1/nodes/%s).",
				id, sys.ComposedNode, sys.ComposedNode)
		case sys.NodeURI != "":
			return machine{}, Errorf(Conflict, "System %s belongs to composed node %s of its pod manager, which Valence does not manage; adopt the node and act on it instead.",
				id, sys.NodeURI)
		}
		pm, err := s.podmByID(ctx, sys.PodmID)
		if err != nil {
			return machine{}, err
		}
		conn, err := s.connect(ctx, pm)
		if err != nil {
			return machine{}, err
		}
		// The state the system reports changes: its cached inventory must
		// not keep showing the old one.
		forget := func(err error) error {
			s.inventories.forget(pm.UUID)
			return err
		}
		return machine{
			reset: func(ctx context.Context, t string) error { return forget(conn.ResetSystem(ctx, sys.ResourceURI, t)) },
			boot:  func(ctx context.Context, b Boot) error { return forget(conn.SetSystemBoot(ctx, sys.ResourceURI, b)) },
		}, nil
	}
}

// Reset applies a reset type to a node, if the node allows it.
func (s *Service) Reset(ctx context.Context, sc Scope, id, resetType string) error {
	return s.reset(ctx, resetType, s.nodeMachine(sc, id))
}

// SetPower applies one of Ironic's power targets to a node.
func (s *Service) SetPower(ctx context.Context, sc Scope, id, target string) error {
	resetType, err := resetTypeOf(target)
	if err != nil {
		return err
	}
	return s.Reset(ctx, sc, id, resetType)
}

// InjectNMI sends a non-maskable interrupt to a node.
func (s *Service) InjectNMI(ctx context.Context, sc Scope, id string) error {
	return s.Reset(ctx, sc, id, "Nmi")
}

// SetBoot sets a node's boot override.
func (s *Service) SetBoot(ctx context.Context, sc Scope, id string, b Boot) error {
	return s.setBoot(ctx, b, s.nodeMachine(sc, id))
}

// ResetSystem applies a reset type to a system that no composed node uses;
// id and podmID are as for GetSystem.
func (s *Service) ResetSystem(ctx context.Context, id, podmID, resetType string) error {
	return s.reset(ctx, resetType, s.systemMachine(id, podmID))
}

// SetSystemPower applies one of Ironic's power targets to a system.
func (s *Service) SetSystemPower(ctx context.Context, id, podmID, target string) error {
	resetType, err := resetTypeOf(target)
	if err != nil {
		return err
	}
	return s.ResetSystem(ctx, id, podmID, resetType)
}

// InjectSystemNMI sends a non-maskable interrupt to a system.
func (s *Service) InjectSystemNMI(ctx context.Context, id, podmID string) error {
	return s.ResetSystem(ctx, id, podmID, "Nmi")
}

// SetSystemBoot sets a system's boot override.
func (s *Service) SetSystemBoot(ctx context.Context, id, podmID string, b Boot) error {
	return s.setBoot(ctx, b, s.systemMachine(id, podmID))
}
