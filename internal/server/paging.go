package server

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/valence-rsd/valence/internal/valence"
)

// listQuery splits a list's query string into the page and the filters.
func listQuery(r *http.Request) (valence.Page, map[string]string, error) {
	q := r.URL.Query()
	var p valence.Page
	filters := map[string]string{}
	for k, vs := range q {
		v := vs[len(vs)-1]
		switch k {
		case "limit":
			// A page is bounded so that one call cannot ask for everything at
			// once; callers page with marker for more.
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > valence.MaxPageLimit {
				return p, nil, valence.Errorf(valence.Invalid, "limit must be an integer from 1 to %d, not %q", valence.MaxPageLimit, v)
			}
			p.Limit = n
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
