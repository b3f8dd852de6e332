package server

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/valence-rsd/valence/api"
)

// With a public URL configured, every absolute URL the server builds starts
// with it, whatever Host header the caller sends.
func TestPublicURLIgnoresTheHostHeader(t *testing.T) {
	const public = "https://valence.example:8443/rsd"
	f := newAPIWith(t, Options{PublicURL: public + "/"})
	send := func(method, path, body string) (*http.Response, []byte) {
		t.Helper()
		req, _ := http.NewRequest(method, f.srv.URL+path, strings.NewReader(body))
		req.Host = "evil.example"
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Test-Roles", "admin,member,reader")
		req.Header.Set("X-Test-Project", "p-admin")
		resp, err := f.srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, b
	}
	for _, name := range []string{"f1", "f2"} {
		resp, body := send("POST", "/v1/flavors", `{"name":"`+name+`","properties":{}}`)
		var fl api.Flavor
		json.Unmarshal(body, &fl)
		if loc := resp.Header.Get("Location"); resp.StatusCode != 201 || loc != public+"/v1/flavors/"+fl.UUID {
			t.Errorf("create: %d, Location %q", resp.StatusCode, loc)
		}
	}
	resp, _ := send("GET", "/v1/flavors?limit=1", "")
	if link := resp.Header.Get("Link"); !strings.HasPrefix(link, "<"+public+"/v1/flavors?") {
		t.Errorf("Link %q", link)
	}
	for _, path := range []string{"/", "/v1"} {
		_, body := send("GET", path, "")
		if strings.Contains(string(body), "evil.example") || !strings.Contains(string(body), `"href":"`+public+`/v1/"`) {
			t.Errorf("GET %s: %s", path, body)
		}
	}
}
