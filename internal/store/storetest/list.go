package storetest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/valence-rsd/valence/internal/valence"
)

// seed creates n nodes n00, n01, … with fields color (red for even i, blue
// for odd) and pod (p<i%3>), in shuffled order so that ID order is the
// store's doing, and returns the IDs sorted.
func seed(t *testing.T, s valence.Store, n int) []string {
	t.Helper()
	out := make([]string, n)
	for i := range n {
		out[i] = fmt.Sprintf("n%03d", i)
	}
	for _, i := range shuffled(n) {
		color := "blue"
		if i%2 == 0 {
			color = "red"
		}
		rec := node(out[i], out[i])
		rec.Fields = map[string]string{"color": color, "pod": fmt.Sprintf("p%d", i%3)}
		mustCreate(t, s, rec)
	}
	return out
}

// shuffled returns 0..n-1 in a fixed scrambled order (a stride coprime to n).
func shuffled(n int) []int {
	stride := 7
	for n%stride == 0 && n > 1 {
		stride++
	}
	out := make([]int, n)
	for i := range n {
		out[i] = i * stride % n
	}
	return out
}

// listIDs lists one page and returns its IDs and more.
func listIDs(t *testing.T, s valence.Store, opts valence.ListOptions) ([]string, bool) {
	t.Helper()
	recs, more, err := s.List(t.Context(), valence.KindNode, opts)
	if err != nil {
		t.Fatalf("List %+v: %v", opts, err)
	}
	if recs == nil {
		t.Errorf("List %+v returned nil records, want an empty slice", opts)
	}
	return ids(recs), more
}

// walk follows markers from the first page to the last and returns all IDs.
func walk(t *testing.T, s valence.Store, opts valence.ListOptions) []string {
	t.Helper()
	var all []string
	for {
		page, more := listIDs(t, s, opts)
		all = append(all, page...)
		if !more {
			return all
		}
		if len(page) == 0 {
			t.Fatalf("List %+v: empty page with more", opts)
		}
		opts.Marker = page[len(page)-1]
	}
}

// keep returns the IDs of seed whose index satisfies ok.
func keep(all []string, ok func(i int) bool) []string {
	out := []string{}
	for i, id := range all {
		if ok(i) {
			out = append(out, id)
		}
	}
	return out
}

func testListFilters(t *testing.T, s valence.Store) {
	all := seed(t, s, 12)
	flavor := valence.Record{Kind: valence.KindFlavor, ID: "f1", Fields: map[string]string{"color": "red"}}
	mustCreate(t, s, flavor)
	cases := []struct {
		filters map[string]string
		want    []string
	}{
		{nil, all},
		{map[string]string{}, all},
		{map[string]string{"color": "red"}, keep(all, func(i int) bool { return i%2 == 0 })},
		{map[string]string{"color": "red", "pod": "p0"}, keep(all, func(i int) bool { return i%6 == 0 })},
		{map[string]string{"color": "green"}, []string{}},
		{map[string]string{"missing": ""}, []string{}},
		{map[string]string{"color": "Red"}, []string{}},
	}
	for _, c := range cases {
		got, more := listIDs(t, s, valence.ListOptions{Filters: c.filters})
		if !slices.Equal(got, c.want) || more {
			t.Errorf("filters %v: got %v more=%v, want %v more=false", c.filters, got, more, c.want)
		}
	}
}

func testPaging(t *testing.T, s valence.Store) {
	got, more := listIDs(t, s, valence.ListOptions{Limit: 3})
	if len(got) != 0 || more {
		t.Errorf("empty kind: got %v more=%v", got, more)
	}
	all := seed(t, s, 7)
	cases := []struct {
		name string
		opts valence.ListOptions
		want []string
		more bool
	}{
		{"first page", valence.ListOptions{Limit: 3}, all[:3], true},
		{"middle page", valence.ListOptions{Limit: 3, Marker: all[2]}, all[3:6], true},
		{"last page", valence.ListOptions{Limit: 3, Marker: all[5]}, all[6:], false},
		{"exact boundary", valence.ListOptions{Limit: 3, Marker: all[3]}, all[4:], false},
		{"limit equals count", valence.ListOptions{Limit: 7}, all, false},
		{"limit above count", valence.ListOptions{Limit: 100}, all, false},
		{"no limit", valence.ListOptions{}, all, false},
		{"marker is last", valence.ListOptions{Limit: 3, Marker: all[6]}, []string{}, false},
		{"marker past everything", valence.ListOptions{Marker: "zzz"}, []string{}, false},
		{"marker before everything", valence.ListOptions{Limit: 2, Marker: "a"}, all[:2], true},
		{"marker between ids", valence.ListOptions{Limit: 2, Marker: all[1] + "x"}, all[2:4], true},
		{"filtered page", valence.ListOptions{Limit: 2, Filters: map[string]string{"color": "red"}}, []string{all[0], all[2]}, true},
		{"filtered last page", valence.ListOptions{Limit: 2, Marker: all[2], Filters: map[string]string{"color": "red"}}, []string{all[4], all[6]}, false},
	}
	for _, c := range cases {
		got, more := listIDs(t, s, c.opts)
		if !slices.Equal(got, c.want) || more != c.more {
			t.Errorf("%s: got %v more=%v, want %v more=%v", c.name, got, more, c.want, c.more)
		}
	}
	for limit := 1; limit <= 8; limit++ {
		if got := walk(t, s, valence.ListOptions{Limit: limit}); !slices.Equal(got, all) {
			t.Errorf("walk with limit %d: %v, want %v", limit, got, all)
		}
	}
}

// testListMany lists more records than a store may fetch in one batch.
func testListMany(t *testing.T, s valence.Store) {
	const n = 300
	all := make([]string, n)
	errs := concurrently(n, func(i int) error {
		all[i] = fmt.Sprintf("m%04d", i)
		rec := node(all[i], all[i])
		rec.Fields = map[string]string{"tail": fmt.Sprint(i >= n-3)}
		_, err := s.Create(t.Context(), rec)
		return err
	})
	for _, err := range errs {
		if err != nil {
			t.Fatalf("Create: %v", err)
		}
	}
	if got, _ := listIDs(t, s, valence.ListOptions{}); !slices.Equal(got, all) {
		t.Errorf("List of %d records returned %d, or out of order", n, len(got))
	}
	if got := walk(t, s, valence.ListOptions{Limit: 120}); !slices.Equal(got, all) {
		t.Errorf("paged walk returned %d records, or out of order", len(got))
	}
	got, more := listIDs(t, s, valence.ListOptions{Filters: map[string]string{"tail": "true"}, Limit: 3})
	if !slices.Equal(got, all[n-3:]) || more {
		t.Errorf("filter matching the last records: %v more=%v", got, more)
	}
}
