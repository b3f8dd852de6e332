package redfish

import (
	"net/http"
	"testing"
)

// sent records the requests a transport is given and answers 200.
type sent []*http.Request

func (s *sent) RoundTrip(req *http.Request) (*http.Response, error) {
	*s = append(*s, req)
	return &http.Response{StatusCode: http.StatusOK, Body: http.NoBody, Header: http.Header{}, Request: req}, nil
}

// A request that carries the live token (getJSON's) is sent as it is; any
// other is sent as a copy with the token, the caller's left unchanged.
func TestSessionCopiesOnlyRequestsWithoutItsToken(t *testing.T) {
	var next sent
	s := &session{next: &next, token: "live"}
	for _, tc := range []struct {
		header string
		copied bool
	}{{"live", false}, {"", true}, {"stale", true}} {
		req, err := http.NewRequest(http.MethodGet, "http://podm/redfish/v1/Systems", nil)
		if err != nil {
			t.Fatal(err)
		}
		if tc.header != "" {
			req.Header.Set("X-Auth-Token", tc.header)
		}
		if _, err := s.RoundTrip(req); err != nil {
			t.Fatal(err)
		}
		got := next[len(next)-1]
		if (got != req) != tc.copied || got.Header.Get("X-Auth-Token") != "live" || req.Header.Get("X-Auth-Token") != tc.header {
			t.Errorf("token %q: copied %t (want %t), sent with %q, the caller's now %q",
				tc.header, got != req, tc.copied, got.Header.Get("X-Auth-Token"), req.Header.Get("X-Auth-Token"))
		}
	}
}
