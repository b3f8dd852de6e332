package rsdsim

import "testing"

func TestNextPowerState(t *testing.T) {
	tests := []struct{ from, reset, want string }{
		{"Off", "On", "On"}, {"On", "On", "On"},
		{"Off", "ForceOn", "On"},
		{"On", "ForceOff", "Off"}, {"Off", "ForceOff", "Off"},
		{"On", "GracefulShutdown", "Off"},
		{"Off", "GracefulRestart", "On"}, {"On", "ForceRestart", "On"},
		{"Off", "PushPowerButton", "On"}, {"On", "PushPowerButton", "Off"},
		{"On", "Nmi", "On"}, {"Off", "Nmi", "Off"},
	}
	for _, tt := range tests {
		if got := nextPowerState(tt.from, tt.reset); got != tt.want {
			t.Errorf("%s + %s = %s, want %s", tt.from, tt.reset, got, tt.want)
		}
	}
}

// TestSystemResetOverHTTP runs every advertised reset type against a system.
func TestSystemResetOverHTTP(t *testing.T) {
	ts := newTestServer(t, Config{})
	const sys = "/redfish/v1/Systems/System1"
	target := get(ts.do("GET", sys, nil).body, "Actions", "#ComputerSystem.Reset", "target").(string)
	steps := []struct{ reset, want string }{
		{"On", "On"}, {"Nmi", "On"}, {"GracefulShutdown", "Off"}, {"PushPowerButton", "On"},
		{"PushPowerButton", "Off"}, {"ForceOn", "On"}, {"ForceOff", "Off"}, {"GracefulRestart", "On"},
		{"ForceOff", "Off"}, {"ForceRestart", "On"},
	}
	for _, st := range steps {
		ts.do("POST", target, m{"ResetType": st.reset}).mustStatus(t, 204)
		if got := ts.do("GET", sys, nil).body["PowerState"]; got != st.want {
			t.Fatalf("after %s: %v, want %s", st.reset, got, st.want)
		}
	}
}
