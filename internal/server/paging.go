package server

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/valence-rsd/valence/internal/valence"
)

// maxLimit caps a page so that one call cannot ask for everything at once
// by accident; callers page with marker for more.
const maxLimit = 1000

// listQuery splits a list's query string into the page and the filters.
func listQuery(r *http.Request) (valence.Page, map[string]string, error) {
	q := r.URL.Query()
	var p valence.Page
	filters := map[string]string{}
	for k, vs := range q {
		v := vs[len(vs)-1]
		switch k {
		case "limit":
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return p, nil, valence.Errorf(valence.Invalid, "limit must be a positive integer, not %q", v)
			}
			p.Limit = min(n, maxLimit)
		case "marker":
			p.Marker = v
		default:
			filters[k] = v
		}
	}
	return p, filters, nil
}

// setNextLink adds the Link header that points at the next page.
func setNextLink(w http.ResponseWriter, r *http.Request, p valence.Page, more bool, lastID string) {
	if !more || p.Limit == 0 || lastID == "" {
		return
	}
	q := r.URL.Query()
	q.Set("limit", strconv.Itoa(p.Limit))
	q.Set("marker", lastID)
	next := url.URL{Path: r.URL.Path, RawQuery: q.Encode()}
	w.Header().Set("Link", fmt.Sprintf("<%s%s>; rel=\"next\"", baseURL(r), next.String()))
}
