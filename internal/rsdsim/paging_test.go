package rsdsim

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// TestPagedCollections: with Quirks.PageSize every collection, in every model, comes in
// pages linked by Members@odata.nextLink that together list the whole collection, each page
// its own resource for ETags; $skip past the end is an empty last page, a bad one a 400.
func TestPagedCollections(t *testing.T) {
	const size = 3
	for _, tc := range []struct {
		name string
		cfg  Config
		path string
	}{
		{"rsd systems", Config{}, systemsPath},
		{"rsd chassis", Config{}, chassisPath},
		{"plain chassis", Config{RSDVersion: VersionNone}, chassisPath},
		{"dmtf blocks", Config{Model: ModelDMTF}, blocksPath},
	} {
		t.Run(tc.name, func(t *testing.T) {
			whole := newTestServer(t, tc.cfg).do("GET", tc.path, nil).mustStatus(t, http.StatusOK)
			tc.cfg.Quirks.PageSize = size
			ts := newTestServer(t, tc.cfg)
			want := whole.body["Members"].([]any)
			if len(want) <= 2*size {
				t.Fatalf("%d members: too few for three pages", len(want))
			}

			var got []any
			etags := map[string]string{}
			for next := tc.path; next != ""; {
				page := ts.do("GET", next, nil).mustStatus(t, http.StatusOK)
				members := page.body["Members"].([]any)
				if page.body["Members@odata.count"] != float64(len(want)) || len(members) == 0 || len(members) > size {
					t.Fatalf("%s: count %v and %d members, want the total %d and 1 to %d", next, page.body["Members@odata.count"], len(members), len(want), size)
				}
				etags[next] = page.header.Get("ETag")
				got = append(got, members...)
				link, _ := page.body["Members@odata.nextLink"].(string)
				if link != "" && link != fmt.Sprintf("%s?$skip=%d", tc.path, len(got)) {
					t.Fatalf("%s: next link %q after %d members", next, link, len(got))
				}
				next = link
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("the pages list %v, want %v", got, want)
			}

			// Each page is a resource of its own: its ETag, 304 to it alone.
			second := tc.path + "?$skip=3"
			if len(etags) < 3 || etags[tc.path] == etags[second] || slices.Contains(slices.Collect(maps.Values(etags)), "") {
				t.Errorf("ETags of the pages %v, want one of its own for each", etags)
			}
			ts.do("GET", second, nil, "If-None-Match", etags[second]).mustStatus(t, http.StatusNotModified)
			ts.do("GET", second, nil, "If-None-Match", etags[tc.path]).mustStatus(t, http.StatusOK)

			// From any member; past the end, an empty page that ends the collection.
			from1 := ts.do("GET", tc.path+"?$skip=1", nil).mustStatus(t, http.StatusOK)
			if m := from1.body["Members"].([]any); fmt.Sprint(m) != fmt.Sprint(want[1:1+size]) {
				t.Errorf("$skip=1: %v, want %v", m, want[1:1+size])
			}
			end := ts.do("GET", fmt.Sprintf("%s?$skip=%d", tc.path, len(want)+5), nil).mustStatus(t, http.StatusOK)
			if m := end.body["Members"].([]any); len(m) != 0 || end.body["Members@odata.nextLink"] != nil {
				t.Errorf("$skip past the end: %s, want no member and no next link", end.raw)
			}
			for _, bad := range []string{"x", "-1", "1&$skip=2", "99999999999999999999"} {
				r := ts.do("GET", tc.path+"?$skip="+bad, nil).mustStatus(t, http.StatusBadRequest)
				if code := r.errorCode(t); code != codeQueryParameterValue {
					t.Errorf("$skip=%s: %s", bad, code)
				}
			}
		})
	}
}

// TestPageSizeBounds: a page size outside 0 to maxPageSize is refused at start.
func TestPageSizeBounds(t *testing.T) {
	for _, n := range []int{-1, maxPageSize + 1} {
		if _, err := New(Config{Quirks: Quirks{PageSize: n}}); err == nil || !strings.Contains(err.Error(), "page size") {
			t.Errorf("page size %d: %v", n, err)
		}
	}
	if _, err := New(Config{Racks: 1, DrawersPerRack: 1, SystemsPerDrawer: 1, Quirks: Quirks{PageSize: maxPageSize}}); err != nil {
		t.Errorf("page size %d: %v", maxPageSize, err)
	}
}
