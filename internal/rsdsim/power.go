package rsdsim

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
)

// nextPowerState is what a reset does to the power of real hardware: PushPowerButton toggles,
// restarts end up On, Nmi only interrupts the running system.
func nextPowerState(current, resetType string) string {
	switch resetType {
	case "On", "ForceOn", "GracefulRestart", "ForceRestart":
		return "On"
	case "ForceOff", "GracefulShutdown":
		return "Off"
	case "PushPowerButton":
		if current == "On" {
			return "Off"
		}
		return "On"
	}
	return current
}

// parseReset reads {"ResetType": t} and checks t against the advertised values.
func parseReset(body []byte) (string, *apiError) {
	var req struct {
		ResetType *string
	}
	if err := unmarshal(body, &req); err != nil {
		return "", errPayload("Malformed JSON: " + err.Error())
	}
	if req.ResetType == nil {
		return "", errPayload("The action requires the parameter ResetType.")
	}
	if !slices.Contains(allowedResetTypes, *req.ResetType) {
		return "", errPayload("The value " + *req.ResetType + " of ResetType is not one of " +
			strings.Join(allowedResetTypes, ", ") + ".")
	}
	return *req.ResetType, nil
}

// resetType reads a reset request and refuses a type that is not advertised, or advertised
// but not implemented (Config.UnimplementedResets).
func (s *Simulator) resetType(body []byte) (string, *apiError) {
	t, e := parseReset(body)
	if e == nil {
		e = s.notImplemented(t)
	}
	return t, e
}

// Allowed boot override values, the same for a system and for the node composed on it.
var (
	bootEnabledValues = []string{"Disabled", "Once", "Continuous"}
	bootTargetValues  = []string{"None", "Pxe", "Hdd", "RemoteDrive"}
	bootModeValues    = []string{"Legacy", "UEFI"}
)

func bootObject(b bootSettings) obj {
	return obj{
		"BootSourceOverrideEnabled":                         b.enabled,
		"BootSourceOverrideEnabled@Redfish.AllowableValues": bootEnabledValues,
		"BootSourceOverrideTarget":                          b.target,
		"BootSourceOverrideTarget@Redfish.AllowableValues":  bootTargetValues,
		"BootSourceOverrideMode":                            b.mode,
		"BootSourceOverrideMode@Redfish.AllowableValues":    bootModeValues,
	}
}

// patchBoot applies a {"Boot": {...}} change; each given value must be an allowed one.
func patchBoot(b bootSettings, raw json.RawMessage) (bootSettings, *apiError) {
	var p struct {
		Enabled *string `json:"BootSourceOverrideEnabled"`
		Target  *string `json:"BootSourceOverrideTarget"`
		Mode    *string `json:"BootSourceOverrideMode"`
	}
	if err := json.Unmarshal(raw, &p); err != nil {
		return b, errPayload("Boot: " + err.Error())
	}
	for _, f := range []struct {
		name    string
		value   *string
		allowed []string
		dst     *string
	}{
		{"BootSourceOverrideEnabled", p.Enabled, bootEnabledValues, &b.enabled},
		{"BootSourceOverrideTarget", p.Target, bootTargetValues, &b.target},
		{"BootSourceOverrideMode", p.Mode, bootModeValues, &b.mode},
	} {
		if f.value == nil {
			continue
		}
		if !slices.Contains(f.allowed, *f.value) {
			return b, errPayload("The value " + *f.value + " of Boot." + f.name + " is not one of " +
				strings.Join(f.allowed, ", ") + ".")
		}
		*f.dst = *f.value
	}
	return b, nil
}

// parsePatch splits a PATCH body into its properties and rejects any not in writable.
func parsePatch(body []byte, writable ...string) (map[string]json.RawMessage, *apiError) {
	var props map[string]json.RawMessage
	if err := json.Unmarshal(body, &props); err != nil {
		return nil, errPayload("Malformed JSON: " + err.Error())
	}
	for k := range props {
		if !slices.Contains(writable, k) {
			return nil, errPayload("The property " + k + " is unknown or read-only; writable: " +
				strings.Join(writable, ", ") + ".")
		}
	}
	return props, nil
}

// systemByID returns the system with that Id, or nil; the caller holds s.mu.
func (s *Simulator) systemByID(id string) *system {
	sys, _ := s.byPath[systemsPath+"/"+id].(*system)
	return sys
}

// systemChanged re-renders a system and the node composed on it, which shows the system's
// power and boot settings; the caller holds s.mu.
func (s *Simulator) systemChanged(sys *system) {
	s.renderSystem(sys)
	if sys.node != nil {
		s.renderNode(sys.node)
	}
}

func (s *Simulator) resetSystem(w http.ResponseWriter, r *http.Request, params []string) *apiError {
	body, e := readBody(w, r)
	if e != nil {
		return e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sys := s.systemByID(params[0])
	if sys == nil {
		return errNotFound(r.URL.Path)
	}
	t, e := s.resetType(body)
	if e != nil {
		return e
	}
	sys.power = nextPowerState(sys.power, t)
	s.systemChanged(sys)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// patchSystem changes the boot override of a system (what sushy's set_system_boot_source sends).
func (s *Simulator) patchSystem(w http.ResponseWriter, r *http.Request, params []string) *apiError {
	body, e := readBody(w, r)
	if e != nil {
		return e
	}
	s.mu.Lock()
	sys := s.systemByID(params[0])
	if sys == nil {
		s.mu.Unlock()
		return errNotFound(r.URL.Path)
	}
	e = s.checkIfMatch(r, sys.path())
	var props map[string]json.RawMessage
	if e == nil {
		props, e = parsePatch(body, "Boot")
	}
	if e == nil {
		e = s.setBoot(sys, props["Boot"])
	}
	s.mu.Unlock()
	if e != nil {
		return e
	}
	return s.serveCurrent(w, r, sys.path())
}

// setBoot applies a Boot property (nil: no change) to sys and re-renders it and its node;
// the caller holds s.mu.
func (s *Simulator) setBoot(sys *system, raw json.RawMessage) *apiError {
	if raw != nil {
		b, e := patchBoot(sys.boot, raw)
		if e != nil {
			return e
		}
		sys.boot = b
	}
	s.systemChanged(sys)
	return nil
}
