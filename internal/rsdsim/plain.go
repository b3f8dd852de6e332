package rsdsim

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/google/uuid"
)

// The simulator's options that stand for real Redfish services other than an RSD Pod
// Manager: a plain Redfish mode and operations advertised but not done.

// VersionNone, as Config.RSDVersion, makes a plain Redfish service without RSD extensions:
// no Oem.Intel_RackScale anywhere, no Nodes (no composition), no RSD storage services nor
// Ethernet switches; Systems (with ComputerSystem.Reset and a PATCH of Boot), Chassis,
// Managers, EventService and SessionService as before. Standalone servers' BMCs and
// OpenStack's sushy-tools emulator look like this.
const VersionNone = "none"

// plainRedfishVersion is the RedfishVersion of the plain mode, that of sushy-tools.
const plainRedfishVersion = "1.5.0"

// plain reports whether the simulator serves plain Redfish (VersionNone).
func (s *Simulator) plain() bool { return s.ver.api == "" }

// rsdOnly reports whether path is a resource that only an RSD Pod Manager has.
func (s *Simulator) rsdOnly(path string) bool {
	for _, p := range []string{nodesPath, ethernetSwitchesPath, s.storageRootPath()} {
		if path == p || strings.HasPrefix(path, p+"/") {
			return true
		}
	}
	return false
}

// plainDoc is what put stores in the plain mode: nothing for an RSD-only resource (ok is
// false), otherwise v without its Oem.Intel_RackScale parts and without links to RSD-only
// resources. It changes v in place: every resource is built afresh for rendering.
func (s *Simulator) plainDoc(path string, v any) (out any, ok bool) {
	if s.rsdOnly(path) {
		return nil, false
	}
	s.stripRSD(v)
	return v, true
}

// stripRSD deletes, in v and below, every Oem.Intel_RackScale and every property that links
// an RSD-only resource; an Oem left empty goes too.
func (s *Simulator) stripRSD(v any) {
	switch t := v.(type) {
	case obj:
		if oem, ok := t["Oem"].(obj); ok {
			delete(oem, "Intel_RackScale")
			if len(oem) == 0 {
				delete(t, "Oem")
			}
		}
		for k, sub := range t {
			if l, ok := sub.(obj); ok && len(l) == 1 && s.rsdOnly(linkTarget(l)) {
				delete(t, k)
				continue
			}
			s.stripRSD(sub)
		}
	case []obj:
		for _, sub := range t {
			s.stripRSD(sub)
		}
	case []any:
		for _, sub := range t {
			s.stripRSD(sub)
		}
	}
}

// linkTarget is the @odata.id of a link object, or "".
func linkTarget(l obj) string {
	id, _ := l["@odata.id"].(string)
	return id
}

// plainRoutes leaves out the operations on RSD-only resources.
func (s *Simulator) plainRoutes(routes []route) []route {
	return slices.DeleteFunc(routes, func(rt route) bool { return s.rsdOnly("/" + strings.Join(rt.pattern, "/")) })
}

// newServiceUUID returns the service root's UUID: the one given, checked, or a random one.
func newServiceUUID(given string) (string, error) {
	if given == "" {
		return uuid.NewString(), nil
	}
	u, err := uuid.Parse(given)
	if err != nil {
		return "", fmt.Errorf("rsdsim: service UUID %q: %w", given, err)
	}
	return u.String(), nil
}

// validateUnimplemented refuses, in Config.UnimplementedResets, a type that is not advertised.
func validateUnimplemented(types []string) error {
	for _, t := range types {
		if !slices.Contains(allowedResetTypes, t) {
			return fmt.Errorf("rsdsim: unimplemented reset type %q is not one of %v", t, allowedResetTypes)
		}
	}
	return nil
}

// notImplemented answers 501 for a reset type the simulator advertises in
// ResetType@Redfish.AllowableValues but does not do (Config.UnimplementedResets), as
// sushy-tools does for Nmi; nil for the others.
func (s *Simulator) notImplemented(resetType string) *apiError {
	if !slices.Contains(s.cfg.UnimplementedResets, resetType) {
		return nil
	}
	return newError(http.StatusNotImplemented, codeActionNotSupported,
		"Power state "+resetType+" is not supported", "The action "+resetType+" is advertised but not implemented.")
}
