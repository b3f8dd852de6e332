package podm

import "testing"

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
