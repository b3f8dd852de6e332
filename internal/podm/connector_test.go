package podm

import (
	"testing"

	"github.com/valence-rsd/valence/internal/valence"
)

func TestShownHidesPasswords(t *testing.T) {
	tests := map[string]string{
		"https://podm:8443":                "https://podm:8443",
		"https://admin:secret@podm:8443/x": "https://admin:xxxxx@podm:8443/x",
		"://not a url":                     "://not a url",
	}
	for in, want := range tests {
		if got := shown(in); got != want {
			t.Errorf("shown(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestConfigCarriesIgnoreETags(t *testing.T) {
	for _, ignore := range []bool{false, true} {
		if got := config(valence.Access{URL: "http://podm:8443"}, Options{IgnoreETags: ignore}).IgnoreETags; got != ignore {
			t.Errorf("Options.IgnoreETags %t gave redfish.Config.IgnoreETags %t", ignore, got)
		}
	}
}
