package server

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/valence-rsd/valence/api"
)

// With a public URL configured, every absolute URL the server builds starts
// with it, whatever Host header the caller sends.
func TestPublicURLIgnoresTheHostHeader(t *testing.T) {
	const public = "https://valence.example:8443/rsd"
	f := newAPIWith(t, Options{PublicURL: public + "/"})
	f.host = "evil.example"
	for _, name := range []string{"f1", "f2"} {
		resp, body := f.admin(t, "POST", "/v1/flavors", `{"name":"`+name+`","properties":{}}`)
		var fl api.Flavor
		json.Unmarshal(body, &fl)
		if loc := resp.Header.Get("Location"); resp.StatusCode != 201 || loc != public+"/v1/flavors/"+fl.UUID {
			t.Errorf("create: %d, Location %q", resp.StatusCode, loc)
		}
	}
	resp, _ := f.admin(t, "GET", "/v1/flavors?limit=1", "")
	if link := resp.Header.Get("Link"); !strings.HasPrefix(link, "<"+public+"/v1/flavors?") {
		t.Errorf("Link %q", link)
	}
	for _, path := range []string{"/", "/v1"} {
		_, body := f.admin(t, "GET", path, "")
		if strings.Contains(string(body), "evil.example") || !strings.Contains(string(body), `"href":"`+public+`/v1/"`) {
			t.Errorf("GET %s: %s", path, body)
		}
	}
}
