package redfish

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"

	"github.com/stmcginnis/gofish/schemas"
)

// Ref is a reference to a Redfish resource by URI, sent as {"@odata.id": uri}.
// An empty Ref in a field marked omitempty is left out.
type Ref string

// MarshalJSON writes the reference as a Redfish link object.
func (r Ref) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string]string{"@odata.id": string(r)})
}

// collectionJSON is one page of a Redfish collection: its members and, when
// the service answers the collection in pages, the link to the next one.
// Members@odata.count is not read: a service may say one total and list
// another, and only the members listed count.
type collectionJSON struct {
	Members  schemas.Links
	NextLink string `json:"Members@odata.nextLink"`
}

// member returns idOrURI if it is a path, else the URI of the member of the
// collection with that Id.
func member(collection, idOrURI string) string {
	if strings.HasPrefix(idOrURI, "/") || collection == "" {
		return idOrURI
	}
	return strings.TrimSuffix(collection, "/") + "/" + idOrURI
}

// members reads the member URIs of a collection, following its pages
// (Members@odata.nextLink) to the last. Each page is read with getJSON, so
// that a walk records every page for its revalidation. A next link that is
// not on the pod manager's origin, read already in this collection (a
// loop), or named by a page without members fails the read, and so do more
// than Config.MaxMembers members in all, before any further request.
func (c *Client) members(ctx context.Context, uri string) ([]string, error) {
	var (
		out  []string
		read map[string]bool // the pages read, made once a page names a next one
	)
	for page := uri; ; {
		var coll collectionJSON
		if err := c.getJSON(ctx, page, &coll); err != nil {
			return nil, err
		}
		// Most collections are one page: theirs is the answer, not a copy.
		if members := coll.Members.ToStrings(); out == nil {
			out = members
		} else {
			out = append(out, members...)
		}
		switch {
		case len(out) > c.maxMembers:
			return nil, fmt.Errorf("redfish: GET %s: %w of %d", uri, ErrTooManyMembers, c.maxMembers)
		case coll.NextLink == "":
			return out, nil
		case len(coll.Members) == 0:
			return nil, fmt.Errorf("redfish: GET %s: %w: page %s has no member but a next page", uri, ErrBadPaging, clip(page))
		}
		next, err := c.pagePath(coll.NextLink)
		if err != nil {
			return nil, fmt.Errorf("redfish: GET %s: next page %q: %w", uri, clip(coll.NextLink), err)
		}
		if read == nil {
			read = map[string]bool{uri: true}
		}
		if read[next] {
			return nil, fmt.Errorf("redfish: GET %s: %w: page %s links back to %s", uri, ErrBadPaging, clip(page), clip(next))
		}
		read[next] = true
		page = next
	}
}

// pagePath returns the path and query of a collection's next link: a path
// as it is, an absolute URL of the pod manager's own origin (and of the
// endpoint's path, when it has one) reduced to what follows the endpoint.
// Anything else is ErrOtherOrigin, so that no request is built from it.
func (c *Client) pagePath(link string) (string, error) {
	if strings.HasPrefix(link, "/") && !strings.HasPrefix(link, "//") {
		return link, nil
	}
	u, err := url.Parse(link)
	end, _ := url.Parse(c.endpoint) // normalized by Connect
	if err != nil || !u.IsAbs() || u.User != nil || origin(u) != origin(end) {
		return "", ErrOtherOrigin
	}
	path, ok := strings.CutPrefix(u.EscapedPath(), end.EscapedPath())
	if !ok || !strings.HasPrefix(path, "/") {
		return "", ErrOtherOrigin
	}
	if u.RawQuery != "" {
		path += "?" + u.RawQuery
	}
	return path, nil
}

// fetchAll calls get for every URI with at most c.max calls in flight and
// keeps the order of uris. Failed members are left out and their errors
// joined, so a caller gets what could be read and learns what could not.
func fetchAll[T any](ctx context.Context, c *Client, uris []string, get func(context.Context, string) (T, error)) ([]T, error) {
	ctx = inFanOut(ctx)
	results := make([]T, len(uris))
	errs := make([]error, len(uris))
	ok := make([]bool, len(uris))
	sem := make(chan struct{}, c.max)
	var wg sync.WaitGroup
loop:
	for i, uri := range uris {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			errs[i] = ctx.Err()
			break loop
		}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			results[i], errs[i] = get(ctx, uri)
			ok[i] = errs[i] == nil
		}()
	}
	wg.Wait()
	out := make([]T, 0, len(uris))
	for i := range uris {
		if ok[i] {
			out = append(out, results[i])
		}
	}
	return out, joinErrs(errs)
}

// joinErrs joins the first few errors and counts the rest, so that a pod
// manager that is down does not yield a thousand-line message.
func joinErrs(errs []error) error {
	const keep = 3
	var kept []error
	n := 0
	for _, err := range errs {
		if err == nil {
			continue
		}
		if n++; n <= keep {
			kept = append(kept, err)
		}
	}
	if n > keep {
		kept = append(kept, fmt.Errorf("and %d more failures", n-keep))
	}
	return errors.Join(kept...)
}
